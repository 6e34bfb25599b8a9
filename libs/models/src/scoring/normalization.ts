/**
 * Feature normalization, shared by training (fit) and scoring (apply), so that the two can never drift:
 * transform (signed log1p: counts, bytes and milliseconds are heavy-tailed), standardize with the
 * training mean and std, clip. Missing context (an event without a session) is a zero raw value.
 */
import type { ModelManifest, NormalizationTransform } from '../manifest/model-manifest';

export type Normalization = ModelManifest['normalization'];

export function transformValue(x: number, transform: NormalizationTransform): number {
  if (!Number.isFinite(x)) x = 0;
  if (transform === 'identity') return x;
  return x < 0 ? -Math.log1p(-x) : Math.log1p(x);
}

/** Normalizes `rows` raw rows of `width` values (row-major) into `out`. */
export function normalizeRows(
  raw: Float32Array,
  rows: number,
  norm: Normalization,
  out = new Float32Array(raw.length),
): Float32Array {
  const width = norm.mean.length;
  const { mean, std, clip, transform } = norm;
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    for (let j = 0; j < width; j++) {
      const z = (transformValue(raw[o + j]!, transform) - mean[j]!) / std[j]!;
      out[o + j] = z > clip ? clip : z < -clip ? -clip : z;
    }
  }
  return out;
}

/**
 * Mean and std (after the transform) over all rows, baseline = raw median over `baselineRows`
 * (the benign ones). A constant feature gets std 1 so that it normalizes to 0 instead of NaN.
 */
export function fitNormalization(
  raw: Float32Array,
  rows: number,
  width: number,
  baselineRows: (r: number) => boolean,
  transform: NormalizationTransform = 'signed-log1p',
  clip = 8,
): Normalization {
  const mean = new Array<number>(width).fill(0);
  const sq = new Array<number>(width).fill(0);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) {
      const t = transformValue(raw[r * width + j]!, transform);
      mean[j]! += t;
      sq[j]! += t * t;
    }
  }
  const std = mean.map((s, j) => {
    const m = s / Math.max(rows, 1);
    const v = sq[j]! / Math.max(rows, 1) - m * m;
    return v > 1e-12 ? Math.sqrt(v) : 1;
  });
  const baseline: number[] = [];
  const column: number[] = [];
  for (let j = 0; j < width; j++) {
    column.length = 0;
    for (let r = 0; r < rows; r++) if (baselineRows(r)) column.push(raw[r * width + j]!);
    column.sort((a, b) => a - b);
    baseline.push(column.length ? column[Math.floor(column.length / 2)]! : 0);
  }
  return {
    transform,
    mean: mean.map((s) => round(s / Math.max(rows, 1))),
    std: std.map(round),
    baseline: baseline.map(round),
    clip,
  };
}

function round(x: number): number {
  return Number(x.toPrecision(7));
}
