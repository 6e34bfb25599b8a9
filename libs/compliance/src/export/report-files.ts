/**
 * The files of a report directory, as bytes by relative path: `report.json`, `report.html`, one
 * `evidence/<class>.json` per evidence class, and the OSCAL `assessment-results.json` (whose back-matter
 * names each evidence file and each input by SHA-256) with the `assessment-plan.json` stub it imports.
 * The CLI writes them, adds `report.pdf` when Chromium is there, and signs the lot (manifest/).
 */
import type { ComplianceReport } from '../evaluate/compliance-report';
import { EVIDENCE_CLASSES } from '../evidence/evidence';
import { sha256 } from '../manifest/manifest';
import { complianceHtml } from './html-report';
import { buildOscal, type EvidenceFileRef } from './oscal';

export const REPORT_FILES = {
  json: 'report.json',
  html: 'report.html',
  pdf: 'report.pdf',
  assessmentResults: 'assessment-results.json',
  assessmentPlan: 'assessment-plan.json',
} as const;

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v, null, 2) + '\n', 'utf8');

export function renderReportFiles(report: ComplianceReport): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const refs: EvidenceFileRef[] = [];
  for (const cls of EVIDENCE_CLASSES) {
    const path = `evidence/${cls}.json`;
    const bytes = json({ class: cls, period: report.period, evidence: report.evidence[cls] });
    files.set(path, bytes);
    refs.push({
      href: path,
      sha256: sha256(bytes),
      title: `Evidence: ${cls}`,
      mediaType: 'application/json',
      evidenceClass: cls,
    });
  }
  for (const input of report.evidence.retention.inputs) {
    if (!input.sha256) continue;
    refs.push({
      // A path as a URI reference (spaces and the like percent-encoded).
      href: encodeURI(input.file),
      sha256: input.sha256,
      title: `Input: ${input.role} (${input.file})`,
      mediaType: input.file.endsWith('.ndjson') ? 'application/x-ndjson' : 'application/json',
      inputRole: input.role,
    });
  }
  files.set(REPORT_FILES.json, json(report));
  files.set(REPORT_FILES.html, Buffer.from(complianceHtml(report), 'utf8'));
  const oscal = buildOscal(report, refs);
  files.set(REPORT_FILES.assessmentResults, json(oscal.assessmentResults));
  files.set(REPORT_FILES.assessmentPlan, json(oscal.assessmentPlan));
  return files;
}
