/**
 * One streaming pass over an audit trail: every line goes through libs/detection's AuditVerifier (hash,
 * seq, prev, kinds, checkpoint counts and MACs: the same checks as verifyAuditTrail, which wraps it) and,
 * when it is a decision or alert of the period, into the figures. Nothing of the trail is kept but
 * counters, capped samples, the decisions still in force (to tell an extension from a new decision) and
 * the open episodes: a trail of any length builds in bounded memory.
 *
 * A broken chain is itself the finding (audit-integrity names the line, its seq and its record); the lines
 * after it are still read for the figures, counted in `linesAfterBreak`, since no chain vouches for them.
 */
import {
  AuditVerifier,
  canonicalJson,
  decisionExpiresAt,
  ENFORCING_ACTIONS,
  type Alert,
  type AuditKey,
  type Decision,
  type DecisionAction,
} from '@vigil/detection';
import { EpisodeTracker, alertEntityKey } from './episodes';
import type {
  AccountMonitoringEvidence,
  ActionEvidence,
  AuditIntegrityEvidence,
  DetectionEvidence,
  ExceptionEvidence,
  InputRetention,
  Period,
  RecordContentEvidence,
  RecordRef,
  ReconciliationSide,
  TimeToDecideEvidence,
} from './evidence';
import { iso, spanOf } from './evidence';
import { Counter, DistinctCounter, MultisetDigest, Samples, Span, TimelineTally, inPeriod } from './tallies';

/** Detectors whose findings are invalid authentication attempts (PCI 8.3.4, 10.2.1.4; AC-7). */
export const CREDENTIAL_DETECTORS: ReadonlySet<string> = new Set([
  'credential-stuffing',
  'credential-cracking',
  'login-population',
]);
/** Entity types that are an account or a session of one (AC-2(12), GLBA 314.4(c)(8)). */
const ACCOUNT_ENTITIES: ReadonlySet<string> = new Set(['principal', 'session']);

export interface AuditEvidenceOptions {
  readonly period: Period;
  /** The trail key: without it only the chain is verified, not the checkpoints' MACs. */
  readonly key?: AuditKey | null;
  /** Key ids of known development keys: a trail signed with one is not protected. */
  readonly developmentKeyIds?: readonly string[];
  readonly episodeGapMs?: number;
  readonly file?: string | null;
}

const RECORD_FIELDS: readonly { name: string; from: string }[] = [
  { name: 'date and time', from: 'eventTs (event time), wallTs (writer clock), record.ts' },
  { name: 'type of event', from: 'kind and record.detector' },
  { name: 'identity (user, origin)', from: 'inputs.entities (HMAC ids for principals, sessions, devices, keys)' },
  { name: 'outcome', from: 'decision: record.action and scope; alert: record.severity and decisionIds' },
  { name: 'reasons', from: 'record.reasons' },
  { name: 'rule and inputs', from: 'policyRule, thresholds, inputs.features, configDigest' },
];

interface Parsed {
  seq?: unknown;
  kind?: unknown;
  keyId?: unknown;
  eventTs?: unknown;
  wallTs?: unknown;
  record?: unknown;
  inputs?: { entities?: unknown; features?: unknown };
  thresholds?: unknown;
  policyRule?: unknown;
  configDigest?: unknown;
}

export interface AuditEvidence {
  readonly integrity: AuditIntegrityEvidence;
  readonly content: RecordContentEvidence;
  readonly trailSide: ReconciliationSide;
  readonly detections: DetectionEvidence;
  readonly actions: ActionEvidence;
  readonly timeToDecide: TimeToDecideEvidence;
  readonly credential: {
    readonly alertsByDetector: Record<string, number>;
    readonly decisionsByActionScope: Record<string, number>;
    readonly samples: readonly RecordRef[];
  };
  readonly accounts: Omit<AccountMonitoringEvidence, 'authenticatedRequests'>;
  readonly exceptions: ExceptionEvidence;
  readonly retention: Omit<InputRetention, 'sha256' | 'bytes'>;
}

export class AuditEvidenceCollector {
  private readonly verifier: AuditVerifier;
  private readonly period: Period;
  private lineNo = 0;
  private broken: AuditIntegrityEvidence['firstBreak'] = null;
  private linesAfterBreak = 0;
  private startKeyId: string | null = null;
  private readonly eventSpan = new Span();
  private readonly wallSpan = new Span();
  private records = 0;

