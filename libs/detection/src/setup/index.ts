export { buildDetectionSetup, DetectionSetupError } from './detection-setup';
export type { DetectionSetup, DetectionSetupOptions, EngineVariant } from './detection-setup';
export { auditEntryOf } from './audit-entry';
