/**
 * Whole-path evaluation: what an enforcing proxy in front of the bank would have done with Vigil's
 * decisions, request by request, on labeled traffic. Every request is judged against the decisions in
 * force at its own event time (decisions made at the end of a batch apply to later requests only), so
 * the figures include detection latency.
 *
 * Reported per attack type and style: entity recall (an attacking entity counts as detected when an
 * alert or decision names it or one of its requests met an enforcing decision), the share of attack
 * requests stopped (blocked, challenged, stepped up, revoked), and time to detect (campaign start → first
 * alert, decision or stopped request). Per trap kind: enforcing decisions that name its entities and the
 * users whose requests met one. Plain customers (unlabeled traffic): users affected. Block precision: of
 * the enforcing entity decisions, the share naming an attacker.
 */
import type { AccessEvent } from '@vigil/events';
import { ENFORCING_ACTIONS, type Alert, type Decision, type Policy } from '@vigil/detection';
import type { LabelsFile } from '@vigil/simulator';

export interface StyleFigures {
  readonly campaigns: number;
  readonly entities: number;
  readonly detected: number;
  readonly recall: number;
  readonly requests: number;
  readonly stopped: number;
  readonly stoppedShare: number;
  /** Login attempts only (the low-and-slow target). */
  readonly loginAttempts: number;
  readonly loginAttemptsStopped: number;
  readonly medianTimeToDetectSec: number | null;
  readonly worstTimeToDetectSec: number | null;
  readonly undetectedCampaigns: number;
}

export interface TrapFigures {
  readonly groups: number;
  readonly users: number;
  readonly requests: number;
  readonly requestsStopped: number;
  readonly usersAffected: number;
  readonly enforcingDecisions: number;
  readonly alerts: number;
}

export interface WholePathReport {
  readonly events: number;
  readonly byStyle: Readonly<Record<string, StyleFigures>>;
  readonly traps: Readonly<Record<string, TrapFigures>>;
  readonly plainCustomers: {
    readonly users: number;
    readonly affected: number;
    readonly share: number;
    readonly requestsStopped: number;
    readonly stoppedBy: Readonly<Record<string, number>>;
  };
  /** `<trap>: <detector> <action> <scope>` → enforcing decisions naming that trap's entities. */
  readonly trapDecisionsBy: Readonly<Record<string, number>>;
  /** `<trap>: <detector> <action> <scope>` → trap requests stopped by such a decision. */
  readonly trapRequestsStoppedBy: Readonly<Record<string, number>>;
  readonly decisions: {
    readonly total: number;
    readonly enforcingEntity: number;
    readonly onAttackers: number;
    readonly blockPrecision: number;
    readonly signatures: number;
    readonly signatureRequestsMatched: number;
    readonly signatureRequestsOnAttacks: number;
    readonly signaturePrecision: number;
  };
}

const ATTACK_ENTITY: Readonly<Record<string, 'ips' | 'principals' | 'sessions'>> = {
  credential_stuffing: 'ips',
  credential_cracking: 'ips',
  scraping: 'ips',
  account_takeover: 'principals',
  session_hijacking: 'sessions',
};

/** A person behind traffic: the account when known, else the session or device, else the address. */
const userOf = (e: AccessEvent): string =>
  e.principal !== null ? `p:${e.principal}` : e.sessionId !== null ? `s:${e.sessionId}` : `ip:${e.clientIp}`;

interface GroupTally {
  requests: number;
  stopped: number;
  logins: number;
  loginsStopped: number;
  signatureMatches: number;
  users: Set<string>;
  /** Users stopped → the values of the decisions that stopped them (a few). */
  affected: Map<string, string[]>;
  /** Entity values of stopped requests (address, principal, session) → first time stopped. */
  stoppedEntities: Map<string, number>;
  /** `detector action scope` of the first decision that stopped each stopped request. */
  stoppedBy: Map<string, number>;
}

/**
 * Judgments are recorded as the run goes and resolved against the labels at the end (a simulation's
 * labels are complete only once its traffic has been generated).
 */
