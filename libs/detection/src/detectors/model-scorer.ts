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
  readonly reasons: readonly Reason[];
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

  /** Rows at or above the alert threshold, explained. */
  score(batch: BatchView): ModelRow[] {
    const inputs = assembleInputs(this.model.layout, batch.events, batch.vectors);
    if (inputs.rows === 0) return [];
    const scores = this.model.predict(inputs.raw, inputs.rows);
    const out: ModelRow[] = [];
    const features = this.model.manifest.features;
    for (let r = 0; r < inputs.rows; r++) {
      const score = scores[r]!;
      if (!(score >= this.thresholds.alert)) continue;
      const row = inputs.raw.subarray(r * inputs.width, (r + 1) * inputs.width);
      const explanation = this.model.explain(row);
      const values: Record<string, number> = {};
      features.forEach((f, j) => (values[f] = round(row[j]!)));
      out.push({
        id: inputs.ids[r]!,
        score: round(score, 6),
        alert: true,
        enforce: score >= this.thresholds.enforce,
        reasons: explanation.reasons.map((x) => ({
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
