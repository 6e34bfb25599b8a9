/**
 * What a run found, counted as it goes: decisions by detector, action and scope (extensions of a decision
 * already in force are counted apart), alerts by detector and severity, and the top offenders.
 */
import { decisionValueKey, type Alert, type Decision } from '@vigil/detection';
import { formatCount } from './progress';

export interface TallySummary {
  readonly decisions: number;
  readonly decisionExtensions: number;
  readonly alerts: number;
  readonly decisionsBy: Readonly<Record<string, number>>;
  readonly alertsBy: Readonly<Record<string, number>>;
  readonly shadowDecisions: number;
  /** The strongest decisions, at most two per detector, each with the reason that drove it most. */
  readonly topOffenders: readonly {
    readonly target: string;
    readonly detector: string;
    readonly action: string;
    readonly score: number;
    readonly reason: string;
  }[];
  readonly policy: Readonly<Record<string, number>>;
}

const TOP = 10;
const TOP_PER_DETECTOR = 2;

export class DetectionTally {
  private readonly seenDecisions = new Set<string>();
  private readonly decisionsBy = new Map<string, number>();
  private readonly alertsBy = new Map<string, number>();
  private readonly offenders = new Map<string, { detector: string; action: string; score: number; reason: string }>();
  private readonly named = new Set<string>();
  private extensions = 0;
  private shadow = 0;
  alertCount = 0;

  get decisionCount(): number {
    return this.seenDecisions.size;
  }

  decisions(ds: readonly Decision[]): void {
    for (const d of ds) {
      if (this.seenDecisions.has(d.id)) {
        this.extensions++;
        continue;
      }
      this.seenDecisions.add(d.id);
      const k = `${d.detector} ${d.action} ${d.scope}${d.shadow ? ' (shadow)' : ''}`;
      this.decisionsBy.set(k, (this.decisionsBy.get(k) ?? 0) + 1);
      if (d.shadow) this.shadow++;
      if (typeof d.value === 'string') this.named.add(d.value);
      if (!d.shadow && d.action !== 'monitor') {
        const target = decisionValueKey(d.scope, d.value);
        const prev = this.offenders.get(target);
        const r = d.reasons[0];
        const reason = r ? `${r.feature} ${r.value} (normal ${r.baseline})` : '';
        if (!prev || prev.score < d.score)
          this.offenders.set(target, { detector: d.detector, action: d.action, score: d.score, reason });
      }
    }
  }

  alerts(as: readonly Alert[]): void {
    for (const a of as) {
      this.alertCount++;
      const k = `${a.detector} ${a.severity}`;
      this.alertsBy.set(k, (this.alertsBy.get(k) ?? 0) + 1);
      this.named.add(a.entity.value);
    }
  }

  /** Entity values that decisions and alerts name (for the principal map). */
  namedEntities(): ReadonlySet<string> {
    return this.named;
  }

  summary(policy: Readonly<Record<string, number>> = {}): TallySummary {
    const sorted = (m: Map<string, number>) =>
      Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
    const perDetector = new Map<string, number>();
    const top = [...this.offenders]
      .sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1))
      .filter(([, o]) => {
        const n = perDetector.get(o.detector) ?? 0;
        perDetector.set(o.detector, n + 1);
        return n < TOP_PER_DETECTOR;
      })
      .slice(0, TOP)
      .map(([target, o]) => ({ target, ...o }));
    return {
      decisions: this.seenDecisions.size,
      decisionExtensions: this.extensions,
      alerts: this.alertCount,
      decisionsBy: sorted(this.decisionsBy),
      alertsBy: sorted(this.alertsBy),
      shadowDecisions: this.shadow,
      topOffenders: top,
      policy: { ...policy },
    };
  }
}

const DETECTOR_LABELS: Readonly<Record<string, string>> = {
  'credential-stuffing': 'credential stuffing',
  'login-population': 'stuffing spread over addresses',
  'credential-cracking': 'credential cracking',
  'account-takeover': 'account takeover',
  'session-hijack': 'session hijacking',
  scraping: 'scraping and enumeration',
  'api-key-abuse': 'API-key abuse',
};
const SCOPE_NOUNS: Readonly<Record<string, [string, string]>> = {
  ip: ['address', 'addresses'],
  subnet: ['subnet', 'subnets'],
  asn: ['network', 'networks'],
  country: ['country', 'countries'],
  principal: ['account', 'accounts'],
  api_key: ['API key', 'API keys'],
  session: ['session', 'sessions'],
  device: ['device', 'devices'],
  signature: ['request signature', 'request signatures'],
};
const ACTION_WORDS: Readonly<Record<string, string>> = {
  block: 'blocked',
  throttle: 'throttled',
  challenge: 'challenged',
  step_up: 'stepped up',
  revoke_session: 'revoked',
  monitor: 'monitored (not enforced)',
};

/** What was found, in words: per detector, what it decided on (`35 addresses blocked`). */
function foundLines(decisionsBy: Readonly<Record<string, number>>): string[] {
  const per = new Map<string, string[]>();
  for (const [k, n] of Object.entries(decisionsBy)) {
    const [detector, action, scope, shadow] = k.split(' ') as [string, string, string, string | undefined];
    const [one, many] = SCOPE_NOUNS[scope] ?? [scope, scope];
    const phrase = `${n} ${n === 1 ? one : many} ${ACTION_WORDS[action] ?? action}${shadow ? ' in shadow' : ''}`;
    per.set(detector, [...(per.get(detector) ?? []), phrase]);
  }
  return [...per].map(([d, phrases]) => `    ${(DETECTOR_LABELS[d] ?? d).padEnd(32)} ${phrases.join(', ')}`);
}

/** The summary as lines for stderr. */
export function printTally(t: TallySummary): string[] {
  const lines = [
    `  found: ${formatCount(t.alerts)} alerts, ${formatCount(t.decisions)} decisions` +
      (t.decisionExtensions ? ` (+${formatCount(t.decisionExtensions)} extensions)` : '') +
      (t.shadowDecisions ? `, ${formatCount(t.shadowDecisions)} of them shadow` : '') +
      (t.decisions ? ':' : ' — nothing to act on'),
    ...foundLines(t.decisionsBy),
  ];
  const by = Object.entries(t.decisionsBy);
  if (by.length) {
    lines.push('  decisions by detector, action, scope:');
    for (const [k, n] of by) lines.push(`    ${String(n).padStart(7)}  ${k}`);
  }
  const ab = Object.entries(t.alertsBy);
  if (ab.length) lines.push(`  alerts by detector, severity: ${ab.map(([k, n]) => `${k}=${n}`).join(', ')}`);
  if (t.topOffenders.length) {
    lines.push('  top offenders (the strongest two per detector, with the reason that drove each most):');
    for (const o of t.topOffenders)
      lines.push(
        `    ${o.score.toFixed(3)}  ${o.action.padEnd(14)} ${o.detector.padEnd(20)} ${truncate(o.target, 70)}` +
          (o.reason ? `  ← ${truncate(o.reason, 60)}` : ''),
      );
  }
  const guards = Object.entries(t.policy).filter(([, n]) => n > 0);
  if (guards.length) lines.push(`  policy: ${guards.map(([k, n]) => `${k}=${n}`).join(', ')}`);
  return lines;
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
