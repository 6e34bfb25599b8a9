/**
 * The named tests of the catalogue: evidence in, a status with its reason out, plus the figures the reason
 * rests on and the records behind them. A test never reads files: it reads the EvidenceSet.
 */
import type { ControlTest } from '../catalogue/controls';
import type { EvidenceSet, Period, RecordRef } from '../evidence/evidence';
import { iso } from '../evidence/evidence';
import { formatDuration } from '../evidence/ingest-evidence';

export const CONTROL_STATUSES = ['satisfied', 'not-satisfied', 'not-applicable'] as const;
export type ControlStatus = (typeof CONTROL_STATUSES)[number];

export interface TestOutcome {
  readonly status: ControlStatus;
  readonly reason: string;
  readonly figures: Readonly<Record<string, number | string | boolean | null>>;
  readonly records: readonly RecordRef[];
}

type Test = (e: EvidenceSet, period: Period) => TestOutcome;

const ok = (reason: string, figures: TestOutcome['figures'] = {}, records: readonly RecordRef[] = []): TestOutcome => ({
  status: 'satisfied',
  reason,
  figures,
  records,
});
const fail = (
  reason: string,
  figures: TestOutcome['figures'] = {},
  records: readonly RecordRef[] = [],
): TestOutcome => ({
  status: 'not-satisfied',
  reason,
  figures,
  records,
});
const na = (reason: string): TestOutcome => ({ status: 'not-applicable', reason, figures: {}, records: [] });

function breakRecord(e: EvidenceSet): RecordRef[] {
  const b = e['audit-integrity'].firstBreak;
  if (!b) return [];
  return [
    {
      source: 'audit',
      line: b.line,
      ...(b.seq !== null ? { seq: b.seq } : {}),
      ...(b.recordId ? { id: b.recordId } : {}),
      note: `${b.reason}: ${b.detail}`,
    },
  ];
}

function describeBreak(e: EvidenceSet): string {
  const b = e['audit-integrity'].firstBreak!;
  const what = b.recordId ? ` (${b.recordKind} ${b.recordId})` : b.recordKind ? ` (${b.recordKind} record)` : '';
  return `the audit trail breaks at line ${b.line}${b.seq !== null ? `, seq ${b.seq}` : ''}${what}: ${b.reason} — ${b.detail}`;
}

