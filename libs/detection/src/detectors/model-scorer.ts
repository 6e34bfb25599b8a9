/**
 * A TF.js detector model applied to one batch: the same input assembly as training (assembleInputs), one
 * batched predict for every touched entity of the model's primary type, and explanations (occlusion)
 * only for the rows at or above the alert threshold — the few an analyst or the audit trail will read.
 */
import { createHash } from 'node:crypto';
import type { EntityType } from '@vigil/features';
import { assembleInputs, type DetectorModel } from '@vigil/models';
import type { DecisionScope, Reason } from '../records/records';
import type { BatchView } from './finding';
import { round } from './feature-reader';

export interface ModelRow {
  readonly id: string;
  readonly score: number;
  readonly alert: boolean;
  readonly enforce: boolean;
  /**
   * The features that drove the score (occlusion: one extra predict of width + 1 rows). Computed only
   * when asked — the policy asks for the few findings that become a record; most repeat a decision in force.
   */
  explain(): Reason[];
  readonly features: Readonly<Record<string, number>>;
}

export interface ModelThresholds {
  readonly alert: number;
  readonly enforce: number;
}

export const SCOPE_OF_ENTITY: Readonly<Partial<Record<EntityType, DecisionScope>>> = {
  ip: 'ip',
  subnet: 'subnet',
  asn: 'asn',
  country: 'country',
  principal: 'principal',
  apiKey: 'api_key',
  session: 'session',
  device: 'device',
};

export class ModelScorer {
  readonly manifestDigest: string;

  constructor(
    readonly model: DetectorModel,
    readonly thresholds: ModelThresholds = {
      alert: model.manifest.thresholds.alert.score,
      enforce: model.manifest.thresholds.block.score,
    },
  ) {
    this.manifestDigest = createHash('sha256').update(JSON.stringify(model.manifest)).digest('hex');
  }

  get version(): string {
    return this.model.version;
  }

  /**
   * Rows at or above the alert threshold. `keep` (an entity's own evidence) is asked before predicting,
   * so entities that could not count anyway cost no inference.
   */
  score(batch: BatchView, keep?: (id: string) => boolean): ModelRow[] {
    const inputs = assembleInputs(this.model.layout, batch.events, batch.vectors);
    if (inputs.rows === 0) return [];
    const width = inputs.width;
    let ids = inputs.ids;
    let raw = inputs.raw;
    if (keep) {
      const kept: number[] = [];
      for (let r = 0; r < inputs.rows; r++) if (keep(inputs.ids[r]!)) kept.push(r);
      if (kept.length === 0) return [];
      if (kept.length < inputs.rows) {
        raw = new Float32Array(kept.length * width);
        kept.forEach((r, i) => raw.set(inputs.raw.subarray(r * width, (r + 1) * width), i * width));
        ids = kept.map((r) => inputs.ids[r]!);
      }
    }
    const rows = ids.length;
    const scores = this.model.predict(raw, rows);
    const out: ModelRow[] = [];
    const features = this.model.manifest.features;
    for (let r = 0; r < rows; r++) {
      const score = scores[r]!;
      if (!(score >= this.thresholds.alert)) continue;
      const row = raw.subarray(r * width, (r + 1) * width);
      const values: Record<string, number> = {};
      features.forEach((f, j) => (values[f] = round(row[j]!)));
      const model = this.model;
      out.push({
        id: ids[r]!,
        score: round(score, 6),
        alert: true,
        enforce: score >= this.thresholds.enforce,
        explain: () =>
          model.explain(row).reasons.map((x) => ({
            feature: x.feature,
            value: round(x.value),
            baseline: round(x.baseline),
          })),
        features: values,
      });
    }
    return out;
  }
}
