/**
 * The evidence of one period, by class: what the control catalogue's queries read. Every figure here is
 * computed from Vigil's own records (audit trail, decisions, alerts, inventory, ingest summaries, events)
 * and says which records it came from; the evaluator (evaluate/) turns it into control statuses.
 *
 * Clock: a period selects records by EVENT time (the time of the request the gateway logged: a
 * decision's or alert's `ts`, an audit line's `record.ts`), never by the wall clock of the process that
 * wrote them; wall time (`wallTs`) is reported beside it as the writer's clock.
 */
import type { AuditBreak, AuditVerification } from '@vigil/detection';
import type { InventoryReport } from '@vigil/inventory';

export const EVIDENCE_CLASSES = [
  'audit-integrity',
  'record-content',
  'reconciliation',
  'detections',
  'actions',
  'time-to-decide',
  'invalid-authentication',
  'account-monitoring',
  'exceptions',
  'inventory',
  'coverage',
  'retention',
] as const;
export type EvidenceClass = (typeof EVIDENCE_CLASSES)[number];

/** A half-open event-time interval [from, to), ms. */
export interface Period {
  readonly from: number;
  readonly to: number;
}

/** One record behind a figure: enough to find it again in its file. */
export interface RecordRef {
  readonly source: 'audit' | 'decisions' | 'alerts' | 'inventory' | 'summary' | 'events';
  /** 1-based line in the source file, when it is a line. */
  readonly line?: number;
  readonly seq?: number;
  /** A decision's or alert's id, an endpoint id. */
  readonly id?: string;
  readonly ts?: string;
  readonly note: string;
}

export type Counts = Readonly<Record<string, number>>;

/** Counts per time bucket (event time), one series per key. */
export interface Timeline {
  readonly start: string;
  readonly bucketSeconds: number;
  readonly buckets: number;
  readonly series: Readonly<Record<string, readonly number[]>>;
}

export interface TimeSpan {
  readonly first: string;
  readonly last: string;
}

export interface AuditIntegrityEvidence {
  readonly file: string | null;
  /** Chain, sequence, kinds, checkpoint counts and (with a key) every checkpoint's MAC. */
  readonly intact: boolean;
  readonly verification: Omit<AuditVerification, 'firstBreak'> | null;
  readonly firstBreak:
    | (AuditBreak & {
        /** The decision or alert on the breaking line, when the line still parses. */
        readonly recordId: string | null;
        readonly recordKind: string | null;
      })
    | null;
  readonly keyGiven: boolean;
  /** The trail's checkpoints were signed with Vigil's built-in development key. */
  readonly developmentKey: boolean;
  /** Lines after the first break: read for the figures, but no chain vouches for them. */
  readonly linesAfterBreak: number;
}

export interface RecordContentEvidence {
  /** Decision and alert lines of the period that were checked. */
  readonly checked: number;
  /** Lines missing one of the fields below. */
  readonly incomplete: number;
  readonly missingByField: Counts;
  readonly fields: readonly { readonly name: string; readonly from: string }[];
  readonly samples: readonly RecordRef[];
}

export interface ReconciliationSide {
  readonly decisions: number;
  readonly alerts: number;
  /** Order-independent digest of the period's records (sum of SHA-256 prefixes of canonical JSON). */
  readonly decisionDigest: string;
  readonly alertDigest: string;
}

export interface ReconciliationEvidence {
  readonly trail: ReconciliationSide;
  /** Null when no decisions/alerts files were given. */
  readonly files:
    (ReconciliationSide & { readonly decisionsFile: string | null; readonly alertsFile: string | null }) | null;
  readonly decisionsMatch: boolean | null;
  readonly alertsMatch: boolean | null;
}

export interface DetectionEvidence {
  readonly alerts: number;
  readonly byDetector: Counts;
  readonly bySeverity: Counts;
  readonly byEntityType: Counts;
  /** `detector severity` → count. */
  readonly byDetectorSeverity: Counts;
  readonly withoutReasons: number;
  readonly timeline: Timeline;
  readonly samples: readonly RecordRef[];
}

export interface ActionEvidence {
  /** Decision lines of the period, extensions included. */
  readonly records: number;
  /** Decisions first made in the period (distinct ids). */
  readonly decisions: number;
  /** Lines that extend a decision already in force (same id, later ts). */
  readonly extensions: number;
  readonly byAction: Counts;
  readonly byScope: Counts;
  /** `action scope` → count of decisions. */
  readonly byActionScope: Counts;
  /** `detector action scope` → count of decisions. */
  readonly byDetectorActionScope: Counts;
  readonly enforcing: number;
  readonly shadow: number;
  readonly monitor: number;
  readonly timeline: Timeline;
  readonly samples: readonly RecordRef[];
}

export interface LatencyDistribution {
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p90Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  readonly histogram: readonly { readonly label: string; readonly upToMs: number | null; readonly count: number }[];
}

export interface TimeToDecideEvidence {
  readonly method: string;
  readonly episodeGapSeconds: number;
  /** Episodes whose first alert is in the period. */
  readonly episodes: number;
  readonly decided: number;
  /** Episodes that ended without any decision (alert-only findings, guards, allowlist). */
  readonly alertOnly: number;
  readonly distribution: LatencyDistribution;
  readonly byDetector: Readonly<
    Record<
      string,
      {
        readonly episodes: number;
        readonly decided: number;
        /** High or critical episodes with no decision. */
        readonly undecidedHighSeverity: number;
        readonly p50Ms: number | null;
        readonly maxMs: number | null;
      }
    >
  >;
  /** Enforcing-severity episodes (high, critical) without a decision. */
  readonly undecidedHighSeverity: number;
  readonly samples: readonly RecordRef[];
}