  private readonly content = { checked: 0, incomplete: 0, missing: new Counter(), samples: new Samples() };
  private readonly decisionDigest = new MultisetDigest();
  private readonly alertDigest = new MultisetDigest();

  private readonly alerts = {
    n: 0,
    byDetector: new Counter(),
    bySeverity: new Counter(),
    byEntityType: new Counter(),
    byDetectorSeverity: new Counter(),
    withoutReasons: 0,
    timeline: null as unknown as TimelineTally,
    samples: new Samples(),
  };
  private readonly decisions = {
    records: 0,
    distinct: 0,
    extensions: 0,
    byAction: new Counter(),
    byScope: new Counter(),
    byActionScope: new Counter(),
    byDetectorActionScope: new Counter(),
    enforcing: 0,
    shadow: 0,
    monitor: 0,
    timeline: null as unknown as TimelineTally,
    samples: new Samples(),
  };
  /** Decision id → expiry (event time): an id seen again before it expires is an extension. */
  private readonly inForce = new Map<string, number>();
  private readonly episodes: EpisodeTracker;
  private readonly credential = { alerts: new Counter(), decisions: new Counter(), samples: new Samples() };
  private readonly accounts = {
    principals: new DistinctCounter(),
    sessions: new DistinctCounter(),
    alerts: new Counter(),
    decisions: new Counter(),
    samples: new Samples(),
  };
  private readonly exceptions = {
    allowlisted: { n: 0, byRule: new Counter(), samples: new Samples() },
    shadow: { n: 0, byRule: new Counter(), samples: new Samples() },
    guarded: { n: 0, byRule: new Counter(), samples: new Samples() },
    alertOnly: { n: 0, byRule: new Counter(), samples: new Samples() },
  };
  private latest = -Infinity;
  private sweepTick = 0;

  constructor(private readonly options: AuditEvidenceOptions) {
    this.period = options.period;
    this.verifier = new AuditVerifier({ key: options.key ?? null });
    this.alerts.timeline = new TimelineTally(this.period);
    this.decisions.timeline = new TimelineTally(this.period);
    this.episodes = new EpisodeTracker(this.period, options.episodeGapMs);
  }

  /** One line of the trail, without its newline. */
  line(line: string): void {
    this.lineNo++;
    if (!this.broken) {
      const b = this.verifier.push(line);
      if (b) {
        const r = tryParse(line);
        const rec = r && typeof r.record === 'object' && r.record !== null ? (r.record as { id?: unknown }) : null;
        this.broken = {
          ...b,
          recordId: rec && typeof rec.id === 'string' ? rec.id : null,
          recordKind: r && typeof r.kind === 'string' ? r.kind : null,
        };
      }
    } else this.linesAfterBreak++;
    const r = tryParse(line);
    if (!r) return;
    if (r.kind === 'start' && typeof r.keyId === 'string') this.startKeyId = r.keyId;
    if (r.kind !== 'decision' && r.kind !== 'alert') return;
    const record = r.record as (Decision & Alert) | undefined;
    if (!record || typeof record !== 'object' || typeof record.ts !== 'number') return;
    this.records++;
    if (typeof r.eventTs === 'number') this.eventSpan.add(r.eventTs);
    if (typeof r.wallTs === 'number') this.wallSpan.add(r.wallTs);
    const ref: RecordRef = {
      source: 'audit',
      line: this.lineNo,
      ...(typeof r.seq === 'number' ? { seq: r.seq } : {}),
      id: String(record.id),
      ts: iso(record.ts),
      note: '',
    };
    if (r.kind === 'decision') this.decision(record, r, ref);
    else this.alert(record, r, ref);
  }

