/**
 * The period report: evidence assembled from the collectors, each control of the chosen frameworks
 * evaluated against it, and a summary per framework. `report.json` is this object; the HTML page and the
 * OSCAL assessment results are views of it.
 */
import type { InventoryReport } from '@vigil/inventory';
import { CONTROLS, FRAMEWORKS, type ControlDefinition, type FrameworkId } from '../catalogue/controls';
import type { AuditEvidence } from '../evidence/audit-evidence';
import type { EvidenceSet, InputRetention, Period } from '../evidence/evidence';
import { iso } from '../evidence/evidence';
import { countsOf } from '../evidence/episodes';
import { CREDENTIAL_DETECTORS } from '../evidence/audit-evidence';
import { buildCoverage, type EventCoverageCollector, type IngestSummary } from '../evidence/ingest-evidence';
import {
  authenticatedRequests,
  buildInventoryEvidence,
  credentialEndpoints,
  inventorySpan,
} from '../evidence/inventory-evidence';
import type { RecordFileCollector } from '../evidence/record-files';
import { runTest, type ControlStatus, type TestOutcome } from './tests';

export const COMPLIANCE_REPORT_FORMAT = 'vigil-compliance-report/1';

export const CLOCK_STATEMENT =
  'Event time: the period selects decisions and alerts by the event time of the requests they were decided on ' +
  '(record `ts`, the gateway log’s timestamp), so a replay of last month reports on last month. Wall time (the ' +
  "writer's clock, audit `wallTs`) is shown beside it; this report's generatedAt is wall time.";

export interface ControlResult extends TestOutcome {
  readonly framework: FrameworkId;
  readonly id: string;
  readonly title: string;
  readonly requirement: string;
  readonly evidenceRequired: string;
  readonly query: ControlDefinition['query'];
  readonly oscal: ControlDefinition['oscal'];
}

export interface ComplianceReport {
  readonly format: typeof COMPLIANCE_REPORT_FORMAT;
  readonly generatedAt: string;
  readonly tool: { readonly name: string; readonly version: string };
  readonly period: { readonly from: string; readonly to: string; readonly clock: 'event time' };
  readonly frameworks: readonly { readonly id: FrameworkId; readonly title: string }[];
  readonly summary: Readonly<Record<string, Readonly<Record<ControlStatus, number>>>>;
  readonly controls: readonly ControlResult[];
  readonly evidence: EvidenceSet;
}

export interface EvidenceParts {
  readonly period: Period;
  readonly audit: AuditEvidence;
  readonly auditInput: { readonly sha256: string | null; readonly bytes: number | null };
  readonly decisionsFile: RecordFileCollector | null;
  readonly alertsFile: RecordFileCollector | null;
  readonly inventory: InventoryReport | null;
  readonly inventoryFile: string | null;
  readonly baseline: { readonly name: string; readonly report: InventoryReport } | null;
  readonly summaries: readonly { readonly file: string; readonly summary: IngestSummary }[];
  readonly events: EventCoverageCollector | null;
  readonly eventsFile: string | null;
  readonly gapMinutes?: number;
  /** SHA-256 and size of each input file, by path. */
  readonly hashes: ReadonlyMap<string, { readonly sha256: string; readonly bytes: number }>;
}

