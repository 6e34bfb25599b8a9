/**
 * From datasets to shipped models: per detector, split by campaign, train, score the validation split,
 * choose thresholds at the entity level, write model.json + weights + manifest.json.
 *
 * Thresholds: alert = the lowest score at which validation entities reach `alertPrecision` (most recall at
 * that precision); block = the same at `blockPrecision`, and always above the highest score any benign trap
 * entity (NAT, aggregator, monitor, crawler, traveller) reached in training or validation, so that the
 * shipped model recommends no block on the traffic that fools naive rules.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { FEATURE_REGISTRY } from '@vigil/features';
import {
  DetectorModel,
  directoryIO,
  MANIFEST_FILE,
  MANIFEST_VERSION,
  parseManifest,
  type ModelManifest,
  type TfRuntime,
} from '@vigil/models';
import type { Dataset } from '../dataset/dataset';
import { DEFAULT_TICK_MS } from '../dataset/dataset-builder';
import type { DetectorId } from '../detectors/detector-definitions';
import { evaluateDetector, type DetectorEvaluation } from '../evaluate/evaluate';
import type { LabelIndex } from '../labels/label-index';
import { entityScores } from '../metrics/entity-scores';
import { thresholdForPrecision } from '../metrics/metrics';
import { splitByCampaign } from '../split/campaign-split';
import { DEFAULT_TRAIN_OPTIONS, trainDetector, type TrainOptions } from './train-detector';
import type { SourceSummary } from './training-data';

export interface PipelineOptions {
  readonly modelVersion: string;
  readonly train?: TrainOptions;
  readonly validationShare?: number;
  readonly alertPrecision?: number;
  readonly blockPrecision?: number;
  readonly tickMs?: number;
  readonly sources: readonly SourceSummary[];
  readonly now?: Date;
  readonly onStage?: (detector: DetectorId, stage: string) => void;
}

export interface TrainedDetector {
  readonly detector: DetectorId;
  readonly model: DetectorModel;
  readonly validation: DetectorEvaluation;
  readonly trainRows: number;
  readonly validationRows: number;
  readonly seconds: number;
}

const BLOCK_MARGIN = 0.01;

export async function trainDetectorModel(
  rt: TfRuntime,
  detector: DetectorId,
  ds: Dataset,
  labels: LabelIndex,
  options: PipelineOptions,
): Promise<TrainedDetector> {
  const started = Date.now();
  const split = splitByCampaign(ds, options.validationShare ?? 0.3, options.train?.seed ?? 1);
  options.onStage?.(detector, `training on ${split.train.rows} rows (${split.train.positives()} attack)`);
  const trained = await trainDetector(rt, split.train, {
    ...options.train,
    onEpoch: (e, loss) => options.onStage?.(detector, `epoch ${e} loss ${loss.toFixed(4)}`),
  });
  const provisional: ModelManifest = manifestFor(rt, detector, ds, trained, options, split, {
    alert: { score: 0.5, targetPrecision: 0, precision: 0, recall: 0 },
    block: { score: 0.5, targetPrecision: 0, precision: 0, recall: 0 },
  });
  const scorer = new DetectorModel(provisional, trained.model, rt);
  const validationScores = scorer.predict(split.validation.raw, split.validation.rows);
  const trainScores = scorer.predict(split.train.raw, split.train.rows);
  const valEntities = entityScores(split.validation, validationScores);
  const trapMax = Math.max(
    0,
    ...[...valEntities, ...entityScores(split.train, trainScores)].filter((e) => e.trap).map((e) => e.score),
  );
  const scores = valEntities.map((e) => e.score);
  const ys = valEntities.map((e) => e.label);
  const alertTarget = options.alertPrecision ?? 0.99;
  const blockTarget = options.blockPrecision ?? 0.999;
  const alert = thresholdForPrecision(scores, ys, alertTarget);
  const block = thresholdForPrecision(scores, ys, blockTarget, Math.min(trapMax + BLOCK_MARGIN, 0.999));
  const blockScore = Math.max(block.score, alert.score, Math.min(trapMax + BLOCK_MARGIN, 0.999));
  const manifest = parseManifest(
    {
      ...provisional,
      thresholds: {
        alert: { score: alert.score, targetPrecision: alertTarget, precision: alert.precision, recall: alert.recall },
        block: { score: blockScore, targetPrecision: blockTarget, precision: block.precision, recall: block.recall },
      },
    },
    `${detector} manifest`,
  );
  const model = new DetectorModel(manifest, trained.model, rt);
  const validation = evaluateDetector(model, split.validation, labels, validationScores);
  const final = parseManifest(
    {
      ...manifest,
      evaluation: {
        validation: {
          split: 'held-out campaigns and benign entities (by campaign, never by row)',
          trapMaxScore: Number(trapMax.toFixed(4)),
          alertThresholdMet: alert.met,
          blockThresholdMet: block.met,
          ...validation,
          campaigns: undefined,
        },
      },
    },
    `${detector} manifest`,
  );
  return {
    detector,
    model: new DetectorModel(final, trained.model, rt),
    validation,
    trainRows: split.train.rows,
    validationRows: split.validation.rows,
    seconds: (Date.now() - started) / 1000,
  };
}

function manifestFor(
  rt: TfRuntime,
  detector: DetectorId,
  ds: Dataset,
  trained: Awaited<ReturnType<typeof trainDetector>>,
  options: PipelineOptions,
  split: ReturnType<typeof splitByCampaign>,
  thresholds: ModelManifest['thresholds'],
): ModelManifest {
  const t = { ...DEFAULT_TRAIN_OPTIONS, ...options.train };
  return {
    manifestVersion: MANIFEST_VERSION,
    detector,
    modelVersion: options.modelVersion,
    createdAt: (options.now ?? new Date()).toISOString(),
    format: 'tfjs-layers',
    tfjsVersion: rt.tfjsVersion,
    entity: { primary: ds.detector.primary, context: [...ds.detector.context] },
    featureRegistry: { version: FEATURE_REGISTRY.version, fingerprint: FEATURE_REGISTRY.fingerprint },
    features: [...ds.features],
    normalization: trained.normalization,
    thresholds,
    decisionTickMs: options.tickMs ?? DEFAULT_TICK_MS,
    architecture: { hidden: [...trained.hidden], activation: 'relu' },
    training: {
      data: options.sources.map((s) => ({ ...s })),
      rows: { train: split.train.rows, validation: split.validation.rows, positive: ds.positives() },
      campaigns: { train: split.trainCampaigns, validation: split.validationCampaigns },
      campaignTypes: [...ds.detector.campaignTypes],
      epochs: trained.epochs,
      seconds: Number(trained.seconds.toFixed(1)),
      imbalance: `weighted loss: classes balanced, benign trap rows ×${t.trapWeight}`,
    },
    evaluation: {},
  };
}

/** Writes models/<detector>/<version>/{model.json, weights.bin, manifest.json}; returns the directory. */
export async function saveDetectorModel(root: string, model: DetectorModel): Promise<string> {
  const dir = join(root, model.detector, model.version);
  await model.save(directoryIO(dir));
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(model.manifest, null, 2)}\n`);
  return dir;
}