const TESTS: Readonly<Record<ControlTest, Test>> = {
  'audit-chain-intact': (e) => {
    const a = e['audit-integrity'];
    const v = a.verification;
    if (!v) return fail('no audit trail was given: there is no audit information to protect or verify');
    const figures = { lines: v.lines, records: v.records, checkpoints: v.checkpoints, intact: a.intact };
    if (!a.intact) return fail(describeBreak(e), figures, breakRecord(e));
    return ok(
      `the hash chain verifies over all ${v.lines} lines (${v.records} records, ${v.checkpoints} checkpoints): no line edited, deleted, inserted or moved` +
        (v.checkpointsVerified ? '' : '; checkpoints not verified (no key)'),
      figures,
      v.lastCheckpoint
        ? [
            {
              source: 'audit',
              line: v.lastCheckpoint.line,
              seq: v.lastCheckpoint.seq,
              note: `last checkpoint, hash ${v.lastCheckpoint.hash}: keep it elsewhere to detect a trail cut after it`,
            },
          ]
        : [],
    );
  },
  'audit-cryptographically-protected': (e) => {
    const a = e['audit-integrity'];
    const v = a.verification;
    if (!v) return fail('no audit trail was given');
    const figures = {
      checkpoints: v.checkpoints,
      checkpointsVerified: v.checkpointsVerified,
      uncheckpointedTail: v.uncheckpointedTail,
      developmentKey: a.developmentKey,
    };
    if (!a.intact) return fail(describeBreak(e), figures, breakRecord(e));
    if (!a.keyGiven)
      return fail(
        'the trail key was not given: checkpoints’ HMACs could not be verified, only the plain chain',
        figures,
      );
    if (a.developmentKey)
      return fail(
        'the trail was signed with Vigil’s built-in development key: anyone can forge its checkpoints',
        figures,
      );
    if (v.uncheckpointedTail > 0)
      return fail(
        `the last ${v.uncheckpointedTail} lines follow the last checkpoint: no key vouches for them`,
        figures,
      );
    return ok(`all ${v.checkpoints} checkpoints’ HMACs verify under the trail key (key id of the start line)`, figures);
  },
  'records-reconcile': (e) => {
    const r = e.reconciliation;
    const figures = {
      trailDecisions: r.trail.decisions,
      trailAlerts: r.trail.alerts,
      fileDecisions: r.files?.decisions ?? null,
      fileAlerts: r.files?.alerts ?? null,
    };
    if (!e['audit-integrity'].verification) return fail('no audit trail was given', figures);
    if (!r.files)
      return ok(
        `${r.trail.decisions} decision and ${r.trail.alerts} alert records in the trail for the period (no decisions/alerts files given to reconcile with)`,
        figures,
      );
    const bad: string[] = [];
    if (r.decisionsMatch === false)
      bad.push(
        `decisions: file ${r.files.decisions}, trail ${r.trail.decisions}${r.files.decisions === r.trail.decisions ? ' (same count, different records)' : ''}`,
      );
    if (r.alertsMatch === false)
      bad.push(
        `alerts: file ${r.files.alerts}, trail ${r.trail.alerts}${r.files.alerts === r.trail.alerts ? ' (same count, different records)' : ''}`,
      );
    if (bad.length) return fail(`the files and the audit trail disagree for the period — ${bad.join('; ')}`, figures);
    return ok(
      `every decision (${r.trail.decisions}) and alert (${r.trail.alerts}) of the period in the files is an audit record, and no other`,
      figures,
    );
  },
  'record-content-complete': (e) => {
    const c = e['record-content'];
    const figures = { checked: c.checked, incomplete: c.incomplete };
    if (!e['audit-integrity'].verification) return fail('no audit trail was given', figures);
    if (c.incomplete)
      return fail(
        `${c.incomplete} of ${c.checked} records lack ${Object.keys(c.missingByField).join(', ')}`,
        figures,
        c.samples,
      );
    return ok(
      `all ${c.checked} records of the period say when (event and wall time), what (detector, kind), who/where (entities), the outcome, the reasons and the rule`,
      figures,
    );
  },
  'attacks-acted-on': (e) => {
    const t = e['time-to-decide'];
    const figures = {
      episodes: t.episodes,
      decided: t.decided,
      alertOnly: t.alertOnly,
      undecidedHighSeverity: t.undecidedHighSeverity,
      p50Ms: t.distribution.p50Ms,
      p90Ms: t.distribution.p90Ms,
      maxMs: t.distribution.maxMs,
    };
    if (t.episodes === 0)
      return ok('no detection episode in the period; the detectors ran over the period’s events', figures);
    if (t.undecidedHighSeverity > 0)
      return fail(`${t.undecidedHighSeverity} high or critical episodes got no decision`, figures, t.samples);
    const p90 = t.distribution.p90Ms;
    return ok(
      `${t.decided} of ${t.episodes} episodes decided (the other ${t.alertOnly} alert-only by policy); first alert → first decision p50 ${ms(t.distribution.p50Ms)}, p90 ${ms(p90)}, max ${ms(t.distribution.maxMs)}`,
      figures,
      t.samples,
    );
  },
  'credential-attacks-acted-on': (e) => {
    const i = e['invalid-authentication'];
    const figures = {
      failedAttempts: i.failedAttempts,
      throttled: i.throttled,
      episodes: i.episodes,
      episodesActedOn: i.episodesActedOn,
      episodesNotActedOn: i.episodesNotActedOn,
    };
    if (i.episodesNotActedOn > 0)
      return fail(
        `${i.episodesNotActedOn} of ${i.episodes} credential-attack episodes of high or critical severity got no challenge or block`,
        figures,
        i.samples,
      );
    const actions = Object.entries(i.decisionsByActionScope)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    const below = i.episodes - i.episodesActedOn;
    return ok(
      i.episodes
        ? `${i.failedAttempts} failed logins observed; ${i.episodesActedOn} of ${i.episodes} credential-attack episodes acted on (${actions})` +
            (below ? `, the other ${below} below the enforcement threshold (alert only, low or medium severity)` : '')
        : `${i.failedAttempts} failed logins observed, none forming an attack episode`,
      figures,
      i.samples,
    );
  },
  'invalid-access-logged': (e) => {
    const i = e['invalid-authentication'];
    const accounted = e.coverage.sources.every((s) => s.accounted !== false);
    const figures = { failedAttempts: i.failedAttempts, throttled: i.throttled, loginEndpoints: i.endpoints.length };
    if (!i.inventorySpan)
      return fail('no inventory: the invalid access attempts in the logs were not counted', figures);
    if (!accounted)
      return fail('some input records were neither events nor dead letters: attempts may be missing', figures);
    return ok(
      `${i.failedAttempts} invalid attempts (401/403) and ${i.throttled} throttled (429) on ${i.endpoints.length} login, MFA and password-reset endpoints, from logs analysed in full`,
      figures,
      i.endpoints
        .slice(0, 5)
        .map((x) => ({ source: 'inventory' as const, id: x.id, note: `${x.failed} failed of ${x.requests}` })),
    );
  },
  'accounts-monitored': (e) => {
    const a = e['account-monitoring'];
    const figures = {
      authenticatedRequests: a.authenticatedRequests,
      principalsAlerted: a.principalsAlerted,
      sessionsAlerted: a.sessionsAlerted,
    };
    if (a.authenticatedRequests === null)
      return fail('no inventory: the authenticated traffic monitored is unknown', figures);
    if (!e['audit-integrity'].intact) return fail(describeBreak(e), figures, breakRecord(e));
    const found = Object.entries(a.decisionsByAction)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    return ok(
      `${a.authenticatedRequests} authenticated requests analysed for atypical use; ${a.principalsAlerted} accounts and ${a.sessionsAlerted} sessions alerted on` +
        (found ? ` (${found})` : ''),
      figures,
      a.samples,
    );
  },
  'alerts-explained': (e) => {
    const d = e.detections;
    const figures = { alerts: d.alerts, withoutReasons: d.withoutReasons };
    if (d.withoutReasons) return fail(`${d.withoutReasons} alerts have no reasons`, figures);
    const by = Object.entries(d.byDetector)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    return ok(
      d.alerts ? `${d.alerts} alerts, each with its reasons: ${by}` : 'no alerts in the period',
      figures,
      d.samples.slice(0, 5),
    );
  },
  'monitoring-continuous': (e) => {
    const c = e.coverage;
    const gaps = c.failures.filter((f) => f.kind === 'stream-gap');
    const figures = { sources: c.sources.length, gaps: gaps.length, gapMinutes: c.gapMinutes };
    if (!c.sources.length) return fail('no ingest record (summary or events): monitoring cannot be shown', figures);
    if (gaps.length)
      return fail(
        `${gaps.length} gaps of ≥ ${c.gapMinutes} min without events: ${gaps
          .slice(0, 3)
          .map((g) => `${g.source} ${g.start} → ${g.end} (${formatDuration(g.durationSeconds ?? 0)})`)
          .join('; ')}`,
        figures,
      );
    const partial = c.sources.some((s) => !s.gapsComplete);
    return ok(
      `${c.sources.map((s) => s.gateway).join(', ')} delivered events across the period` +
        (partial ? ' (edges checked against the inventory span; interior gaps unknown without --events)' : ', no gap'),
      figures,
    );
  },
  'daily-review': (e, p) => {
    const c = e.coverage;
    const days = Math.ceil((p.to - p.from) / 86_400_000);
    const figures = { days, daysWithEvents: c.daysWithEvents, alerts: e.detections.alerts };
    if (c.daysWithoutEvents && c.daysWithoutEvents.length)
      return fail(
        `no analysed events on ${c.daysWithoutEvents.length} day(s): ${c.daysWithoutEvents.slice(0, 5).join(', ')}`,
        figures,
      );
    if (!c.sources.length) return fail('no ingest record: the days analysed are unknown', figures);
    return ok(
      `every one of the period’s ${days} day(s) was analysed by the automated review (10.4.1.1); detections per day in the timeline` +
        (c.daysWithEvents === null ? ' (days from the event span; pass --events for day by day)' : ''),
      figures,
    );
  },
  'control-failures-reported': (e) => {
    const f = e.coverage.failures;
    const figures = { failures: f.length };
    if (f.length)
      return fail(
        `${f.length} failure(s) of critical controls in the period: ${f
          .slice(0, 3)
          .map(
            (x) =>
              `${x.kind} ${x.source}${x.durationSeconds !== null ? ` for ${formatDuration(x.durationSeconds)}` : ''}`,
          )
          .join('; ')}; their response is not in Vigil’s records`,
        figures,
      );
    return ok('no stream gap, audit-trail break or dead letter in the period', figures);
  },
  'inventory-current': (e, p) => {
    const i = e.inventory;
    const figures = {
      endpoints: i.endpoints,
      hosts: i.hosts.length,
      shadow: i.documentation['shadow'] ?? 0,
      zombie: i.zombie.length,
      orphans: i.orphans.length,
      authGaps: i.authGaps.length,
    };
    if (!i.span) return fail('no inventory was given', figures);
    const first = Date.parse(i.span.first);
    const last = Date.parse(i.span.last);
    if (last < p.from || first >= p.to)
      return fail(`the inventory covers ${i.span.first} – ${i.span.last}, outside the period`, figures);
    if (i.zombie.length)
      return fail(
        `${i.zombie.length} zombie endpoints (deprecated or retired, still called): ${i.zombie.slice(0, 3).join(', ')}`,
        figures,
      );
    if (i.specsLoaded && i.shadow.length)
      return fail(
        `${i.shadow.length} shadow endpoints (in no loaded spec): ${i.shadow.slice(0, 3).join(', ')}`,
        figures,
      );
    const drift = i.drift
      ? `; drift: ${i.drift.new.length} new, ${i.drift.changed.length} changed, ${i.drift.unused.length} unused`
      : '';
    return ok(
      `${i.endpoints} endpoints on ${i.hosts.length} hosts observed ${i.span.first} – ${i.span.last}` +
        (i.specsLoaded ? '' : ' (no OpenAPI spec loaded: the observed inventory stands alone)') +
        drift,
      figures,
    );
  },
  'inputs-validated': (e) => {
    const s = e.coverage.sources;
    const figures = {
      records: s.reduce((a, x) => a + (x.records ?? 0), 0),
      deadLettered: s.reduce((a, x) => a + (x.deadLettered ?? 0), 0),
    };
    if (!s.some((x) => x.accounted !== null))
      return fail('no ingest summary: input validation cannot be shown', figures);
    const bad = s.filter((x) => x.accounted === false);
    if (bad.length) return fail(`records unaccounted for in ${bad.map((x) => x.gateway).join(', ')}`, figures);
    return ok(
      `every one of ${figures.records} input records became an event or a dead letter with its reason (${figures.deadLettered} dead-lettered)`,
      figures,
    );
  },
  'enforcement-active': (e) => {
    const a = e.actions;
    const figures = { decisions: a.decisions, enforcing: a.enforcing, shadow: a.shadow, monitor: a.monitor };
    const attacks = e['time-to-decide'].episodes;
    if (attacks > 0 && a.enforcing === 0)
      return fail(
        `${attacks} detection episodes and no enforcing decision (shadow ${a.shadow}, monitor ${a.monitor})`,
        figures,
      );
    const gaps = e.coverage.failures.filter((f) => f.kind === 'stream-gap').length;
    if (gaps) return fail(`${gaps} gaps in monitoring: traffic went unprotected`, figures);
    return ok(
      `${a.enforcing} enforcing decisions (${Object.entries(a.byAction)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}); ${a.shadow} shadow`,
      figures,
      a.samples.slice(0, 5),
    );
  },
  'exceptions-dispositioned': (e) => {
    const x = e.exceptions;
    const figures = {
      allowlisted: x.allowlisted.count,
      shadow: x.shadow.count,
      guarded: x.guarded.count,
      alertOnly: x.alertOnly.count,
      alerts: e.detections.alerts,
    };
    if (e.detections.withoutReasons) return fail(`${e.detections.withoutReasons} alerts without reasons`, figures);
    return ok(
      `every finding compared with its benign baseline; exceptions: ${x.allowlisted.count} allowlisted, ${x.shadow.count} shadow, ${x.guarded.count} guarded, ${x.alertOnly.count} alert-only, each with its disposition`,
      figures,
      [...x.allowlisted.samples, ...x.shadow.samples, ...x.guarded.samples].slice(0, 10),
    );
  },
  'report-written': (e, p) => {
    const inputs = e.retention.inputs;
    return ok(
      `written for ${iso(p.from)} – ${iso(p.to)} from ${inputs.length} inputs, each named with its SHA-256 and the span of its records; the manifest signs every file`,
      { inputs: inputs.length },
    );
  },
  'outside-records': () =>
    na('outside what Vigil’s records can show (gateway logs do not contain it); assess it elsewhere'),
};

export function runTest(test: ControlTest, evidence: EvidenceSet, period: Period): TestOutcome {
  return TESTS[test](evidence, period);
}

function ms(v: number | null): string {
  if (v === null) return '–';
  return v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`;
}
