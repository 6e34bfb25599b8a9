/**
 * Event-time windows. Counters live in buckets of three resolutions (10 s, 1 min, 10 min); a view sums
 * the buckets that end at or before the store's watermark: `1m` = six 10 s buckets, `10m` = ten 1 min
 * buckets, `1h` = six 10 min buckets. Views are aligned to bucket boundaries, so a "10 min" view covers
 * between 9 and 10 minutes of event time plus the current partial minute.
 *
 * Distinct counts (HyperLogLog) use hopping windows of 10 min that start every 5 min: an element is added
 * to the two windows that contain its event time, and a view reads the oldest window that contains the
 * watermark, i.e. the last 5 to 10 minutes. That keeps every read a single-key PFCOUNT (cheap, cached by
 * Redis) instead of a union of ten per-minute HyperLogLogs (a 16 KiB merge per read).
 *
 * Lateness: an event older than `watermark - allowedLatenessMs` (watermark before its batch) is counted as
 * late and reported, never applied; anything newer, even out of order, lands in its own bucket.
 */

export interface RingSpec {
  readonly spanMs: number;
  readonly buckets: number;
}

export const RING_NAMES = ['1m', '10m', '1h', 'baseline'] as const;
export type RingName = (typeof RING_NAMES)[number];

export const RINGS: Readonly<Record<RingName, RingSpec>> = {
  '1m': { spanMs: 10_000, buckets: 6 },
  '10m': { spanMs: 60_000, buckets: 10 },
  '1h': { spanMs: 600_000, buckets: 6 },
  /** Per-minute history of the login flow for population baselines: the current minute + 60 before it. */
  baseline: { spanMs: 60_000, buckets: 61 },
};

/** The finest bucket; every ring span is a multiple of it. */
export const BASE_BUCKET_MS = 10_000;

export const DISTINCT_WINDOW_MS = 600_000;
export const DISTINCT_HOP_MS = DISTINCT_WINDOW_MS / 2;

export const DEFAULT_ALLOWED_LATENESS_MS = 60_000;

/** Index of the bucket of `ts` in a ring of span `spanMs`. */
export function bucketOf(ts: number, spanMs: number): number {
  return Math.floor(ts / spanMs);
}

/** The hopping window a distinct-count view reads at `watermark`. */
export function distinctViewWindow(watermark: number): number {
  return Math.floor(watermark / DISTINCT_HOP_MS) - 1;
}
