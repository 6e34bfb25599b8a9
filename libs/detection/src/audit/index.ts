/** The hash-chained audit trail of decisions and alerts (format: audit-record.ts). */
export { canonicalDigest, canonicalJson, sha256Hex } from './canonical-json';
export {
  AUDIT_FORMAT,
  AUDIT_RECORD_KINDS,
  DEFAULT_CHECKPOINT_EVERY,
  GENESIS_PREV,
  auditKeyId,
  auditKeyObject,
} from './audit-record';
export type {
  AlertAuditEntry,
  AuditAlertRecord,
  AuditCheckpointRecord,
  AuditDecisionRecord,
  AuditEntity,
  AuditEntry,
  AuditInputs,
  AuditKey,
  AuditModel,
  AuditRecord,
  AuditRecordKind,
  AuditResumeRecord,
  AuditStartRecord,
  AuditThresholds,
  DecisionAuditEntry,
} from './audit-record';
export { AuditTrail, MemoryAuditSink, MIN_AUDIT_KEY_BYTES } from './audit-trail';
export type { AuditSink, AuditTrailHead, AuditTrailOptions } from './audit-trail';
export { AUDIT_BREAK_REASONS, AuditVerifier, verifyAuditTrail } from './verify-audit-trail';
export type { AuditBreak, AuditBreakReason, AuditVerification, AuditVerifyOptions } from './verify-audit-trail';
export {
  AuditTrailError,
  MAX_AUDIT_LINE_BYTES,
  FileAuditSink,
  openAuditTrailFile,
  readAuditLines,
  readAuditTrailHead,
} from './audit-file';
export type { AuditFileOptions } from './audit-file';
