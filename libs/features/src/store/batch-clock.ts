/**
 * Watermark, lateness and per-partition replay detection, shared by both stores so they classify every
 * event the same way. The watermark is the highest event time applied so far; it advances once per
 * batch, after classification, so events inside one batch are never late relative to each other.
 */
import type { AccessEvent } from '@vigil/events';
import { EVENT_APPLY, EVENT_SKIP, EVENT_TOUCH } from '../aggregate/batch-aggregator';
import { DEFAULT_ALLOWED_LATENESS_MS } from '../registry/windows';
import type { BatchPosition } from './window-store';

export interface ClassifiedBatch {
  readonly classes: Uint8Array;
  readonly offsets: ArrayLike<number>;
  readonly applied: number;
  readonly late: number;
  readonly duplicates: number;
  /** Watermark after this batch. */
  readonly watermark: number;
  readonly partitionKey: string | null;
  readonly lastOffset: number;
}

/** What a store has seen over its life, batch by batch (the part every store counts the same way). */
export interface BatchTotals {
  batches: number;
  events: number;
  applied: number;
  late: number;
  duplicates: number;
}

/** What a clock carries from one store instance to the next when its state moves (partition-state.ts). */
export interface BatchClockState {
  /** -Infinity before any event. */
  readonly watermark: number;
  /** Highest offset applied per (topic, partition). */
  readonly applied: readonly { readonly topic: string; readonly partition: number; readonly offset: number }[];
  readonly totals: Readonly<BatchTotals>;
}

export class BatchClock {
  private current = -Infinity;
  /** Counted by commit(). */
  readonly totals: BatchTotals = { batches: 0, events: 0, applied: 0, late: 0, duplicates: 0 };
  /** `topic\0partition` → highest offset applied by this store instance. */
  private readonly applied = new Map<string, number>();
  readonly allowedLatenessMs: number;

  constructor(allowedLatenessMs = DEFAULT_ALLOWED_LATENESS_MS) {
    if (!(allowedLatenessMs >= 0)) throw new Error(`allowed lateness must be >= 0, got ${allowedLatenessMs}`);
    this.allowedLatenessMs = allowedLatenessMs;
  }

  get watermark(): number {
    return this.current;
  }

  /** A restored partition's watermark (never moves the watermark back). */
  resume(watermark: number): void {
    if (watermark > this.current) this.current = watermark;
  }

  snapshot(): BatchClockState {
    const applied = [...this.applied].map(([key, offset]) => {
      const cut = key.lastIndexOf('\0');
      return { topic: key.slice(0, cut), partition: Number(key.slice(cut + 1)), offset };
    });
    return { watermark: this.current, applied, totals: { ...this.totals } };
  }

  /** Takes over a snapshot's watermark, applied offsets and totals (a fresh clock's restore). */
  restore(state: BatchClockState): void {
    this.current = state.watermark;
    this.applied.clear();
    for (const a of state.applied) this.applied.set(`${a.topic}\0${a.partition}`, a.offset);
    Object.assign(this.totals, state.totals);
  }

  /** Highest offset applied on (topic, partition), or -Infinity. */
  appliedOffset(topic: string, partition: number): number {
    return this.applied.get(`${topic}\0${partition}`) ?? -Infinity;
  }

  classify(events: readonly AccessEvent[], position: BatchPosition | undefined, nextOffset: number): ClassifiedBatch {
    const n = events.length;
    const classes = new Uint8Array(n);
    const offsets = offsetsOf(n, position, nextOffset);
    const partitionKey = position ? `${position.topic}\0${position.partition}` : null;
    const hwm = partitionKey === null ? -Infinity : (this.applied.get(partitionKey) ?? -Infinity);
    const lateBefore = this.current - this.allowedLatenessMs;
    let applied = 0;
    let late = 0;
    let duplicates = 0;
    let maxTs = this.current;
    for (let i = 0; i < n; i++) {
      if (offsets[i]! <= hwm) {
        classes[i] = EVENT_TOUCH;
        duplicates++;
        continue;
      }
      const ts = events[i]!.ts;
      if (ts < lateBefore) {
        classes[i] = EVENT_SKIP;
        late++;
        continue;
      }
      classes[i] = EVENT_APPLY;
      applied++;
      if (ts > maxTs) maxTs = ts;
    }
    return {
      classes,
      offsets,
      applied,
      late,
      duplicates,
      watermark: maxTs,
      partitionKey,
      lastOffset: n > 0 ? offsets[n - 1]! : -1,
    };
  }

  /** Called once the batch is durably applied. */
  commit(batch: ClassifiedBatch): void {
    this.current = batch.watermark;
    const t = this.totals;
    t.batches++;
    t.events += batch.classes.length;
    t.applied += batch.applied;
    t.late += batch.late;
    t.duplicates += batch.duplicates;
    if (batch.partitionKey !== null && batch.lastOffset >= 0) {
      const prev = this.applied.get(batch.partitionKey) ?? -Infinity;
      if (batch.lastOffset > prev) this.applied.set(batch.partitionKey, batch.lastOffset);
    }
  }
}

function offsetsOf(n: number, position: BatchPosition | undefined, nextOffset: number): ArrayLike<number> {
  if (position?.offsets) {
    if (position.offsets.length !== n) {
      throw new Error(`position has ${position.offsets.length} offsets for ${n} events`);
    }
    for (let i = 1; i < n; i++) {
      if (!(position.offsets[i]! > position.offsets[i - 1]!)) throw new Error('batch offsets must increase');
    }
    return position.offsets;
  }
  const first = position ? position.firstOffset : nextOffset;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = first + i;
  return out;
}
