/**
 * @vigil/detection: detectors (TF.js models + statistical baselines), policy, decisions, alerts and the
 * hash-chained audit trail. Plain TypeScript: the CLI and the NestJS apps wire it to sources and sinks.
 */
export * from './records/records';
export type { Detector, Finding, FindingTarget } from './detectors/finding';
export { BatchView } from './detectors/finding';
export { CompositeDetector, RULES_VERSION } from './detectors/composite-detector';
export type { EntityRule, RuleResult, CompositeDetectorOptions } from './detectors/composite-detector';
export { ModelScorer } from './detectors/model-scorer';
export { LoginPopulationDetector, DEFAULT_LOGIN_POPULATION } from './detectors/login-population';
export type { LoginPopulationOptions } from './detectors/login-population';
export * as baselineRules from './detectors/baseline-rules';
export {
  DETECTOR_NAMES,
  DEFAULT_POLICY,
  PolicyConfigError,
  parsePolicyConfig,
  policyConfigSchema,
} from './policy/policy-config';
export type { DetectorName, DetectorPolicy, PolicyConfig } from './policy/policy-config';
export { Policy, matches } from './policy/policy';
export type { PolicyOptions, PolicyOutcome, PolicyRecord, PolicyState, HashKind } from './policy/policy';
export { buildDetectors } from './engine/build-detectors';
export type { ModelSet } from './engine/build-detectors';
export { DetectionEngine, ENGINE_STATE_VERSION } from './engine/detection-engine';
export type { BatchOutcome, DetectionEngineOptions, EngineState } from './engine/detection-engine';
export { decodeEngineState, encodeEngineState } from './engine/engine-state-codec';
export {
  DetectionPipeline,
  EventTimeBatcher,
  DEFAULT_BATCH_SPAN_MS,
  DEFAULT_MAX_BATCH_EVENTS,
} from './engine/detection-pipeline';
export type { DetectionPipelineOptions, DetectionSinks, PipelineTotals } from './engine/detection-pipeline';
export {
  ShadowComparison,
  compareShadowDecisions,
  shadowComparisonForSetup,
  sideOfDecision,
  distribution,
  ACTION_STRENGTH,
} from './shadow/shadow-comparison';
export type {
  ShadowSide,
  ShadowComparisonOptions,
  SetupShadowComparison,
  ShadowEvent,
  ShadowReport,
  DetectorComparison,
  ActionRow,
  LabelRow,
  TargetCounts,
  DistributionSummary,
} from './shadow/shadow-comparison';
export * from './audit';
export * from './setup';
export { LANES, LANE_NAMES, LOGINS_LANE_KEY, isLaneName, lanesOf } from './engine/lanes';
export type { Lane, LaneName } from './engine/lanes';
export { customerSoftwareMemory } from './engine/fleet-signatures';
export { RecencyMap } from './engine/recency-map';
