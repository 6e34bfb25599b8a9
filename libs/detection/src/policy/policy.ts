/**
 * Policy: findings → decisions and alerts. The one place that decides what is enforced.
 *
 * Per finding, in order: the allowlist (never enforced, alerted once as an exception); the guards (a shared
 * address is never blocked for one account's behaviour, a declared crawler is only monitored); the global
 * and per-detector shadow modes; then the decision itself, with a TTL that grows for repeat offenders
 * (capped) and a deterministic id. A decision already in force is not emitted again: while its finding
 * persists it is extended — one record with the same id and a later expiry — once half its time is gone.
 */
import { createHash } from 'node:crypto';
import { parseIp, parseCidr, type AccessEvent, type Cidr } from '@vigil/events';
import type { Finding } from '../detectors/finding';
import {
  decisionExpiresAt,
  decisionValueKey,
  ENFORCING_ACTIONS,
  SIGNATURE_FIELDS,
  type Alert,
  type Decision,
  type DecisionAction,
  type DecisionScope,
  type Severity,
  type Signature,
} from '../records/records';
import type { DetectorName, PolicyConfig } from './policy-config';

export type HashKind = 'p' | 'k';

export interface PolicyOptions {
  /** Hashes a raw allowlisted principal (`p`) or API key (`k`) the way the source's normalizer does. */
  readonly hashId?: (kind: HashKind, raw: string) => string;
}

/** What the audit trail records of each decision and alert: the record and why it was made. */
export interface PolicyRecord {
  readonly kind: 'decision' | 'alert';
  readonly record: Decision | Alert;
  readonly finding: Finding;
  /** `detector:<name>/<rule>`, or the guard or allowlist entry that shaped it. */
  readonly policyRule: string;
}

export interface PolicyOutcome {
  readonly decisions: Decision[];
  readonly alerts: Alert[];
  readonly records: PolicyRecord[];
}

interface Active {
  /** The latest record (an extension replaces the first). */
  decision: Decision;
  /** When the decision first came into force (an extension does not move it). */
  readonly since: number;
  expiresAt: number;
}

interface Offender {
  offences: number;
  lastAt: number;
}

/** Policy.snapshot(): plain data, Maps as entry lists in insertion order. */
export interface PolicyState {
  readonly active: [key: string, decision: Decision, since: number, expiresAt: number][];
  readonly offenders: [key: string, offences: number, lastAt: number][];
  readonly alerted: [key: string, at: number, decisionIds: string[]][];
  readonly lastSweep: number;
  readonly counters: Policy['counters'];
}

const DEFAULT_TTL: Readonly<Partial<Record<string, number>>> = {
  'account-takeover': 3600,
  'session-hijack': 3600,
  'api-key-abuse': 3600,
  'login-population': 600,
};

const MAX_OFFENDERS = 200_000;

export class Policy {
  private readonly active = new Map<string, Active>();
  /** Scope key (`ip:1.2.3.4`) → keys of active decisions on it. */
  private readonly byTarget = new Map<string, Set<string>>();
  private readonly signatures = new Map<string, Active>();
  private readonly offenders = new Map<string, Offender>();
  private readonly alerted = new Map<string, { at: number; decisionIds: Set<string> }>();
  private readonly allowCidrs: { cidr: Cidr; note: string }[];
  private readonly allowIds = new Map<string, string>();
  private readonly crawlerUa: RegExp | null;
  private lastSweep = -Infinity;
  readonly counters = { allowlisted: 0, sharedAddressGuard: 0, crawlerGuard: 0, extended: 0, suppressed: 0 };

