/**
 * Quantiles with a bounded, mergeable sketch: logarithmic buckets with 1 % relative accuracy (the
 * DDSketch mapping, Masson et al. 2019). A bucket is an integer index, so a sketch is a map of
 * index → count that adds up under merge — which is why the Redis store keeps it as hash fields and
 * merges with HINCRBY. Values are clamped to [1e-3, 1e12]: at most ~2,800 buckets, usually a few dozen.
 */
const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
const MIN_VALUE = 1e-3;
const MAX_VALUE = 1e12;
/** The bucket of zero (and of anything below MIN_VALUE). */
export const ZERO_BUCKET = -100_000;

export function bucketOf(value: number): number {
  if (!(value >= MIN_VALUE)) return ZERO_BUCKET; // also NaN
  return Math.ceil(Math.log(value > MAX_VALUE ? MAX_VALUE : value) / LOG_GAMMA);
}

/** The value a bucket stands for: within 1 % of every value that fell into it. */
export function bucketValue(bucket: number): number {
  if (bucket === ZERO_BUCKET) return 0;
  return (2 * GAMMA ** bucket) / (GAMMA + 1);
}

export interface Quantiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Quantiles from bucket counts (any iterable of [bucket, count]). */
export function quantilesOf(buckets: Iterable<readonly [number, number]>): Quantiles | null {
  const sorted = [...buckets].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  let total = 0;
  for (const [, n] of sorted) total += n;
  if (total === 0) return null;
  const at = (q: number): number => {
    const rank = q * (total - 1);
    let seen = 0;
    for (const [b, n] of sorted) {
      seen += n;
      if (seen > rank) return round(bucketValue(b));
    }
    return round(bucketValue(sorted[sorted.length - 1]![0]));
  };
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(bucketValue(sorted[sorted.length - 1]![0])) };
}

function round(v: number): number {
  return v >= 100 ? Math.round(v) : Math.round(v * 100) / 100;
}
