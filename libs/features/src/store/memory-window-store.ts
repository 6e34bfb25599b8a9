/**
 * The embedded WindowStore: all state in this process, bounded twice over so that an attacker rotating
 * through millions of IPs cannot exhaust memory:
 *  - TTL: an entity idle (event time) for longer than its layout's state TTL is dropped by a sweep that
 *    runs whenever the watermark has moved a minute; a stale entity reads as empty even before the sweep.
 *  - Cap: at most `maxEntities` entities; beyond that the least recently touched go first (Map insertion
 *    order is kept as recency order). Evictions are counted: a flood that evicts real state is visible.
 * Idempotency is per (topic, partition): an offset at or below the highest one applied is a replay. A
 * batch is applied synchronously, so there is no partially applied batch to recover from.
 */
import type { AccessEvent } from '@vigil/events';
import { aggregateBatch } from '../aggregate/batch-aggregator';
import { COMPILED } from '../registry/compiled-layout';
import { toFeatureVector } from '../state/feature-vector';
import {
  applyDelta,
  estimateBytes,
  hasSucceeded,
  isStale,
  newMemoryEntityState,
  viewOf,
  type MemoryEntityState,
  type PatternCache,
} from '../state/memory-entity-state';
import { BatchClock } from './batch-clock';
import type { ApplyResult, BatchPosition, WindowStore, WindowStoreOptions, WindowStoreStats } from './window-store';

export interface MemoryWindowStoreOptions extends WindowStoreOptions {
  /** Hard cap on entities kept (all types together); default 500,000. */
  readonly maxEntities?: number;
}

const SWEEP_EVERY_MS = 60_000;
const PRINCIPAL_CODE = COMPILED.principal.layout.code;

export class MemoryWindowStore implements WindowStore {
  readonly kind = 'memory' as const;
  readonly maxEntities: number;
  private readonly clock: BatchClock;
  private readonly entities = new Map<string, MemoryEntityState>();
  private nextOffset = 0;
  private lastSweepWatermark = -Infinity;
  private totals = { batches: 0, events: 0, applied: 0, late: 0, duplicates: 0, evictedByTtl: 0, evictedByCap: 0 };

  constructor(options: MemoryWindowStoreOptions = {}) {
    this.clock = new BatchClock(options.allowedLatenessMs);
    this.maxEntities = options.maxEntities ?? 500_000;
    if (!(this.maxEntities >= 1)) throw new Error(`maxEntities must be >= 1, got ${this.maxEntities}`);
  }

  applyBatch(events: readonly AccessEvent[], position?: BatchPosition): Promise<ApplyResult> {
    return Promise.resolve(this.applyNow(events, position));
  }

  /** The synchronous apply, for callers that want no microtask per batch. */
  applyNow(events: readonly AccessEvent[], position?: BatchPosition): ApplyResult {
    const batch = this.clock.classify(events, position, this.nextOffset);
    this.nextOffset += events.length;
    const before = this.clock.watermark;
    const watermark = batch.watermark;
    const deltas = aggregateBatch({
      events,
      classes: batch.classes,
      offsets: batch.offsets,
      principalHasSucceeded: (p) => hasSucceeded(this.entities.get(`${PRINCIPAL_CODE}|${p}`), before),
    });
    const patterns: PatternCache = new Map();
    const vectors = new Array(deltas.length);
    for (let i = 0; i < deltas.length; i++) {
      const d = deltas[i]!;
      let s = this.entities.get(d.key);
      if (s) this.entities.delete(d.key);
      if (d.applied > 0) {
        s ??= newMemoryEntityState(d.compiled, d.id);
        applyDelta(s, d, watermark, patterns);
      }
      if (s) this.entities.set(d.key, s);
      vectors[i] = toFeatureVector(viewOf(s, d.compiled, d.id, watermark), watermark);
    }
    this.clock.commit(batch);
    this.enforceBounds(watermark);
    const t = this.totals;
    t.batches++;
    t.events += events.length;
    t.applied += batch.applied;
    t.late += batch.late;
    t.duplicates += batch.duplicates;
    return {
      vectors,
      watermark,
      events: events.length,
      applied: batch.applied,
      late: batch.late,
      duplicates: batch.duplicates,
      duplicateEntities: 0,
      entities: deltas.length,
      roundTrips: 0,
      pipelines: 0,
      commands: 0,
    };
  }

  private enforceBounds(watermark: number): void {
    if (watermark - this.lastSweepWatermark >= SWEEP_EVERY_MS || this.entities.size > this.maxEntities) {
      this.lastSweepWatermark = watermark;
      for (const [key, s] of this.entities) {
        if (isStale(s, watermark)) {
          this.entities.delete(key);
          this.totals.evictedByTtl++;
        }
      }
    }
    if (this.entities.size <= this.maxEntities) return;
    // Oldest touch first: the Map iterates in insertion order and a touch re-inserts.
    let excess = this.entities.size - this.maxEntities;
    for (const key of this.entities.keys()) {
      if (excess-- <= 0) break;
      this.entities.delete(key);
      this.totals.evictedByCap++;
    }
  }

  /** Entities currently held. */
  get size(): number {
    return this.entities.size;
  }

  /** Estimated heap bytes of all entity state (walks every entity: not for the hot path). */
  estimateBytes(): number {
    let bytes = 0;
    for (const s of this.entities.values()) bytes += estimateBytes(s);
    return bytes;
  }

  stats(): WindowStoreStats {
    return {
      kind: 'memory',
      watermark: this.clock.watermark,
      allowedLatenessMs: this.clock.allowedLatenessMs,
      ...this.totals,
      duplicateEntities: 0,
      roundTrips: 0,
      entities: this.entities.size,
      estimatedBytes: this.estimateBytes(),
    };
  }

  close(): Promise<void> {
    this.entities.clear();
    return Promise.resolve();
  }
}
