/**
 * The decisions in force, as an enforcement point asks for them: indexed by target (a prefix tree for
 * addresses and ranges, one map per exact scope, signatures by their most selective field), expired by
 * TTL, revoked by tombstones, and written to a change log whose sequence numbers are the cursors that
 * bouncers, push clients and long-pollers resume from.
 *
 * The decisions topic is compacted by `scope:value`, so the latest record of a key is the truth; this set
 * follows the same rule: a later record replaces the earlier one of its key, a record that is not in force
 * (shadow, monitor, already expired) removes it, a tombstone revokes it.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  ENFORCING_ACTIONS,
  decisionExpiresAt,
  type Decision,
  type DecisionScope,
  type Signature,
} from '@vigil/detection';
import { parseIp, type ParsedIp } from '@vigil/events';
import { PrefixTree, parseNetwork, type Network } from '../match/prefix-tree';
import { SignatureIndex, type SignatureSubject } from '../match/signature-index';

export interface ActiveDecision {
  /** The record key (`scope:value`) it was read under. */
  readonly key: string;
  readonly decision: Decision;
  /** CrowdSec's integer id: stable across enforcer restarts (derived from the decision's own id). */
  readonly crowdsecId: number;
  /** Wall-clock ms it is in force from and until. */
  readonly startsAt: number;
  readonly expiresAt: number;
  /** The change that wrote it. */
  readonly seq: number;
  /** Parsed address or range, for `ip` and `subnet` decisions. */
  readonly network: Network | null;
}

export type RemovalCause = 'expired' | 'revoked' | 'replaced';

export type DecisionChange =
  | { readonly kind: 'added'; readonly seq: number; readonly entry: ActiveDecision }
  | {
      readonly kind: 'removed';
      readonly seq: number;
      readonly entry: ActiveDecision;
      readonly cause: RemovalCause;
      /** Wall-clock ms it stopped being in force. */
      readonly at: number;
    };

/** What a check knows of a request: its address, its exact-scope ids and its signature fields. */
export interface CheckSubject extends SignatureSubject {
  readonly ip: ParsedIp | null;
  readonly principal?: string | null;
  readonly apiKeyId?: string | null;
  readonly sessionId?: string | null;
  readonly deviceId?: string | null;
}

export interface ActiveDecisionsOptions {
  /**
   * What a TTL counts from: `published`, the time the detector published the decision (its Kafka record
   * timestamp) — a decision lasts its TTL from when proxies could first know it, also when the detector
   * was catching up on old logs; or `event`, the event time it was decided at (`Decision.ts`).
   */
  readonly ttlClock?: 'published' | 'event';
  /** Changes kept for cursors (default 500,000); a cursor older than that gets the whole set again. */
  readonly changeLogLimit?: number;
  /** How long removed decisions are still reported as deleted to a bouncer that starts (default 1 h). */
  readonly removedRetentionMs?: number;
}

type ExactScope = Exclude<DecisionScope, 'ip' | 'subnet' | 'signature'>;
const EXACT_SCOPES: readonly ExactScope[] = ['asn', 'country', 'principal', 'api_key', 'session', 'device'];

export function crowdsecIdOf(decisionId: string): number {
  // 52 bits of the id's SHA-256: a safe JSON integer, the same on every enforcer replica and restart.
  return parseInt(createHash('sha256').update(decisionId).digest('hex').slice(0, 13), 16);
}

/** A min-heap of (expiresAt, key, seq): expiry is popped in time order, stale entries skipped. */
class ExpiryHeap {
  private readonly at: number[] = [];
  private readonly keys: string[] = [];
  private readonly seqs: number[] = [];

  get size(): number {
    return this.at.length;
  }
  push(at: number, key: string, seq: number): void {
    this.at.push(at);
    this.keys.push(key);
    this.seqs.push(seq);
    let i = this.at.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.at[p]! <= this.at[i]!) break;
      this.swap(i, p);
      i = p;
    }
  }
  peek(): number {
    return this.at.length > 0 ? this.at[0]! : Number.POSITIVE_INFINITY;
  }
  pop(): { key: string; seq: number } {
    const top = { key: this.keys[0]!, seq: this.seqs[0]! };
    const last = this.at.length - 1;
    this.swap(0, last);
    this.at.pop();
    this.keys.pop();
    this.seqs.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.at.length && this.at[l]! < this.at[m]!) m = l;
      if (r < this.at.length && this.at[r]! < this.at[m]!) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
  private swap(a: number, b: number): void {
    [this.at[a], this.at[b]] = [this.at[b]!, this.at[a]!];
    [this.keys[a], this.keys[b]] = [this.keys[b]!, this.keys[a]!];
    [this.seqs[a], this.seqs[b]] = [this.seqs[b]!, this.seqs[a]!];
  }
}

