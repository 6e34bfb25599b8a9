/**
 * @vigil/compliance: compliance evidence from Vigil's records. A control catalogue as data (PCI DSS 4.0,
 * NIST SP 800-53 r5, GLBA Safeguards, FFIEC), streaming collectors over the audit trail, the decisions and
 * alerts files and the events, the period's evidence and each control's status, and the report's files:
 * JSON, a self-contained HTML page, OSCAL 1.1 assessment results, and a signed manifest.
 */
export * from './catalogue/controls';
export * from './evidence/evidence';
export { AuditEvidenceCollector, CREDENTIAL_DETECTORS } from './evidence/audit-evidence';
export type { AuditEvidence, AuditEvidenceOptions } from './evidence/audit-evidence';
export { DEFAULT_EPISODE_GAP_MS, EpisodeTracker } from './evidence/episodes';
export { RecordFileCollector } from './evidence/record-files';
export {
  DEFAULT_GAP_MINUTES,
  EventCoverageCollector,
  buildCoverage,
  formatDuration,
  parseIngestSummary,
} from './evidence/ingest-evidence';
export type { IngestSummary } from './evidence/ingest-evidence';
export { buildInventoryEvidence, parseInventoryReport } from './evidence/inventory-evidence';
export { CONTROL_STATUSES, runTest } from './evaluate/tests';
export type { ControlStatus, TestOutcome } from './evaluate/tests';
export {
  CLOCK_STATEMENT,
  COMPLIANCE_REPORT_FORMAT,
  assembleEvidence,
  buildComplianceReport,
  parsePeriod,
} from './evaluate/compliance-report';
export type { ComplianceReport, ControlResult, EvidenceParts } from './evaluate/compliance-report';
export { complianceHtml } from './export/html-report';
export { OSCAL_VERSION, VIGIL_OSCAL_NS, buildOscal, uuidV5 } from './export/oscal';
export type { EvidenceFileRef, OscalDocuments } from './export/oscal';
export { REPORT_FILES, renderReportFiles } from './export/report-files';
export * from './manifest/manifest';