export class WholePathEvaluator {
  private readonly tallies = new Map<string, GroupTally>();
  private readonly decided: { value: string; ts: number; enforcing: boolean; what: string }[] = [];
  /** Plain customers' stopped requests by the decision that stopped them (`detector action scope`). */
  private readonly plainStoppedBy = new Map<string, number>();
  private readonly alerted: { value: string; ts: number }[] = [];
  private readonly plainUsers = new Set<string>();
  /** Plain users stopped → the values of the decisions that stopped them (a few). */
  private readonly plainAffected = new Map<string, string[]>();
  private plainStopped = 0;
  private plainSignatureMatches = 0;
  private events = 0;
  private decisionsTotal = 0;
  private readonly signatureIds = new Set<string>();
  private readonly seenDecisions = new Set<string>();

  constructor(
    /** requestId → group id (request-labels.ndjson, or the simulator's own stream). */
    private readonly groupOf: (requestId: string | null) => string | null,
  ) {}

  /** Decisions as they are made (their first record and extensions). */
  onDecisions(ds: readonly Decision[]): void {
    for (const d of ds) {
      if (this.seenDecisions.has(d.id)) continue;
      this.seenDecisions.add(d.id);
      this.decisionsTotal++;
      const enforcing = !d.shadow && ENFORCING_ACTIONS.has(d.action);
      if (d.scope === 'signature') {
        if (enforcing) this.signatureIds.add(d.id);
        continue;
      }
      this.decided.push({
        value: d.value as string,
        ts: d.ts,
        enforcing,
        what: `${d.detector} ${d.action} ${d.scope}`,
      });
    }
  }

  onAlerts(as: readonly Alert[]): void {
    for (const a of as) this.alerted.push({ value: a.entity.value, ts: a.ts });
  }

  /** After each batch: its events judged against the decisions in force at their own time. */
  /** `policy`: what is in force for a request (one engine's policy, or several partitions' together). */
  onEvents(events: readonly AccessEvent[], policy: Pick<Policy, 'enforcingFor'>): void {
    for (const e of events) {
      this.events++;
      const hits = policy.enforcingFor(e, e.ts);
      const stopped = hits.length > 0;
      const sigs = stopped ? hits.filter((d) => d.scope === 'signature').length : 0;
      const g = this.groupOf(e.requestId);
      if (g === null) {
        const u = userOf(e);
        this.plainUsers.add(u);
        if (stopped) {
          noteValues(this.plainAffected, u, hits);
          this.plainStopped++;
          this.plainSignatureMatches += sigs;
          const what = `${hits[0]!.detector} ${hits[0]!.action} ${hits[0]!.scope}`;
          this.plainStoppedBy.set(what, (this.plainStoppedBy.get(what) ?? 0) + 1);
        }
        continue;
      }
      let t = this.tallies.get(g);
      if (!t) {
        t = {
          requests: 0,
          stopped: 0,
          logins: 0,
          loginsStopped: 0,
          signatureMatches: 0,
          users: new Set(),
          affected: new Map(),
          stoppedEntities: new Map(),
          stoppedBy: new Map(),
        };
        this.tallies.set(g, t);
      }
      t.requests++;
      const u = userOf(e);
      t.users.add(u);
      if (e.routeClass === 'login') t.logins++;
      if (!stopped) continue;
      t.stopped++;
      t.signatureMatches += sigs;
      const what = `${hits[0]!.detector} ${hits[0]!.action} ${hits[0]!.scope}`;
      t.stoppedBy.set(what, (t.stoppedBy.get(what) ?? 0) + 1);
      noteValues(t.affected, u, hits);
      if (e.routeClass === 'login') t.loginsStopped++;
      for (const v of [e.clientIp, e.principal, e.sessionId]) {
        if (v !== null && !t.stoppedEntities.has(v)) t.stoppedEntities.set(v, e.ts);
      }
    }
  }