export class ActiveDecisions {
  /** Identifies this set's numbering: a cursor from another epoch (another process) means "start over". */
  readonly epoch = randomBytes(6).toString('hex');
  private readonly byKey = new Map<string, ActiveDecision>();
  private readonly addresses = new PrefixTree<ActiveDecision>();
  private readonly exact = new Map<ExactScope, Map<string, ActiveDecision>>(EXACT_SCOPES.map((s) => [s, new Map()]));
  private readonly signatures = new SignatureIndex<ActiveDecision>((e) => e.decision.value as Signature);
  private readonly expiry = new ExpiryHeap();
  private log: DecisionChange[] = [];
  private firstLogSeq = 1;
  private seq = 0;
  private readonly listeners = new Set<(changes: readonly DecisionChange[]) => void>();
  private readonly ttlClock: 'published' | 'event';
  private readonly changeLogLimit: number;
  private readonly removedRetentionMs: number;

  constructor(o: ActiveDecisionsOptions = {}) {
    this.ttlClock = o.ttlClock ?? 'published';
    this.changeLogLimit = o.changeLogLimit ?? 500_000;
    this.removedRetentionMs = o.removedRetentionMs ?? 3_600_000;
  }

  /** The sequence number of the latest change (0 before any). */
  get lastSeq(): number {
    return this.seq;
  }
  get size(): number {
    return this.byKey.size;
  }
  get(key: string): ActiveDecision | undefined {
    return this.byKey.get(key);
  }
  /** Active decisions by scope, for the gauge. */
  countByScope(): Record<DecisionScope, number> {
    const out = { ip: 0, subnet: 0, asn: 0, country: 0, principal: 0, api_key: 0, session: 0, device: 0, signature: 0 };
    for (const e of this.byKey.values()) out[e.decision.scope]++;
    return out;
  }
  /** Called with the changes of every apply or expiry, in sequence order. */
  onChange(listener: (changes: readonly DecisionChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A decision record read under `key` (published at `publishedAt`, wall ms), or a revocation (`null`).
   * Returns the changes it made (none when it changes nothing, e.g. a shadow decision for a free key).
   */
  apply(key: string, decision: Decision | null, publishedAt: number, now: number): readonly DecisionChange[] {
    const changes: DecisionChange[] = [];
    const previous = this.byKey.get(key);
    if (decision === null) {
      if (previous) changes.push(this.remove(previous, 'revoked', now));
      return this.emit(changes);
    }
    const startsAt = this.ttlClock === 'published' ? publishedAt : decision.ts;
    const expiresAt = startsAt + (decisionExpiresAt(decision) - decision.ts);
    const inForce = !decision.shadow && ENFORCING_ACTIONS.has(decision.action) && expiresAt > now;
    if (!inForce) {
      if (previous) changes.push(this.remove(previous, expiresAt <= now ? 'expired' : 'replaced', now));
      else if (
        !decision.shadow &&
        ENFORCING_ACTIONS.has(decision.action) &&
        expiresAt > now - this.removedRetentionMs
      ) {
        // Read after its end (a replay of the topic at start): a bouncer that starts is still told it ended.
        changes.push(this.logRemoval(this.entryFor(key, decision, startsAt, expiresAt, 0), 'expired', expiresAt));
      }
      return this.emit(changes);
    }
    // A new action on the same target is another CrowdSec decision (bouncers key by value and type): the
    // old one is deleted first. The same action again (an extension) just replaces it.
    if (previous) {
      if (previous.decision.action !== decision.action) changes.push(this.remove(previous, 'replaced', now));
      else this.unindex(previous);
    }
    const entry = this.entryFor(key, decision, startsAt, expiresAt, ++this.seq);
    this.byKey.set(key, entry);
    this.index(entry);
    this.expiry.push(expiresAt, key, entry.seq);
    changes.push(this.record({ kind: 'added', seq: entry.seq, entry }));
    return this.emit(changes);
  }

  /** Removes every decision whose TTL has run out by `now`. */
  expire(now: number): readonly DecisionChange[] {
    const changes: DecisionChange[] = [];
    while (this.expiry.peek() <= now) {
      const { key, seq } = this.expiry.pop();
      const e = this.byKey.get(key);
      if (e && e.seq === seq) changes.push(this.remove(e, 'expired', e.expiresAt));
    }
    return this.emit(changes);
  }

  /** Every decision in force at `now` that applies to the request, in no particular order. */
  matching(subject: CheckSubject, now: number): ActiveDecision[] {
    const out: ActiveDecision[] = [];
    if (subject.ip) this.addresses.containing(subject.ip, out);
    const ids: Record<ExactScope, string | null | undefined> = {
      asn: subject.asn,
      country: subject.country,
      principal: subject.principal,
      api_key: subject.apiKeyId,
      session: subject.sessionId,
      device: subject.deviceId,
    };
    for (const scope of EXACT_SCOPES) {
      const id = ids[scope];
      if (id) {
        const e = this.exact.get(scope)!.get(id);
        if (e) out.push(e);
      }
    }
    if (this.signatures.size > 0) this.signatures.matching(subject, out);
    // The sweeper runs every few hundred ms; a decision whose TTL ended since is not enforced meanwhile.
    let n = 0;
    for (const e of out) if (e.expiresAt > now) out[n++] = e;
    out.length = n;
    return out;
  }

  /** Address and range decisions that contain `net` (CrowdSec's `contains=true`) or lie within it. */
  addressDecisions(net: Network, relation: 'covering' | 'within'): ActiveDecision[] {
    return relation === 'covering' ? this.addresses.covering(net) : this.addresses.within(net);
  }

  /** Exact-scope decisions for one value (asn, country, principal, api_key, session, device). */
  exactDecision(scope: DecisionScope, value: string): ActiveDecision | undefined {
    return this.exact.get(scope as ExactScope)?.get(value);
  }

  all(): IterableIterator<ActiveDecision> {
    return this.byKey.values();
  }

  /**
   * The changes after `seq`, or null when the log no longer reaches back that far (the reader must take
   * the whole set again).
   */
  changesSince(seq: number): readonly DecisionChange[] | null {
    if (seq > this.seq) return null;
    if (seq + 1 < this.firstLogSeq) return null;
    return this.log.slice(Math.max(0, seq + 1 - this.firstLogSeq));
  }

  /** Decisions removed within the retention window before `now` whose key holds nothing in force now. */
  recentlyRemoved(now: number): ActiveDecision[] {
    const out: ActiveDecision[] = [];
    const seen = new Set<string>();
    for (let i = this.log.length - 1; i >= 0; i--) {
      const c = this.log[i]!;
      if (c.kind !== 'removed') continue;
      if (c.at < now - this.removedRetentionMs) continue;
      const k = `${c.entry.key}\u0000${c.entry.decision.action}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const current = this.byKey.get(c.entry.key);
      if (current && current.decision.action === c.entry.decision.action) continue;
      out.push(c.entry);
    }
    return out;
  }

  private entryFor(key: string, decision: Decision, startsAt: number, expiresAt: number, seq: number): ActiveDecision {
    const network =
      decision.scope === 'ip' || decision.scope === 'subnet' ? parseNetwork(decision.value as string) : null;
    return { key, decision, crowdsecId: crowdsecIdOf(decision.id), startsAt, expiresAt, seq, network };
  }

  private index(e: ActiveDecision): void {
    const { scope } = e.decision;
    if (e.network) this.addresses.insert(e.network, e);
    else if (scope === 'signature') this.signatures.add(e);
    else this.exact.get(scope as ExactScope)?.set(e.decision.value as string, e);
  }

  private unindex(e: ActiveDecision): void {
    const { scope } = e.decision;
    if (e.network) this.addresses.remove(e.network, e);
    else if (scope === 'signature') this.signatures.remove(e);
    else {
      const m = this.exact.get(scope as ExactScope);
      if (m?.get(e.decision.value as string) === e) m.delete(e.decision.value as string);
    }
  }

  private remove(e: ActiveDecision, cause: RemovalCause, at: number): DecisionChange {
    this.byKey.delete(e.key);
    this.unindex(e);
    return this.logRemoval(e, cause, at);
  }

  private logRemoval(e: ActiveDecision, cause: RemovalCause, at: number): DecisionChange {
    return this.record({ kind: 'removed', seq: ++this.seq, entry: e, cause, at });
  }

  private record(c: DecisionChange): DecisionChange {
    this.log.push(c);
    if (this.log.length > this.changeLogLimit + this.changeLogLimit / 4) {
      const drop = this.log.length - this.changeLogLimit;
      this.log = this.log.slice(drop);
      this.firstLogSeq += drop;
    }
    return c;
  }

  private emit(changes: DecisionChange[]): readonly DecisionChange[] {
    if (changes.length > 0) for (const l of this.listeners) l(changes);
    return changes;
  }
}

/** A request, normalized as the detector normalizes a logged one, as the set matches it. */
export function subjectOfEvent(e: {
  readonly clientIp: string;
  readonly principal: string | null;
  readonly apiKeyId: string | null;
  readonly sessionId: string | null;
  readonly deviceId: string | null;
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly routeClass: string;
  readonly userAgent: string | null;
  readonly tlsFingerprint: string | null;
  readonly country: string | null;
  readonly asn: number | null;
}): CheckSubject {
  return {
    ip: parseIp(e.clientIp),
    principal: e.principal,
    apiKeyId: e.apiKeyId,
    sessionId: e.sessionId,
    deviceId: e.deviceId,
    method: e.method,
    host: e.host,
    path: e.path,
    routeClass: e.routeClass,
    userAgent: e.userAgent,
    tlsFingerprint: e.tlsFingerprint,
    country: e.country,
    asn: e.asn === null ? null : String(e.asn),
  };
}