  result(): AuditEvidence {
    const v = this.verifier.result();
    const { firstBreak: _ignored, ...verification } = v;
    const devIds = new Set(this.options.developmentKeyIds ?? []);
    const timeToDecide = this.episodes.result();
    const ex = (e: { n: number; byRule: Counter; samples: Samples }, disposition: string) => ({
      count: e.n,
      disposition,
      byRule: e.byRule.toJSON(),
      samples: e.samples.items,
    });
    return {
      integrity: {
        file: this.options.file ?? null,
        intact: v.ok,
        verification: this.lineNo ? verification : null,
        firstBreak: this.broken ?? (v.firstBreak ? { ...v.firstBreak, recordId: null, recordKind: null } : null),
        keyGiven: this.options.key != null,
        developmentKey: this.startKeyId !== null && devIds.has(this.startKeyId),
        linesAfterBreak: this.linesAfterBreak,
      },
      content: {
        checked: this.content.checked,
        incomplete: this.content.incomplete,
        missingByField: this.content.missing.toJSON(),
        fields: RECORD_FIELDS,
        samples: this.content.samples.items,
      },
      trailSide: {
        decisions: this.decisionDigest.count,
        alerts: this.alertDigest.count,
        decisionDigest: this.decisionDigest.hex(),
        alertDigest: this.alertDigest.hex(),
      },
      detections: {
        alerts: this.alerts.n,
        byDetector: this.alerts.byDetector.toJSON(),
        bySeverity: this.alerts.bySeverity.toJSON(),
        byEntityType: this.alerts.byEntityType.toJSON(),
        byDetectorSeverity: this.alerts.byDetectorSeverity.toJSON(),
        withoutReasons: this.alerts.withoutReasons,
        timeline: this.alerts.timeline.toJSON(),
        samples: this.alerts.samples.items,
      },
      actions: {
        records: this.decisions.records,
        decisions: this.decisions.distinct,
        extensions: this.decisions.extensions,
        byAction: this.decisions.byAction.toJSON(),
        byScope: this.decisions.byScope.toJSON(),
        byActionScope: this.decisions.byActionScope.toJSON(),
        byDetectorActionScope: this.decisions.byDetectorActionScope.toJSON(),
        enforcing: this.decisions.enforcing,
        shadow: this.decisions.shadow,
        monitor: this.decisions.monitor,
        timeline: this.decisions.timeline.toJSON(),
        samples: this.decisions.samples.items,
      },
      timeToDecide,
      credential: {
        alertsByDetector: this.credential.alerts.toJSON(),
        decisionsByActionScope: this.credential.decisions.toJSON(),
        samples: this.credential.samples.items,
      },
      accounts: {
        principalsAlerted: this.accounts.principals.count(),
        sessionsAlerted: this.accounts.sessions.count(),
        alertsByDetector: this.accounts.alerts.toJSON(),
        decisionsByAction: this.accounts.decisions.toJSON(),
        samples: this.accounts.samples.items,
      },
      exceptions: {
        allowlisted: ex(
          this.exceptions.allowlisted,
          'No decision: the policy allowlist matched; one low-severity alert was written and audited instead.',
        ),
        shadow: ex(
          this.exceptions.shadow,
          'Written and audited, never enforced (shadow mode): for review before the detector enforces.',
        ),
        guarded: ex(
          this.exceptions.guarded,
          'Downgraded to monitor by a policy guard (shared address, declared crawler): audited, not enforced.',
        ),
        alertOnly: ex(
          this.exceptions.alertOnly,
          'Alert only by design: the finding was below its enforcement evidence (e.g. a traveller without failures).',
        ),
      },
      retention: {
        role: 'audit trail',
        file: this.options.file ?? '(stream)',
        records: this.records,
        eventSpan: spanOf(this.eventSpan.first, this.eventSpan.last),
        wallSpan: spanOf(this.wallSpan.first, this.wallSpan.last),
      },
    };
  }

  private decision(d: Decision, r: Parsed, ref: RecordRef): void {
    this.sweep(d.ts);
    const expires = this.inForce.get(d.id);
    // Ids are a hash of detector, action, target and episode start: the same id again is an extension.
    const extension = expires !== undefined;
    this.inForce.set(d.id, decisionExpiresAt(d));
    this.episodes.decision(d);
    if (!inPeriod(this.period, d.ts)) return;
    this.checkContent(r, ref);
    this.decisionDigest.add(canonicalJson(d));
    const D = this.decisions;
    D.records++;
    const rule = typeof r.policyRule === 'string' ? r.policyRule : '';
    if (extension) {
      D.extensions++;
      return;
    }
    D.distinct++;
    const as = `${d.action} ${d.scope}`;
    D.byAction.add(d.action);
    D.byScope.add(d.scope);
    D.byActionScope.add(as);
    D.byDetectorActionScope.add(`${d.detector} ${as}`);
    D.timeline.add(d.action, d.ts);
    D.samples.add({ ...ref, note: `${d.detector} ${as}${d.shadow ? ' (shadow)' : ''}` });
    const enforcing = ENFORCING_ACTIONS.has(d.action as DecisionAction);
    if (d.shadow) {
      D.shadow++;
      const e = this.exceptions.shadow;
      e.n++;
      e.byRule.add(d.detector);
      e.samples.add({ ...ref, note: `${d.detector} ${as} in shadow` });
    } else if (enforcing) D.enforcing++;
    if (d.action === 'monitor') {
      D.monitor++;
      if (rule.startsWith('guard:')) {
        const e = this.exceptions.guarded;
        e.n++;
        e.byRule.add(rule.slice(0, rule.indexOf('(') > 0 ? rule.indexOf('(') : undefined));
        e.samples.add({ ...ref, note: rule });
      }
    }
    if (CREDENTIAL_DETECTORS.has(d.detector)) {
      this.credential.decisions.add(as);
      this.credential.samples.add({ ...ref, note: `${d.detector} ${as}` });
    }
    if (ACCOUNT_ENTITIES.has(d.scope)) this.accounts.decisions.add(d.action);
  }