export function assembleEvidence(p: EvidenceParts): EvidenceSet {
  const { audit, period } = p;
  const invSpan = p.inventory ? inventorySpan(p.inventory) : null;
  const brk = audit.integrity.firstBreak;
  const coverage = buildCoverage({
    period,
    summaries: p.summaries,
    events: p.events,
    inventorySpan: invSpan,
    gapMinutes: p.gapMinutes,
    auditFailure: brk
      ? {
          kind: 'audit-break',
          source: audit.integrity.file ?? 'audit trail',
          start: null,
          end: null,
          durationSeconds: null,
          detail: `line ${brk.line}${brk.seq !== null ? ` (seq ${brk.seq})` : ''}: ${brk.reason} ${brk.detail}`,
        }
      : null,
  });
  const cred = credentialEndpoints(p.inventory);
  const credEpisodes = countsOf(audit.timeToDecide, CREDENTIAL_DETECTORS);
  const hashOf = (f: string | null) => (f ? (p.hashes.get(f) ?? null) : null);
  const withHash = (r: Omit<InputRetention, 'sha256' | 'bytes'>): InputRetention => {
    const h = hashOf(r.file);
    return { ...r, sha256: h?.sha256 ?? null, bytes: h?.bytes ?? null };
  };
  const inputs: InputRetention[] = [{ ...audit.retention, sha256: p.auditInput.sha256, bytes: p.auditInput.bytes }];
  if (p.decisionsFile) inputs.push(withHash(p.decisionsFile.retention()));
  if (p.alertsFile) inputs.push(withHash(p.alertsFile.retention()));
  if (p.inventoryFile)
    inputs.push(
      withHash({
        role: 'inventory',
        file: p.inventoryFile,
        records: p.inventory?.endpoints.length ?? null,
        eventSpan: invSpan,
        wallSpan: p.inventory ? { first: p.inventory.generatedAt, last: p.inventory.generatedAt } : null,
      }),
    );
  if (p.baseline)
    inputs.push(
      withHash({
        role: 'baseline inventory',
        file: p.baseline.name,
        records: p.baseline.report.endpoints.length,
        eventSpan: inventorySpan(p.baseline.report),
        wallSpan: { first: p.baseline.report.generatedAt, last: p.baseline.report.generatedAt },
      }),
    );
  for (const s of p.summaries)
    inputs.push(
      withHash({
        role: `ingest summary (${s.summary.source})`,
        file: s.file,
        records: s.summary.records,
        eventSpan: null,
        wallSpan: null,
      }),
    );
  if (p.eventsFile && p.events)
    inputs.push(
      withHash({
        role: 'events',
        file: p.eventsFile,
        records: null,
        eventSpan: spanOfGateways(p.events),
        wallSpan: null,
      }),
    );
  const files =
    p.decisionsFile || p.alertsFile
      ? {
          decisionsFile: p.decisionsFile?.file ?? null,
          alertsFile: p.alertsFile?.file ?? null,
          decisions: p.decisionsFile?.digest.count ?? 0,
          alerts: p.alertsFile?.digest.count ?? 0,
          decisionDigest: p.decisionsFile?.digest.hex() ?? '',
          alertDigest: p.alertsFile?.digest.hex() ?? '',
        }
      : null;
  return {
    'audit-integrity': audit.integrity,
    'record-content': audit.content,
    reconciliation: {
      trail: audit.trailSide,
      files,
      decisionsMatch: p.decisionsFile
        ? files!.decisionDigest === audit.trailSide.decisionDigest && files!.decisions === audit.trailSide.decisions
        : null,
      alertsMatch: p.alertsFile
        ? files!.alertDigest === audit.trailSide.alertDigest && files!.alerts === audit.trailSide.alerts
        : null,
    },
    detections: audit.detections,
    actions: audit.actions,
    'time-to-decide': audit.timeToDecide,
    'invalid-authentication': {
      endpoints: cred.endpoints,
      failedAttempts: cred.failed,
      throttled: cred.throttled,
      inventorySpan: invSpan,
      alertsByDetector: audit.credential.alertsByDetector,
      decisionsByActionScope: audit.credential.decisionsByActionScope,
      episodes: credEpisodes.episodes,
      episodesActedOn: credEpisodes.decided,
      episodesNotActedOn: credEpisodes.undecidedHighSeverity,
      samples: audit.credential.samples,
    },
    'account-monitoring': { ...audit.accounts, authenticatedRequests: authenticatedRequests(p.inventory) },
    exceptions: audit.exceptions,
    inventory: buildInventoryEvidence(p.inventory, p.inventoryFile, p.baseline),
    coverage,
    retention: { clock: CLOCK_STATEMENT, inputs },
  };
}

function spanOfGateways(events: EventCoverageCollector): InputRetention['eventSpan'] {
  let first = Infinity;
  let last = -Infinity;
  for (const g of events.gateways()) {
    const s = events.span(g);
    if (!s) continue;
    first = Math.min(first, Date.parse(s.first));
    last = Math.max(last, Date.parse(s.last));
  }
  return Number.isFinite(first) ? { first: iso(first), last: iso(last) } : null;
}

export function buildComplianceReport(options: {
  readonly period: Period;
  readonly frameworks: readonly FrameworkId[];
  readonly evidence: EvidenceSet;
  readonly generatedAt?: Date;
  readonly toolVersion?: string;
}): ComplianceReport {
  const { period, evidence } = options;
  const wanted = new Set(options.frameworks);
  const controls: ControlResult[] = CONTROLS.filter((c) => wanted.has(c.framework)).map((c) => ({
    framework: c.framework,
    id: c.id,
    title: c.title,
    requirement: c.requirement,
    evidenceRequired: c.evidence,
    query: c.query,
    oscal: c.oscal,
    ...runTest(c.query.test, evidence, period),
  }));
  const summary: Record<string, Record<ControlStatus, number>> = {};
  for (const f of options.frameworks) summary[f] = { satisfied: 0, 'not-satisfied': 0, 'not-applicable': 0 };
  for (const c of controls) summary[c.framework]![c.status]++;
  return {
    format: COMPLIANCE_REPORT_FORMAT,
    generatedAt: (options.generatedAt ?? new Date()).toISOString(),
    tool: { name: 'vigil', version: options.toolVersion ?? '0.0.0' },
    period: { from: iso(period.from), to: iso(period.to), clock: 'event time' },
    frameworks: options.frameworks.map((id) => ({ id, title: FRAMEWORKS[id].title })),
    summary,
    controls,
    evidence,
  };
}

/** Parses `--from`/`--to` (ISO 8601 with a time zone, or a date: midnight UTC). */
export function parsePeriod(from: string, to: string): Period {
  const at = (s: string, flag: string) => {
    const ms = /^\d{4}-\d{2}-\d{2}$/.test(s) ? Date.parse(`${s}T00:00:00Z`) : Date.parse(s);
    if (!Number.isFinite(ms) || !/^\d{4}-\d{2}-\d{2}(T.*(Z|[+-]\d{2}:?\d{2}))?$/.test(s))
      throw new RangeError(`${flag} ${s}: not an ISO 8601 date or date-time with a time zone (2026-03-02T08:00:00Z)`);
    return ms;
  };
  const p = { from: at(from, '--from'), to: at(to, '--to') };
  if (p.to <= p.from) throw new RangeError(`--to ${to} is not after --from ${from}`);
  return p;
}