  constructor(
    readonly config: PolicyConfig,
    options: PolicyOptions = {},
  ) {
    this.allowCidrs = config.allowlist.cidrs.map((c) =>
      typeof c === 'string' ? { cidr: parseCidr(c), note: c } : { cidr: parseCidr(c.value), note: c.note || c.value },
    );
    const hash = options.hashId;
    const addIds = (kind: HashKind, scope: DecisionScope, list: PolicyConfig['allowlist']['apiKeys']) => {
      if (list.length && !hash) throw new Error(`policy.allowlist: hashing is needed to compare ${scope} entries`);
      for (const e of list) {
        const raw = typeof e === 'string' ? e : e.value;
        const note = typeof e === 'string' ? `${scope} allowlist` : e.note || `${scope} allowlist`;
        const value = kind === 'p' ? raw.trim().toLowerCase() : raw;
        this.allowIds.set(`${scope}:${hash!(kind, value)}`, note);
      }
    };
    addIds('k', 'api_key', config.allowlist.apiKeys);
    addIds('p', 'principal', config.allowlist.principals);
    const uas = config.guards.crawlerUserAgents;
    this.crawlerUa = uas.length
      ? new RegExp(uas.map((u) => u.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i')
      : null;
  }

  /** Applies one batch's findings at event time `at` (the batch watermark). */
  apply(findings: readonly Finding[], at: number, userAgentOf?: (f: Finding) => string | null): PolicyOutcome {
    this.sweep(at);
    const out: PolicyOutcome = { decisions: [], alerts: [], records: [] };
    const cfg = this.config;
    for (const f of findings) {
      const dp = cfg.detectors[f.detector as DetectorName];
      if (dp && !dp.enabled) continue;
      const target = decisionValueKey(f.target.scope, f.target.value);
      const allowNote = this.allowlisted(f.target.scope, f.target.value);
      let action: DecisionAction = dp?.action ?? f.action;
      let rule = `detector:${f.detector}/${f.rule}`;
      if (allowNote !== null) {
        this.counters.allowlisted++;
        this.alert(out, f, at, [], `allowlist:${allowNote}`, 'low');
        continue;
      }
      if (!f.enforce) {
        this.alert(out, f, at, [], rule, f.score >= 0.8 ? 'medium' : 'low');
        continue;
      }
      if (
        ((f.target.scope === 'ip' || f.target.scope === 'subnet') && this.sharedAddress(f)) ||
        (f.target.scope === 'api_key' && this.sharedKey(f))
      ) {
        this.counters.sharedAddressGuard++;
        action = 'monitor';
        rule = `guard:${f.target.scope === 'api_key' ? 'shared-key' : 'shared-address'}(${rule})`;
      } else if (f.target.scope === 'ip' && this.crawlerUa && this.crawlerUa.test(userAgentOf?.(f) ?? '')) {
        this.counters.crawlerGuard++;
        action = 'monitor';
        rule = `guard:declared-crawler(${rule})`;
      }
      const shadow = f.shadow || cfg.mode === 'shadow' || (dp?.shadow ?? false);
      const ttl = dp?.ttlSeconds ?? DEFAULT_TTL[f.detector] ?? cfg.ttl.defaultSeconds;
      const d = this.decide(f, action, shadow, ttl, at, target);
      const ids = d ? [d.id] : [];
      if (d) {
        out.decisions.push(d);
        out.records.push({ kind: 'decision', record: d, finding: f, policyRule: rule });
      }
      const severity: Severity =
        action === 'monitor' || shadow
          ? 'medium'
          : f.detector === 'account-takeover' || f.detector === 'session-hijack'
            ? 'critical'
            : 'high';
      this.alert(out, f, at, ids, rule, severity);
    }
    return out;
  }

  private decide(
    f: Finding,
    action: DecisionAction,
    shadow: boolean,
    baseTtl: number,
    at: number,
    target: string,
  ): Decision | null {
    const key = `${f.detector}|${action}|${shadow ? 1 : 0}|${target}`;
    const current = this.active.get(key);
    if (current && current.expiresAt > at) {
      const remaining = current.expiresAt - at;
      const ttlMs = current.decision.ttlSeconds * 1000;
      if (remaining > ttlMs / 2) {
        this.counters.suppressed++;
        return null;
      }
      this.counters.extended++;
      // Still offending: the offence is as recent as this extension.
      const offender = this.offenders.get(`${f.detector}|${shadow ? 1 : 0}|${target}`);
      if (offender) offender.lastAt = at;
      // The same decision, later expiry: its reasons stay the ones it was made for (a model finding's
      // reasons cost an explanation each; an extension is the common case while a campaign lasts).
      const extended: Decision = { ...current.decision, ts: at, score: Math.max(current.decision.score, f.score) };
      current.decision = extended;
      current.expiresAt = decisionExpiresAt(extended);
      return extended;
    }
    // A shadow model's decisions are its own record: they never lengthen the active model's.
    const offenderKey = `${f.detector}|${shadow ? 1 : 0}|${target}`;
    const prior = this.offenders.get(offenderKey);
    const memoryMs = this.config.ttl.offenderMemorySeconds * 1000;
    const offences = prior && at - prior.lastAt <= memoryMs ? prior.offences + 1 : 1;
    if (this.offenders.size >= MAX_OFFENDERS && !prior) this.offenders.delete(this.offenders.keys().next().value!);
    this.offenders.set(offenderKey, { offences, lastAt: at });
    const ttlSeconds = Math.min(
      this.config.ttl.maxSeconds,
      Math.round(baseTtl * Math.pow(this.config.ttl.escalationFactor, offences - 1)),
    );
    const d: Decision = {
      id: digest(`${key}|${at}`),
      ts: at,
      action,
      scope: f.target.scope,
      value: f.target.value,
      ttlSeconds,
      detector: f.detector,
      score: f.score,
      reasons: f.reasons,
      modelVersion: f.modelVersion,
      shadow,
    };
    const entry: Active = { decision: d, since: d.ts, expiresAt: decisionExpiresAt(d) };
    this.active.set(key, entry);
    if (f.target.scope === 'signature') this.signatures.set(key, entry);
    let keys = this.byTarget.get(target);
    if (!keys) this.byTarget.set(target, (keys = new Set()));
    keys.add(key);
    return d;
  }

  private alert(
    out: PolicyOutcome,
    f: Finding,
    at: number,
    decisionIds: string[],
    rule: string,
    severity: Severity,
  ): void {
    const key = `${f.detector}|${f.shadow ? 1 : 0}|${decisionValueKey(f.target.scope, f.target.value)}`;
    const prev = this.alerted.get(key);
    const cooldown = this.config.alertCooldownSeconds * 1000;
    const fresh = decisionIds.filter((id) => !prev?.decisionIds.has(id));
    if (prev && at - prev.at < cooldown && fresh.length === 0) return;
    const a: Alert = {
      id: digest(`alert|${key}|${at}`),
      ts: at,
      detector: f.detector,
      severity,
      entity: { type: f.target.scope, value: typeof f.target.value === 'string' ? f.target.value : f.entity.id },
      score: f.score,
      reasons: f.reasons,
      decisionIds,
    };
    const ids = prev && at - prev.at < cooldown ? prev.decisionIds : new Set<string>();
    for (const id of decisionIds) ids.add(id);
    this.alerted.set(key, { at: prev && at - prev.at < cooldown ? prev.at : at, decisionIds: ids });
    out.alerts.push(a);
    out.records.push({ kind: 'alert', record: a, finding: f, policyRule: rule });
  }

  private allowlisted(scope: DecisionScope, value: string | Signature): string | null {
    if (typeof value !== 'string') return null;
    if (scope === 'ip' || scope === 'subnet') {
      const ip = parseIp(scope === 'subnet' ? value.slice(0, value.indexOf('/')) : value);
      if (!ip) return null;
      for (const a of this.allowCidrs) if (a.cidr.contains(ip)) return a.note;
      return null;
    }
    return this.allowIds.get(`${scope}:${value}`) ?? null;
  }

  /** A key acting for many customers' accounts (an aggregator, a partner's app): never blocked, monitored. */
  private sharedKey(f: Finding): boolean {
    return (f.facts?.['distinctAccountsServed'] ?? 0) >= this.config.guards.sharedKeyMinAccounts;
  }

  /** Many successful logins in the last hour, and failures no more than the guard's share of the hour's logins. */
  private sharedAddress(f: Finding): boolean {
    const g = this.config.guards;
    const successes = f.facts?.['loginSuccesses1h'] ?? 0;
    const failures = f.facts?.['loginFailures1h'] ?? Infinity;
    const ratio = failures / (failures + successes);
    return successes >= g.sharedAddressMinSuccessfulLogins && ratio <= g.sharedAddressMaxFailedLoginRatio;
  }

  /**
   * What a checkpoint keeps: active decisions (with when they came into force), repeat offenders, alert
   * memory, counters. Maps keep their insertion order, which decides which decision `enforcingFor` finds
   * first and which offender is forgotten at the cap; the indexes (by target, signatures) are rebuilt.
   */
  snapshot(): PolicyState {
    return {
      active: [...this.active].map(([k, a]) => [k, a.decision, a.since, a.expiresAt]),
      offenders: [...this.offenders].map(([k, o]) => [k, o.offences, o.lastAt]),
      alerted: [...this.alerted].map(([k, a]) => [k, a.at, [...a.decisionIds]]),
      lastSweep: this.lastSweep,
      counters: { ...this.counters },
    };
  }

  restore(s: PolicyState): void {
    this.active.clear();
    this.byTarget.clear();
    this.signatures.clear();
    this.offenders.clear();
    this.alerted.clear();
    for (const [key, decision, since, expiresAt] of s.active) {
      const entry: Active = { decision, since, expiresAt };
      this.active.set(key, entry);
      if (decision.scope === 'signature') this.signatures.set(key, entry);
      const target = decisionValueKey(decision.scope, decision.value);
      let keys = this.byTarget.get(target);
      if (!keys) this.byTarget.set(target, (keys = new Set()));
      keys.add(key);
    }
    for (const [k, offences, lastAt] of s.offenders) this.offenders.set(k, { offences, lastAt });
    for (const [k, at, ids] of s.alerted) this.alerted.set(k, { at, decisionIds: new Set(ids) });
    this.lastSweep = s.lastSweep;
    Object.assign(this.counters, s.counters);
  }

  /** Enforcing, non-shadow decisions in force at `at` that this request matches. */
  enforcingFor(e: AccessEvent, at: number): Decision[] {
    const out: Decision[] = [];
    const look = (scope: DecisionScope, value: string | null) => {
      if (value === null) return;
      const keys = this.byTarget.get(`${scope}:${value}`);
      if (!keys) return;
      for (const k of keys) {
        const a = this.active.get(k);
        if (a && a.expiresAt > at && a.since <= at && inForce(a.decision)) out.push(a.decision);
      }
    };
    look('ip', e.clientIp);
    look('subnet', e.subnet);
    look('principal', e.principal);
    look('session', e.sessionId);
    look('api_key', e.apiKeyId);
    look('device', e.deviceId);
    look('country', e.country);
    look('asn', e.asn === null ? null : String(e.asn));
    for (const a of this.signatures.values()) {
      if (a.expiresAt > at && a.since <= at && inForce(a.decision) && matches(a.decision.value as Signature, e))
        out.push(a.decision);
    }
    return out;
  }

  /** Every decision in force at `at` (shadow ones included, marked), for `GET /v1/decisions`. */
  activeDecisions(at: number): Decision[] {
    const out: Decision[] = [];
    for (const a of this.active.values()) if (a.expiresAt > at) out.push(a.decision);
    return out;
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Forgets expired decisions and stale alert memory, once per minute of event time. */
  private sweep(at: number): void {
    if (at - this.lastSweep < 60_000) return;
    this.lastSweep = at;
    for (const [k, a] of this.active) {
      if (a.expiresAt > at) continue;
      this.active.delete(k);
      this.signatures.delete(k);
      const target = decisionValueKey(a.decision.scope, a.decision.value);
      const keys = this.byTarget.get(target);
      keys?.delete(k);
      if (keys && keys.size === 0) this.byTarget.delete(target);
    }
    const cooldown = this.config.alertCooldownSeconds * 1000;
    for (const [k, a] of this.alerted) if (at - a.at >= cooldown) this.alerted.delete(k);
  }
}

const inForce = (d: Decision): boolean => !d.shadow && ENFORCING_ACTIONS.has(d.action);

/** A request matches a signature when every field the signature names has the required value. */
export function matches(sig: Signature, e: AccessEvent): boolean {
  for (const f of SIGNATURE_FIELDS) {
    const want = sig[f];
    if (want === undefined) continue;
    const have = f === 'asn' ? (e.asn === null ? null : String(e.asn)) : e[f];
    if (have !== want) return false;
  }
  return true;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
