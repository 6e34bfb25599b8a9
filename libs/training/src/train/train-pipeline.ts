/**
 * From datasets to shipped models: per detector, split (by campaign, or by time without cutting a
 * campaign), check that validation can carry thresholds, train, score the validation split, choose
 * thresholds at the entity level with their evidence (train/thresholds.ts), write model.json + weights +
 * manifest.json. The manifest records the data (sources, files, hours, label sets, mix, split) and why
 * each threshold is where it is.
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
import { splitDataset, type DescribedSplit, type SplitSpec } from '../split/time-split';
import {
  chooseThresholds,
  DEFAULT_THRESHOLD_OPTIONS,
  type ThresholdEvidence,
  type ThresholdOptions,
} from './thresholds';
import { DEFAULT_TRAIN_OPTIONS, trainDetector, type TrainOptions } from './train-detector';
import type { SourceSummary } from './training-data';
import {
  countValidation,
  DEFAULT_VALIDATION_MINIMUMS,
  thinValidation,
  type ThinValidation,
  type ValidationCounts,
  type ValidationMinimums,
} from './validation-check';

export interface PipelineOptions {
  readonly modelVersion: string;
  readonly train?: TrainOptions;
  /** Default: by campaign, 30 % of each style's campaigns (and of benign entities) in validation. */
  readonly split?: SplitSpec;
  readonly thresholds?: Partial<ThresholdOptions>;
  readonly tickMs?: number;
  readonly sources: readonly SourceSummary[];
  /** What the data was made of, written into the manifest as `training.provenance`. */
  readonly provenance?: Readonly<Record<string, unknown>>;
  /** Thin validation the caller accepted (`--accept-thin-validation`): recorded in the manifest. */
  readonly acceptedThinValidation?: readonly ThinValidation[];
  readonly now?: Date;
  readonly onStage?: (detector: DetectorId, stage: string) => void;
}

export interface TrainedDetector {
  readonly detector: DetectorId;
  readonly model: DetectorModel;
  readonly validation: DetectorEvaluation;
  readonly counts: ValidationCounts;
  readonly evidence: ThresholdEvidence;
  readonly trainRows: number;
  readonly validationRows: number;
  readonly seconds: number;
}

export const DEFAULT_SPLIT: SplitSpec = { mode: 'campaign', validationShare: 0.3, seed: 1 };

/** The split a detector will be trained on, and what its validation side holds (before any training). */
export function planSplit(
  detector: DetectorId,
  ds: Dataset,
  spec: SplitSpec = DEFAULT_SPLIT,
  minimums: ValidationMinimums = DEFAULT_VALIDATION_MINIMUMS,
): { split: DescribedSplit; counts: ValidationCounts; thin: ThinValidation[] } {
  const split = splitDataset(ds, spec);
  const counts = countValidation(detector, split);
  return { split, counts, thin: thinValidation(counts, minimums) };
}