  private alert(a: Alert, r: Parsed, ref: RecordRef): void {
    this.sweep(a.ts);
    this.episodes.alert(a, { ...ref, note: `${a.detector} ${a.severity} on ${a.entity.type}` });
    if (!inPeriod(this.period, a.ts)) return;
    this.checkContent(r, ref);
    this.alertDigest.add(canonicalJson(a));
    const A = this.alerts;
    A.n++;
    A.byDetector.add(a.detector);
    A.bySeverity.add(a.severity);
    A.byEntityType.add(a.entity.type);
    A.byDetectorSeverity.add(`${a.detector} ${a.severity}`);
    if (!Array.isArray(a.reasons) || a.reasons.length === 0) A.withoutReasons++;
    A.timeline.add(a.detector, a.ts);
    A.samples.add({ ...ref, note: `${a.detector} ${a.severity} on ${a.entity.type}` });
    const rule = typeof r.policyRule === 'string' ? r.policyRule : '';
    if (rule.startsWith('allowlist:')) {
      const e = this.exceptions.allowlisted;
      e.n++;
      e.byRule.add(rule);
      e.samples.add({ ...ref, note: `${a.detector} on allowlisted ${alertEntityKey(a)}` });
    } else if (
      rule.startsWith('detector:') &&
      a.decisionIds.length === 0 &&
      (a.severity === 'low' || a.severity === 'medium')
    ) {
      const e = this.exceptions.alertOnly;
      e.n++;
      e.byRule.add(rule);
      e.samples.add({ ...ref, note: `${a.detector} ${a.severity}: ${rule}` });
    }
    if (CREDENTIAL_DETECTORS.has(a.detector)) this.credential.alerts.add(a.detector);
    if (ACCOUNT_ENTITIES.has(a.entity.type)) {
      (a.entity.type === 'principal' ? this.accounts.principals : this.accounts.sessions).add(a.entity.value);
      this.accounts.alerts.add(a.detector);
      this.accounts.samples.add({ ...ref, note: `${a.detector} ${a.severity} on a ${a.entity.type}` });
    }
  }

  /** AU-3 / PCI 10.2.2: what every record must say. */
  private checkContent(r: Parsed, ref: RecordRef): void {
    const rec = r.record as Partial<Decision & Alert>;
    const missing: string[] = [];
    if (typeof r.eventTs !== 'number' || typeof r.wallTs !== 'number' || typeof rec.ts !== 'number')
      missing.push('date and time');
    if (typeof rec.detector !== 'string' || !rec.detector) missing.push('type of event');
    const entities = r.inputs?.entities;
    if (!Array.isArray(entities) || entities.length === 0) missing.push('identity (user, origin)');
    const outcome =
      r.kind === 'decision'
        ? typeof rec.action === 'string' && typeof rec.scope === 'string'
        : typeof rec.severity === 'string' && Array.isArray(rec.decisionIds);
    if (!outcome) missing.push('outcome');
    if (!Array.isArray(rec.reasons) || rec.reasons.length === 0) missing.push('reasons');
    if (typeof r.policyRule !== 'string' || typeof r.thresholds !== 'object' || typeof r.configDigest !== 'string')
      missing.push('rule and inputs');
    this.content.checked++;
    if (missing.length) {
      this.content.incomplete++;
      for (const m of missing) this.content.missing.add(m);
      this.content.samples.add({ ...ref, note: `missing ${missing.join(', ')}` });
    }
  }

  /** Forgets decisions that expired a while ago (event time), so the map holds those in force. */
  private sweep(ts: number): void {
    if (ts > this.latest) this.latest = ts;
    if (++this.sweepTick % 4096 !== 0) return;
    for (const [id, exp] of this.inForce) if (exp < this.latest) this.inForce.delete(id);
  }
}

function tryParse(line: string): Parsed | null {
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Parsed) : null;
  } catch {
    return null;
  }
}
