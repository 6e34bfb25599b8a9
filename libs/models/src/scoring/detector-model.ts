/**
 * A loaded detector model: its manifest, the TF.js layers model, batched scoring and explanations.
 * Scoring is one predict call per chunk of rows (never per entity); explanations are computed only for
 * the rows a caller asks about (alerts), by occlusion on the normalized vector: the score drop when a
 * feature is set to its training mean, i.e. how much that feature being unusual drove the score.
 */
import type { io, LayersModel, Tensor } from '@tensorflow/tfjs';
import type { TfRuntime } from '../backend/tf-runtime';
import type { ModelManifest } from '../manifest/model-manifest';
import { inputLayout, type InputLayout } from '../inputs/input-layout';
import { normalizeRows } from './normalization';

export type Verdict = 'block' | 'alert' | 'none';

export interface FeatureReason {
  /** `<entity>.<feature>`. */
  readonly feature: string;
  readonly value: number;
  /** Median of benign training rows. */
  readonly baseline: number;
  /** Normalized value (standard deviations from the training mean after the transform). */
  readonly normalized: number;
  /** Score minus the score with this feature at its mean: positive = pushed the score up. */
  readonly contribution: number;
}

export interface Explanation {
  readonly score: number;
  readonly reasons: readonly FeatureReason[];
}

const PREDICT_CHUNK = 8192;

export class DetectorModel {
  readonly layout: InputLayout;

  constructor(
    readonly manifest: ModelManifest,
    private readonly model: LayersModel,
    readonly runtime: TfRuntime,
    /** Where it was loaded from (null: built in memory). */
    readonly dir: string | null = null,
  ) {
    this.layout = inputLayout(manifest);
  }

  get detector(): string {
    return this.manifest.detector;
  }

  get version(): string {
    return this.manifest.modelVersion;
  }

  /** Scores `rows` raw rows (row-major, manifest feature order). */
  predict(raw: Float32Array, rows: number): Float32Array {
    const width = this.layout.width;
    if (raw.length !== rows * width) throw new Error(`expected ${rows}×${width} values, got ${raw.length}`);
    const out = new Float32Array(rows);
    if (rows === 0) return out;
    const norm = normalizeRows(raw, rows, this.manifest.normalization);
    for (let start = 0; start < rows; start += PREDICT_CHUNK) {
      const n = Math.min(PREDICT_CHUNK, rows - start);
      out.set(this.predictNormalized(norm.subarray(start * width, (start + n) * width), n), start);
    }
    return out;
  }

  /** Scores already-normalized rows. */
  predictNormalized(norm: Float32Array, rows: number): Float32Array {
    const tf = this.runtime.tf;
    return tf
      .tidy(() => {
        const y = this.model.predict(tf.tensor2d(norm, [rows, this.layout.width])) as Tensor;
        return y.dataSync() as Float32Array;
      })
      .slice();
  }

  verdict(score: number): Verdict {
    const t = this.manifest.thresholds;
    return score >= t.block.score ? 'block' : score >= t.alert.score ? 'alert' : 'none';
  }

  /** The features that drove one row's score, strongest first; `top` of them. */
  explain(rawRow: Float32Array, top = 5): Explanation {
    const width = this.layout.width;
    const m = this.manifest;
    const norm = normalizeRows(rawRow, 1, m.normalization);
    // Row 0 as is, row j+1 with feature j at its mean (0 after standardization): one predict call.
    const batch = new Float32Array((width + 1) * width);
    for (let r = 0; r <= width; r++) {
      batch.set(norm, r * width);
      if (r > 0) batch[r * width + (r - 1)] = 0;
    }
    const scores = this.predictNormalized(batch, width + 1);
    const score = scores[0]!;
    const reasons: FeatureReason[] = m.features.map((feature, j) => ({
      feature,
      value: rawRow[j]!,
      baseline: m.normalization.baseline[j]!,
      normalized: Number(norm[j]!.toFixed(3)),
      contribution: Number((score - scores[j + 1]!).toFixed(4)),
    }));
    reasons.sort((a, b) => b.contribution - a.contribution);
    const pushing = reasons.slice(0, top).filter((r) => r.contribution > 0);
    if (pushing.length) return { score, reasons: pushing };
    // No single feature moves the score alone (they act together): the most unusual ones stand in, so a
    // score never comes without reasons.
    const unusual = [...reasons].sort((a, b) => Math.abs(b.normalized) - Math.abs(a.normalized));
    return { score, reasons: unusual.slice(0, Math.min(top, 3)) };
  }

  /** The same model with figures added to its manifest's evaluation section. */
  withEvaluation(extra: Record<string, unknown>): DetectorModel {
    const manifest = { ...this.manifest, evaluation: { ...this.manifest.evaluation, ...extra } };
    return new DetectorModel(manifest, this.model, this.runtime, this.dir);
  }

  /** Saves the TF.js model (not the manifest) through an IO handler, e.g. directoryIO(dir). */
  async save(handler: io.IOHandler): Promise<void> {
    await this.model.save(handler);
  }

  dispose(): void {
    this.model.dispose();
  }
}