export async function trainDetectorModel(
  rt: TfRuntime,
  detector: DetectorId,
  ds: Dataset,
  labels: LabelIndex,
  options: PipelineOptions,
  planned?: { split: DescribedSplit; counts: ValidationCounts },
): Promise<TrainedDetector> {
  const started = Date.now();
  const spec = options.split ?? { ...DEFAULT_SPLIT, seed: options.train?.seed ?? 1 };
  const { split, counts } = planned ?? planSplit(detector, ds, spec);
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
  const lookalikes = [...valEntities, ...entityScores(split.train, trainScores)]
    .filter((e) => e.trap !== null && e.label === 0)
    .map((e) => ({ key: e.key, cls: e.trap!, score: e.score }));
  const evidence = chooseThresholds(valEntities, lookalikes, { ...DEFAULT_THRESHOLD_OPTIONS, ...options.thresholds });
  const threshold = (d: ThresholdEvidence['alert']) => ({
    score: d.score,
    targetPrecision: d.targetPrecision,
    precision: d.precision,
    recall: d.recall,
  });
  const manifest = parseManifest(
    {
      ...provisional,
      thresholds: {
        alert: threshold(evidence.alert),
        block: threshold(evidence.block),
        evidence: {
          ...round4(evidence),
          ...(sampledLookalikes(ds) ? { lookalikeGuardOverSample: sampledLookalikes(ds) } : {}),
          validationCounts: counts,
          ...(options.acceptedThinValidation?.length
            ? { acceptedThinValidation: options.acceptedThinValidation.filter((t) => t.detector === detector) }
            : {}),
        },
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
          split:
            split.mode === 'time'
              ? `history by time from ${split.cutMs === null ? '-' : new Date(split.cutMs).toISOString()} (campaigns whole, by their start); simulated rows by campaign`
              : 'held-out campaigns and benign entities (by campaign, never by row)',
          trapMaxScore: evidence.lookalikes.maxScore ?? 0,
          alertThresholdMet: evidence.alert.met,
          blockThresholdMet: evidence.block.met,
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
    counts,
    evidence,
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
  split: DescribedSplit,
  thresholds: ModelManifest['thresholds'],
): ModelManifest {
  const t = { ...DEFAULT_TRAIN_OPTIONS, ...options.train };
  const origins: Record<string, number> = {};
  for (let r = 0; r < split.train.rows; r++) {
    const o = split.train.origin(r);
    origins[o] = (origins[o] ?? 0) + 1;
  }
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
      imbalance:
        `weighted loss: classes balanced${t.originShares ? ` within each origin, origins weighted ${JSON.stringify(t.originShares)}` : ''}, ` +
        `benign look-alike rows ×${t.trapWeight}`,
      provenance: {
        ...options.provenance,
        split: {
          mode: split.mode,
          ...(split.cutMs !== null ? { validationFrom: new Date(split.cutMs).toISOString() } : {}),
          ...(options.split ? { validationShare: options.split.validationShare, seed: options.split.seed } : {}),
        },
        trainRowsByOrigin: origins,
        sampling: samplingRecord(ds),
      },
    },
    evaluation: {},
  };
}

/** How the dataset was bounded (dataset/row-sampling.ts): the caps, what was offered and kept, the rates. */
export function samplingRecord(ds: Dataset): Record<string, unknown> {
  if (!ds.sampling) return { method: 'none: every decision point kept' };
  const s = ds.status();
  const p6 = (x: number) => Number(x.toPrecision(6));
  return {
    method:
      'attack rows all kept; benign look-alike rows all kept up to maxLookalikeRows, then the largest class ' +
      'sampled by entity first; plain benign rows kept up to maxBenignRows, then sampled by entity (whole ' +
      'entities whose seeded hash is below the rate, every hour of them); a row of a sampled stratum weighs ' +
      '1/rate in the loss and in the precision thresholds are chosen at',
    maxBenignRows: ds.sampling.maxBenignRows,
    maxLookalikeRows: ds.sampling.maxLookalikeRows,
    maxAttackRows: ds.sampling.maxAttackRows,
    seed: ds.sampling.seed,
    attackRows: s.attackRows,
    benign: { rowsSeen: s.benignRowsSeen, rowsKept: s.benignRowsKept, rate: p6(s.benignRate) },
    lookalikes: Object.fromEntries(
      Object.entries(s.lookalikes).map(([cls, l]) => [cls, { rowsSeen: l.seen, rowsKept: l.rows, rate: p6(l.rate) }]),
    ),
  };
}

/** The look-alike classes sampled (rate below 1): the block guard was over a sample of them. */
function sampledLookalikes(ds: Dataset): Record<string, number> | null {
  if (!ds.sampling) return null;
  const sampled = Object.entries(ds.status().lookalikes).filter(([, l]) => l.rate < 1);
  return sampled.length ? Object.fromEntries(sampled.map(([cls, l]) => [cls, Number(l.rate.toPrecision(6))])) : null;
}

/** Numbers in the evidence rounded for the manifest (scores to 4 decimals). */
function round4<T>(x: T): T {
  return JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(4)) : v))) as T;
}

/** Writes models/<detector>/<version>/{model.json, weights.bin, manifest.json}; returns the directory. */
export async function saveDetectorModel(root: string, model: DetectorModel): Promise<string> {
  const dir = join(root, model.detector, model.version);
  await model.save(directoryIO(dir));
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(model.manifest, null, 2)}\n`);
  return dir;
}
