/**
 * The embedded WindowStore: all state in this process, bounded twice over so that an attacker rotating
 * through millions of IPs cannot exhaust memory:
 *  - TTL: an entity idle (event time) for longer than its layout's state TTL is dropped by a sweep that
 *    runs whenever the watermark has moved a minute; a stale entity reads as empty even before the sweep.
 *  - Cap: at most `maxEntities` entities in all; beyond that the least recently touched entities of the
 *    most numerous type go first (each type's Map keeps recency order: a touch re-inserts), so a flood of
 *    new IPs evicts IPs, not the accounts it attacks. Evictions are counted, so a flood is visible.
 * Idempotency is per (topic, partition): an offset at or below the highest one applied is a replay. A
 * batch is applied synchronously, so there is no partially applied batch to recover from.
 */
import type { AccessEvent } from '@vigil/events';
import { aggregateBatch } from '../aggregate/batch-aggregator';
import { DeltaPool } from '../aggregate/entity-delta';
import { COMPILED, COMPILED_BY_CODE } from '../registry/compiled-layout';
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
  /** Per entity type (by layout code): id → state, in recency order. */
  private readonly entities: Map<string, MemoryEntityState>[] = Array.from(
    { length: COMPILED_BY_CODE.length },
    () => new Map<string, MemoryEntityState>(),
  );
  /** Deltas of the batch being applied, reused by the next (applyNow is synchronous). */
  private readonly deltas = new DeltaPool();
  private count = 0;
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
    this.deltas.recycle();
    const deltas = aggregateBatch({
      events,
      classes: batch.classes,
      offsets: batch.offsets,
      principalHasSucceeded: (p) => hasSucceeded(this.entities[PRINCIPAL_CODE]!.get(p), before),
      pool: this.deltas,
    });
    const patterns: PatternCache = new Map();
    const vectors = new Array(deltas.length);
    for (let i = 0; i < deltas.length; i++) {
      const d = deltas[i]!;
      const byId = this.entities[d.compiled.layout.code]!;
      let s = byId.get(d.id);
      if (s) byId.delete(d.id);
      if (d.applied > 0) {
        if (!s) {
          s = newMemoryEntityState(d.compiled, d.id);
          this.count++;
        }
        applyDelta(s, d, watermark, patterns);
      }
      if (s) byId.set(d.id, s);
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
    if (watermark - this.lastSweepWatermark >= SWEEP_EVERY_MS || this.count > this.maxEntities) {
      this.lastSweepWatermark = watermark;
      for (const byId of this.entities) {
        for (const [id, s] of byId) {
          if (isStale(s, watermark)) {
            byId.delete(id);
            this.count--;
            this.totals.evictedByTtl++;
          }
        }
      }
    }
    while (this.count > this.maxEntities) {
      let largest = this.entities[0]!;
      for (const byId of this.entities) if (byId.size > largest.size) largest = byId;
      // Oldest touch first, and not more than the excess or half of the type at once.
      let evict = Math.min(this.count - this.maxEntities, Math.ceil(largest.size / 2));
      for (const id of largest.keys()) {
        if (evict-- <= 0) break;
        largest.delete(id);
        this.count--;
        this.totals.evictedByCap++;
      }
    }
  }

  /** Entities currently held. */
  get size(): number {
    return this.count;
  }

  /** Estimated heap bytes of all entity state (walks every entity: not for the hot path). */
  estimateBytes(): number {
    let bytes = 0;
    for (const byId of this.entities) for (const s of byId.values()) bytes += estimateBytes(s);
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
      entities: this.count,
      estimatedBytes: this.estimateBytes(),
    };
  }

  close(): Promise<void> {
    for (const byId of this.entities) byId.clear();
    this.count = 0;
    return Promise.resolve();
  }
}
