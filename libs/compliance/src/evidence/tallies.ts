/**
 * Small bounded accumulators the collectors share: keyed counters, event-time timelines with a bucket
 * size chosen for the period, capped samples, exact-then-approximate distinct counts, and an
 * order-independent digest of a multiset of records.
 */
import { createHash } from 'node:crypto';
import { HyperLogLog } from '@vigil/inventory';
import { iso, type Counts, type Period, type RecordRef, type Timeline } from './evidence';

export class Counter {
  private readonly m = new Map<string, number>();
  add(key: string, n = 1): void {
    this.m.set(key, (this.m.get(key) ?? 0) + n);
  }
  get(key: string): number {
    return this.m.get(key) ?? 0;
  }
  /** Largest first, then by key: the same figures always print in the same order. */
  toJSON(): Counts {
    return Object.fromEntries([...this.m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
  }
}

const BUCKET_CHOICES_S = [60, 300, 600, 900, 1800, 3600, 6 * 3600, 86400, 7 * 86400];
export const MAX_TIMELINE_BUCKETS = 96;

/** The smallest "round" bucket that cuts the period into at most MAX_TIMELINE_BUCKETS. */
export function bucketSecondsFor(period: Period): number {
  const seconds = (period.to - period.from) / 1000;
  for (const b of BUCKET_CHOICES_S) if (seconds / b <= MAX_TIMELINE_BUCKETS) return b;
  return Math.ceil(seconds / MAX_TIMELINE_BUCKETS / 86400) * 86400;
}

export class TimelineTally {
  private readonly series = new Map<string, number[]>();
  readonly bucketMs: number;
  readonly buckets: number;
  constructor(private readonly period: Period) {
    this.bucketMs = bucketSecondsFor(period) * 1000;
    this.buckets = Math.max(1, Math.ceil((period.to - period.from) / this.bucketMs));
  }
  add(key: string, ts: number): void {
    const i = Math.floor((ts - this.period.from) / this.bucketMs);
    if (i < 0 || i >= this.buckets) return;
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = new Array<number>(this.buckets).fill(0)));
    s[i]!++;
  }
  toJSON(): Timeline {
    const keys = [...this.series.keys()].sort();
    return {
      start: iso(this.period.from),
      bucketSeconds: this.bucketMs / 1000,
      buckets: this.buckets,
      series: Object.fromEntries(keys.map((k) => [k, this.series.get(k)!])),
    };
  }
}

export const SAMPLE_LIMIT = 20;

export class Samples {
  readonly items: RecordRef[] = [];
  constructor(private readonly limit = SAMPLE_LIMIT) {}
  add(ref: RecordRef): void {
    if (this.items.length < this.limit) this.items.push(ref);
  }
}

const EXACT_DISTINCT = 10_000;

/** Exact up to 10,000 values, then a HyperLogLog (~1.6 %). */
export class DistinctCounter {
  private exact: Set<string> | null = new Set();
  private hll: HyperLogLog | null = null;
  add(value: string): void {
    if (this.exact) {
      this.exact.add(value);
      if (this.exact.size > EXACT_DISTINCT) {
        this.hll = new HyperLogLog();
        for (const v of this.exact) this.hll.add(v);
        this.exact = null;
      }
    } else this.hll!.add(value);
  }
  count(): number {
    return this.exact ? this.exact.size : this.hll!.count();
  }
}

/**
 * A multiset digest: the sum, lane by lane mod 2^32, of the first 16 bytes of each item's SHA-256. Two
 * multisets of records give the same digest whatever their order; a missing, extra or edited record
 * changes it. Not a cryptographic commitment (sums can be steered): a reconciliation check.
 */
export class MultisetDigest {
  private readonly lanes = new Uint32Array(4);
  count = 0;
  add(canonical: string): void {
    const h = createHash('sha256').update(canonical).digest();
    for (let i = 0; i < 4; i++) this.lanes[i] = (this.lanes[i]! + h.readUInt32BE(i * 4)) >>> 0;
    this.count++;
  }
  hex(): string {
    return [...this.lanes].map((n) => n.toString(16).padStart(8, '0')).join('');
  }
}

/** Min and max of a stream of numbers. */
export class Span {
  first = Infinity;
  last = -Infinity;
  add(v: number): void {
    if (v < this.first) this.first = v;
    if (v > this.last) this.last = v;
  }
}

export const inPeriod = (p: Period, ts: number): boolean => ts >= p.from && ts < p.to;
