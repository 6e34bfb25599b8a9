export { buildDetectionSetup, DetectionSetupError } from './detection-setup';
export type { DetectionSetup, DetectionSetupOptions } from './detection-setup';
export { auditEntryOf } from './audit-entry';