export interface InvalidAuthenticationEvidence {
  /** From the inventory: login, MFA and password-reset endpoints. */
  readonly endpoints: readonly {
    readonly id: string;
    readonly requests: number;
    readonly failed: number;
    readonly throttled: number;
  }[];
  readonly failedAttempts: number;
  readonly throttled: number;
  readonly inventorySpan: TimeSpan | null;
  /** Alerts and decisions of the credential detectors in the period. */
  readonly alertsByDetector: Counts;
  readonly decisionsByActionScope: Counts;
  readonly episodes: number;
  readonly episodesActedOn: number;
  /** High or critical credential episodes with no challenge or block. */
  readonly episodesNotActedOn: number;
  readonly samples: readonly RecordRef[];
}

export interface AccountMonitoringEvidence {
  /** Served requests that carried a credential (inventory). */
  readonly authenticatedRequests: number | null;
  readonly principalsAlerted: number;
  readonly sessionsAlerted: number;
  readonly alertsByDetector: Counts;
  readonly decisionsByAction: Counts;
  readonly samples: readonly RecordRef[];
}

export interface ExceptionClass {
  readonly count: number;
  readonly disposition: string;
  readonly byRule: Counts;
  readonly samples: readonly RecordRef[];
}

export interface ExceptionEvidence {
  readonly allowlisted: ExceptionClass;
  readonly shadow: ExceptionClass;
  readonly guarded: ExceptionClass;
  readonly alertOnly: ExceptionClass;
}

export interface InventoryEvidence {
  readonly file: string | null;
  readonly generatedAt: string | null;
  readonly span: TimeSpan | null;
  readonly hosts: readonly {
    readonly host: string;
    readonly endpoints: number;
    readonly requests: number;
    readonly span: TimeSpan | null;
  }[];
  readonly endpoints: number;
  readonly requests: number;
  readonly specsLoaded: number;
  readonly documentation: Counts;
  readonly exposure: Counts;
  readonly authCoverage: Counts;
  readonly shadow: readonly string[];
  readonly zombie: readonly string[];
  readonly orphans: readonly string[];
  /** Endpoints that should authenticate and do not, always or partly. */
  readonly authGaps: readonly { readonly id: string; readonly coverage: string; readonly authenticatedShare: number }[];
  readonly sensitiveEndpoints: number;
  readonly highRisk: readonly { readonly id: string; readonly score: number }[];
  readonly topRisk: readonly { readonly id: string; readonly score: number; readonly factors: readonly string[] }[];
  readonly overflowRequests: number;
  /** As the inventory report states it (`vigil inventory --baseline`), or drift against --baseline-inventory. */
  readonly drift: InventoryReport['drift'];
}

export interface StreamGap {
  readonly start: string;
  readonly end: string;
  readonly durationSeconds: number;
}

export interface SourceCoverage {
  readonly name: string;
  readonly gateway: string;
  readonly input: string | null;
  readonly records: number | null;
  readonly events: number | null;
  readonly deadLettered: number | null;
  readonly deadLetterReasons: Counts;
  readonly blankLines: number | null;
  /** events + dead letters = records: every input line was accounted for. */
  readonly accounted: boolean | null;
  readonly eventSpan: TimeSpan | null;
  readonly eventSpanFrom: 'events' | 'inventory' | null;
  /** Gaps of at least `gapMinutes` without events inside the period. */
  readonly gaps: readonly StreamGap[];
  /** False when only the edges could be checked (no per-minute event record: interior gaps unknown). */
  readonly gapsComplete: boolean;
}

export interface ControlFailure {
  readonly kind: 'stream-gap' | 'audit-break' | 'dead-letters';
  readonly source: string;
  readonly start: string | null;
  readonly end: string | null;
  readonly durationSeconds: number | null;
  readonly detail: string;
}

export interface CoverageEvidence {
  readonly sources: readonly SourceCoverage[];
  readonly gapMinutes: number;
  readonly failures: readonly ControlFailure[];
  /** What the ingest record does not say, so these figures cannot either. */
  readonly missing: readonly string[];
  /** Event-time days of the period with events from at least one source / without any. */
  readonly daysWithEvents: number | null;
  readonly daysWithoutEvents: readonly string[] | null;
}

export interface InputRetention {
  readonly role: string;
  readonly file: string;
  readonly sha256: string | null;
  readonly bytes: number | null;
  readonly records: number | null;
  readonly eventSpan: TimeSpan | null;
  readonly wallSpan: TimeSpan | null;
}

export interface RetentionEvidence {
  readonly clock: string;
  readonly inputs: readonly InputRetention[];
}

export interface EvidenceSet {
  readonly 'audit-integrity': AuditIntegrityEvidence;
  readonly 'record-content': RecordContentEvidence;
  readonly reconciliation: ReconciliationEvidence;
  readonly detections: DetectionEvidence;
  readonly actions: ActionEvidence;
  readonly 'time-to-decide': TimeToDecideEvidence;
  readonly 'invalid-authentication': InvalidAuthenticationEvidence;
  readonly 'account-monitoring': AccountMonitoringEvidence;
  readonly exceptions: ExceptionEvidence;
  readonly inventory: InventoryEvidence;
  readonly coverage: CoverageEvidence;
  readonly retention: RetentionEvidence;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

export function spanOf(first: number, last: number): TimeSpan | null {
  return Number.isFinite(first) && Number.isFinite(last) ? { first: iso(first), last: iso(last) } : null;
}