  report(labels: LabelsFile): WholePathReport {
    const groupsOf = new Map<string, string[]>();
    const link = (v: string, g: string) => {
      const gs = groupsOf.get(v);
      if (!gs) groupsOf.set(v, [g]);
      else if (!gs.includes(g)) gs.push(g);
    };
    const campaignEntities = new Map<string, Set<string>>();
    for (const c of labels.campaigns) {
      const kind = ATTACK_ENTITY[c.type] ?? 'ips';
      campaignEntities.set(
        c.id,
        new Set(kind === 'ips' ? c.entities.ips : kind === 'principals' ? c.hashed.principals : c.hashed.sessions),
      );
      for (const v of [...c.entities.ips, ...c.hashed.principals, ...c.hashed.sessions, ...c.hashed.apiKeys])
        link(v, c.id);
    }
    const trapKind = new Map<string, string>();
    for (const t of labels.traps) {
      trapKind.set(t.id, t.trap);
      for (const v of [...t.entities.ips, ...t.hashed.principals, ...t.hashed.sessions, ...t.hashed.apiKeys])
        link(v, t.id);
    }
    const victims = new Set<string>();
    for (const c of labels.campaigns) for (const v of [...c.hashed.principals, ...c.hashed.sessions]) victims.add(v);
    const victim = (user: string) => victims.has(user.slice(user.indexOf(':') + 1));
    const attackValues = new Set<string>();
    for (const c of labels.campaigns)
      for (const v of [...c.entities.ips, ...c.hashed.principals, ...c.hashed.sessions, ...c.hashed.apiKeys])
        attackValues.add(v);
    // Stopped by a decision on an attacker's own entity (the hijacked session of a victim) is protection,
    // not harm; a signature, a subnet or a decision on the user's own entity is harm.
    const harmed = (user: string, values: readonly string[]) =>
      !victim(user) && values.some((v) => !attackValues.has(v));
    // Detection per campaign: entities named by alerts or decisions, or stopped; first time of any.
    const detected = new Map<string, Set<string>>();
    const first = new Map<string, number>();
    const detect = (g: string, v: string, at: number) => {
      const ents = campaignEntities.get(g);
      if (!ents) return;
      if (ents.has(v)) {
        let s = detected.get(g);
        if (!s) detected.set(g, (s = new Set()));
        s.add(v);
      }
      const f = first.get(g);
      if (f === undefined || at < f) first.set(g, at);
    };
    const trapDecisions = new Map<string, number>();
    const harm: Record<string, number> = {};
    const trapAlerts = new Map<string, number>();
    let enforcingEntity = 0;
    let onAttackers = 0;
    // A subnet decision names the groups whose addresses it covers.
    const subnetGroups = new Map<string, string[]>();
    for (const [v, gs] of groupsOf) {
      const net = subnet24(v);
      if (net === null) continue;
      const cur = subnetGroups.get(net) ?? [];
      for (const g of gs) if (!cur.includes(g)) cur.push(g);
      subnetGroups.set(net, cur);
    }
    for (const d of this.decided) {
      const gs = (d.value.includes('/') ? subnetGroups.get(d.value) : groupsOf.get(d.value)) ?? [];
      if (d.enforcing) {
        enforcingEntity++;
        if (gs.some((g) => campaignEntities.has(g))) onAttackers++;
      }
      const onAttacker = gs.some((g) => campaignEntities.has(g));
      for (const g of gs) {
        const trap = trapKind.get(g);
        if (trap !== undefined) {
          // A trap user who is also a campaign's victim (a compromised account behind a NAT) is not harmed.
          if (d.enforcing && !onAttacker) {
            trapDecisions.set(trap, (trapDecisions.get(trap) ?? 0) + 1);
            const k = `${trap}: ${d.what}`;
            harm[k] = (harm[k] ?? 0) + 1;
          }
        } else detect(g, d.value, d.ts);
      }
    }
    for (const a of this.alerted) {
      for (const g of groupsOf.get(a.value) ?? []) {
        const trap = trapKind.get(g);
        if (trap !== undefined) trapAlerts.set(trap, (trapAlerts.get(trap) ?? 0) + 1);
        else detect(g, a.value, a.ts);
      }
    }
    for (const [g, t] of this.tallies) for (const [v, at] of t.stoppedEntities) detect(g, v, at);

    const byStyle: Record<string, Mutable<StyleFigures> & { ttds: number[] }> = {};
    let sigOnAttacks = 0;
    for (const c of labels.campaigns) {
      const key = `${c.type}/${c.style}`;
      const s = (byStyle[key] ??= {
        campaigns: 0,
        entities: 0,
        detected: 0,
        recall: 0,
        requests: 0,
        stopped: 0,
        stoppedShare: 0,
        loginAttempts: 0,
        loginAttemptsStopped: 0,
        medianTimeToDetectSec: null,
        worstTimeToDetectSec: null,
        undetectedCampaigns: 0,
        ttds: [],
      });
      s.campaigns++;
      s.entities += campaignEntities.get(c.id)!.size;
      s.detected += detected.get(c.id)?.size ?? 0;
      const r = this.tallies.get(c.id);
      s.requests += r?.requests ?? 0;
      s.stopped += r?.stopped ?? 0;
      s.loginAttempts += r?.logins ?? 0;
      s.loginAttemptsStopped += r?.loginsStopped ?? 0;
      sigOnAttacks += r?.signatureMatches ?? 0;
      const f = first.get(c.id);
      if (f === undefined) s.undetectedCampaigns++;
      else s.ttds.push(Math.max(0, (f - c.startMs) / 1000));
    }
    const styles: Record<string, StyleFigures> = {};
    for (const [k, s] of Object.entries(byStyle)) {
      const t = s.ttds.sort((a, b) => a - b);
      const { ttds: _ttds, ...rest } = s;
      styles[k] = {
        ...rest,
        recall: ratio(s.detected, s.entities),
        stoppedShare: ratio(s.stopped, s.requests),
        medianTimeToDetectSec: t.length ? round(t[Math.floor((t.length - 1) / 2)]!) : null,
        worstTimeToDetectSec: t.length ? round(t[t.length - 1]!) : null,
      };
    }
    const traps: Record<string, Mutable<TrapFigures>> = {};
    const trapUsers = new Map<string, Set<string>>();
    const trapAffected = new Map<string, Set<string>>();
    let sigMatched = this.plainSignatureMatches + sigOnAttacks;
    const trapStoppedBy: Record<string, number> = {};
    for (const t of labels.traps) {
      const f = (traps[t.trap] ??= {
        groups: 0,
        users: 0,
        requests: 0,
        requestsStopped: 0,
        usersAffected: 0,
        enforcingDecisions: 0,
        alerts: 0,
      });
      f.groups++;
      const r = this.tallies.get(t.id);
      if (!r) continue;
      f.requests += r.requests;
      f.requestsStopped += r.stopped;
      sigMatched += r.signatureMatches;
      const us = trapUsers.get(t.trap) ?? new Set<string>();
      for (const u of r.users) us.add(u);
      trapUsers.set(t.trap, us);
      for (const [what, n] of r.stoppedBy) {
        const k = `${t.trap}: ${what}`;
        trapStoppedBy[k] = (trapStoppedBy[k] ?? 0) + n;
      }
      const af = trapAffected.get(t.trap) ?? new Set<string>();
      for (const [u, values] of r.affected) if (harmed(u, values)) af.add(u);
      trapAffected.set(t.trap, af);
    }
    for (const [k, f] of Object.entries(traps)) {
      f.users = trapUsers.get(k)?.size ?? 0;
      f.usersAffected = trapAffected.get(k)?.size ?? 0;
      f.enforcingDecisions = trapDecisions.get(k) ?? 0;
      f.alerts = trapAlerts.get(k) ?? 0;
    }
    let plainAffected = 0;
    for (const [u, values] of this.plainAffected) if (harmed(u, values)) plainAffected++;
    return {
      events: this.events,
      byStyle: styles,
      traps,
      plainCustomers: {
        users: this.plainUsers.size,
        affected: plainAffected,
        share: ratio(plainAffected, this.plainUsers.size),
        requestsStopped: this.plainStopped,
        stoppedBy: Object.fromEntries(this.plainStoppedBy),
      },
      trapDecisionsBy: harm,
      trapRequestsStoppedBy: trapStoppedBy,
      decisions: {
        total: this.decisionsTotal,
        enforcingEntity,
        onAttackers,
        blockPrecision: ratio(onAttackers, enforcingEntity),
        signatures: this.signatureIds.size,
        signatureRequestsMatched: sigMatched,
        signatureRequestsOnAttacks: sigOnAttacks,
        signaturePrecision: ratio(sigOnAttacks, sigMatched),
      },
    };
  }
}

function noteValues(into: Map<string, string[]>, user: string, hits: readonly Decision[]): void {
  let vs = into.get(user);
  if (!vs) into.set(user, (vs = []));
  for (const d of hits) {
    if (vs.length >= 4) return;
    const v = typeof d.value === 'string' ? d.value : `signature:${d.id}`;
    if (!vs.includes(v)) vs.push(v);
  }
}

/** `a.b.c.0/24` of a dotted IPv4 address; null for anything else. */
function subnet24(v: string): string | null {
  const m = /^(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$/.exec(v);
  return m ? `${m[1]}.0/24` : null;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const ratio = (a: number, b: number) => (b > 0 ? round(a / b) : 0);
const round = (x: number) => Number(x.toFixed(4));
