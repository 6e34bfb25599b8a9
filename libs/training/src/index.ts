/**
 * @vigil/training: labeled datasets from replays through the live decoders and windows, one TF.js model
 * per detector, thresholds at stated precision, and evaluation metrics.
 */
export { DETECTOR_IDS, DETECTOR_DEFINITIONS, parseDetectorIds } from './detectors/detector-definitions';
export type { DetectorId, DetectorDefinition } from './detectors/detector-definitions';
export { LabelIndex } from './labels/label-index';
export type { CampaignSpan, ConfirmedIncident, TrapMembership } from './labels/label-index';
export { parseIncidents, readIncidents } from './labels/incidents';
export { Dataset } from './dataset/dataset';
export {
  DatasetBuilder,
  newDataset,
  DEFAULT_TICK_MS,
  LABEL_GRACE_MS,
  LABEL_LINGER_MS,
} from './dataset/dataset-builder';
export type { DatasetBuilderOptions, BuildStats, LayoutSpec } from './dataset/dataset-builder';
export { SimulatedRun } from './sources/simulated-events';
export type { SimulatedRunOptions } from './sources/simulated-events';
export { simulateAttacks, mergeByTime } from './sources/injected-events';
export type { InjectionOptions, InjectedAttacks } from './sources/injected-events';
export { splitByCampaign } from './split/campaign-split';
export type { CampaignSplit } from './split/campaign-split';
export { confusionAt, precisionRecallCurve, prAuc, thresholdForPrecision } from './metrics/metrics';
export type { Confusion, PrPoint, ThresholdChoice } from './metrics/metrics';
export { entityScores } from './metrics/entity-scores';
export type { EntityScore } from './metrics/entity-scores';
export { trainDetector, buildModel, DEFAULT_TRAIN_OPTIONS } from './train/train-detector';
export type { TrainOptions, TrainedModel } from './train/train-detector';
export { buildTrainingData } from './train/training-data';
export type { DataSource, SourceSummary, TrainingData, BuildDataOptions } from './train/training-data';
export { trainDetectorModel, saveDetectorModel } from './train/train-pipeline';
export type { PipelineOptions, TrainedDetector } from './train/train-pipeline';
export { evaluateDetector, scoreDataset, summarize } from './evaluate/evaluate';
export type { DetectorEvaluation, StyleResult, CampaignResult, TrapResult } from './evaluate/evaluate';
export { WholePathEvaluator } from './evaluate/whole-path';
export type { WholePathReport, StyleFigures, TrapFigures } from './evaluate/whole-path';
