/**
 * @vigil/training: labeled datasets from replays through the live decoders and windows, one TF.js model
 * per detector, thresholds at stated precision, and evaluation metrics.
 */
export { DETECTOR_IDS, DETECTOR_DEFINITIONS, parseDetectorIds } from './detectors/detector-definitions';
export type { DetectorId, DetectorDefinition } from './detectors/detector-definitions';
export { LabelIndex } from './labels/label-index';
export type { CampaignSpan, TrapMembership, LabelSetSummary } from './labels/label-index';
export { parseIncidentFile, parseIncidents, readIncidents, BENIGN_CLASSES, BENIGN_ALIASES } from './labels/incidents';
export type { ConfirmedIncident, BenignLabel, BenignClass, IncidentFile } from './labels/incidents';
export { groupIncidents, DEFAULT_GROUPING_GAP_MS, DEFAULT_WINDOW_TOLERANCE_MS } from './labels/campaign-grouping';
export type { IncidentCampaign, GroupingOptions } from './labels/campaign-grouping';
export { Dataset, RowBudgetError } from './dataset/dataset';
export type { RowMeta } from './dataset/dataset';
export { DEFAULT_ROW_SAMPLING, nextSampleRate, samplingHash } from './dataset/row-sampling';
export type { RowSampling, SamplingStatus } from './dataset/row-sampling';
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
export {
  simulateAttacks,
  mergeByTime,
  simulatedOverlay,
  SIMULATED_REQUESTS_PER_MINUTE,
  SIMULATED_TRAP_SHARE,
} from './sources/injected-events';
export type { InjectionOptions, InjectedAttacks, OverlayOptions, SimulatedOverlay } from './sources/injected-events';
export { expandInputs, discoverLabelFiles, isLogFileName, globSegment, InputPathError } from './sources/input-paths';
export { scanHistoryFile, historySpan, HistoryStream } from './sources/history-stream';
export type { HistoryFile, HistorySpan, Overlay, TimeWindow, HistoryFileStats } from './sources/history-stream';
export { splitByCampaign } from './split/campaign-split';
export type { CampaignSplit } from './split/campaign-split';
export { splitDataset, splitByTime, defaultCut } from './split/time-split';
export type { SplitSpec, DescribedSplit } from './split/time-split';
export { confusionAt, precisionRecallCurve, prAuc, thresholdForPrecision } from './metrics/metrics';
export { wilson, formatWithInterval, effectiveSize } from './metrics/wilson';
export type { Interval } from './metrics/wilson';
export type { Confusion, PrPoint, ThresholdChoice } from './metrics/metrics';
export { entityScores } from './metrics/entity-scores';
export type { EntityScore } from './metrics/entity-scores';
export { trainDetector, buildModel, mixWeights, DEFAULT_TRAIN_OPTIONS } from './train/train-detector';
export type { TrainOptions, TrainedModel } from './train/train-detector';
export { buildTrainingData, prepareHistory, rowStatus } from './train/training-data';
export type {
  DataSource,
  SourceSummary,
  HistorySummary,
  TrainingData,
  BuildDataOptions,
  BuildStatus,
  WindowSummary,
  LabelSetInput,
  OverlaySpec,
  PreparedOverlay,
} from './train/training-data';
export {
  trainDetectorModel,
  saveDetectorModel,
  planSplit,
  samplingRecord,
  DEFAULT_SPLIT,
} from './train/train-pipeline';
export type { PipelineOptions, TrainedDetector } from './train/train-pipeline';
export { chooseThresholds, DEFAULT_THRESHOLD_OPTIONS, LOOKALIKE_MARGIN } from './train/thresholds';
export type { ThresholdOptions, ThresholdDecision, ThresholdEvidence, LookalikeScore } from './train/thresholds';
export {
  countValidation,
  thinValidation,
  describeThin,
  groupFindings,
  ThinValidationError,
  DEFAULT_VALIDATION_MINIMUMS,
} from './train/validation-check';
export type { ValidationCounts, ValidationMinimums, ThinValidation, StyleCount } from './train/validation-check';
export { evaluateDetector, scoreDataset, summarize } from './evaluate/evaluate';
export type { DetectorEvaluation, StyleResult, CampaignResult, TrapResult } from './evaluate/evaluate';
export { WholePathEvaluator } from './evaluate/whole-path';
export type { WholePathReport, StyleFigures, TrapFigures } from './evaluate/whole-path';
export {
  poolReports,
  promotionVerdict,
  describeRegression,
  DEFAULT_PROMOTION_MARGINS,
  PLAIN_CUSTOMERS,
} from './evaluate/promotion';
export type {
  PooledFigures,
  PromotionMargins,
  PromotionVerdict,
  Comparison,
  EvaluationSet,
  StyleTally,
  BenignTally,
} from './evaluate/promotion';
export { incidentRecordsFromLabels } from './labels/incident-export';
export type { IncidentRecord, ExportOptions } from './labels/incident-export';
