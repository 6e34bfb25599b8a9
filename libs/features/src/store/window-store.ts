/**
 * The WindowStore port: apply one batch of events and get the feature vectors of every entity it touched,
 * evaluated at the store's watermark after the batch. Two implementations pass one contract suite
 * (test/features/window-store.contract.ts): MemoryWindowStore (embedded) and RedisWindowStore.
 */
import type { AccessEvent } from '@vigil/events';
import type { FeatureVector } from '../state/feature-vector';

/** Where a batch came from. Applying the same (topic, partition, offset) twice counts it once. */
export interface BatchPosition {
  readonly topic: string;
  readonly partition: number;
  /** Offset of events[0]; events[i] is at firstOffset + i unless `offsets` is given. */
  readonly firstOffset: number;
  /** Explicit per-event offsets (increasing), e.g. a Kafka batch with dead-lettered records removed. */
  readonly offsets?: readonly number[];
}

export interface ApplyResult {
  /** One vector per entity touched by a non-late event, in a stable order (entity type, first touch). */
  readonly vectors: FeatureVector[];
  /** Store watermark after the batch (event time, ms); -Infinity before any event. */
  readonly watermark: number;
  readonly events: number;
  readonly applied: number;
  /** Older than watermark - allowedLateness: counted here, not applied. */
  readonly late: number;
  /** At or below the partition's applied offset: replays, not applied again. */
  readonly duplicates: number;
  /** Entities whose stored offset showed the batch was (partly) applied to them already (crash recovery). */
  readonly duplicateEntities: number;
  readonly entities: number;
  /** Sequential network round trips this batch needed (0 in memory; Cluster nodes run in parallel). */
  readonly roundTrips: number;
  /** Pipelines sent (one per Cluster node group per round trip). */
  readonly pipelines: number;
  /** Commands (script calls and reads) sent in those pipelines. */
  readonly commands: number;
}

/** memory: embedded; redis: every update a script in Redis; partition: memory state, written to Redis in bulk. */
export type WindowStoreKind = 'memory' | 'redis' | 'partition';

export interface WindowStoreStats {
  readonly kind: WindowStoreKind;
  readonly watermark: number;
  readonly allowedLatenessMs: number;
  readonly batches: number;
  readonly events: number;
  readonly applied: number;
  readonly late: number;
  readonly duplicates: number;
  readonly duplicateEntities: number;
  readonly roundTrips: number;
  /** Memory store only. */
  readonly entities?: number;
  readonly estimatedBytes?: number;
  readonly evictedByTtl?: number;
  readonly evictedByCap?: number;
}

export interface WindowStore {
  readonly kind: WindowStoreKind;
  applyBatch(events: readonly AccessEvent[], position?: BatchPosition): Promise<ApplyResult>;
  /**
   * Before the first batch of a restored partition: the watermark its checkpoint recorded, so lateness
   * and window ends are judged as they were before the restart. Optional: only stores a partition can
   * move between (Redis) need it.
   */
  resumeWatermark?(watermark: number): void;
  stats(): WindowStoreStats;
  close(): Promise<void>;
}

export interface WindowStoreOptions {
  /** How far behind the watermark an event may be and still count; default 60 s. */
  readonly allowedLatenessMs?: number;
}
