/**
 * Ground truth joined to entities: which campaigns and which benign look-alikes an IP, a hashed principal,
 * session or API key belongs to, with time spans. Built from label sets — simulator labels files
 * (campaigns and traps) and incident-format files (confirmed incidents grouped into campaigns, and benign
 * records) — which may be combined; every label set applies to every input, by entity and time.
 *
 * Some labels name what the entities did rather than the entities a detector scores: a benign address
 * range (a carrier's NAT pool), a partner's API key, a fleet's key, a hijacked session. `observe` turns
 * them into the addresses (and principals) seen acting under them, as events are replayed, so that a
 * row of an address is tagged like the range or key it used.
 */
import { parseCidr, parseIp, type AccessEvent } from '@vigil/events';
import type { CampaignType, LabelsFile, TrapKind } from '@vigil/simulator';
import { groupIncidents, type GroupingOptions, type IncidentCampaign } from './campaign-grouping';
import type { IncidentFile } from './incidents';

export type { ConfirmedIncident } from './incidents';

export interface CampaignSpan {
  /** Unique across label sets: `<label set>:<campaign id>`. */
  readonly key: string;
  readonly type: CampaignType;
  readonly style: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface TrapMembership {
  readonly key: string;
  readonly trap: TrapKind;
  /** When the label holds (the whole history for simulator traps and open benign records). */
  readonly startMs: number;
  readonly endMs: number;
}

/** What one label set contributed (recorded in model manifests). */
export interface LabelSetSummary {
  readonly name: string;
  readonly kind: 'simulator' | 'incidents';
  readonly campaigns: number;
  /** Campaigns by how they were formed (incident files): by the SOC's id, or by time and shared entities. */
  readonly campaignsById?: number;
  readonly campaignsInferred?: number;
  readonly incidentRecords?: number;
  readonly benignRecords: number;
  readonly benignByClass: Readonly<Record<string, number>>;
}

type EntityKind = 'ips' | 'principals';

interface EntitySets {
  ips: Set<string>;
  principals: Set<string>;
  sessions: Set<string>;
  apiKeys: Set<string>;
}

const emptySets = (): EntitySets => ({
  ips: new Set(),
  principals: new Set(),
  sessions: new Set(),
  apiKeys: new Set(),
});

interface RangeLabel {
  readonly contains: (ip: NonNullable<ReturnType<typeof parseIp>>) => boolean;
  readonly membership: TrapMembership;
}

export class LabelIndex {
  private readonly campaigns = new Map<string, CampaignSpan[]>();
  private readonly traps = new Map<string, TrapMembership[]>();
  readonly spans: CampaignSpan[] = [];
  private readonly spanByKey = new Map<string, CampaignSpan>();
  readonly trapKeys = new Map<string, TrapKind>();
  /** Entities labeled per campaign key, for entity-level recall (grows as `observe` finds more). */
  readonly entitiesOf = new Map<string, EntitySets>();
  /** Entities per benign key (simulator traps and benign records; addresses found by `observe`). */
  readonly trapEntitiesOf = new Map<string, EntitySets>();
  readonly labelSets: LabelSetSummary[] = [];
  private readonly ranges: RangeLabel[] = [];
  /** Keys whose users are found from what they carry: campaign API keys and sessions, benign keys. */
  private readonly byCarried = new Map<string, (CampaignSpan | TrapMembership)[]>();
  private readonly rangeChecked = new Set<string>();

  /** Adds a simulator labels file; `source` prefixes campaign ids (c001 repeats across runs). */
  addLabelsFile(labels: LabelsFile, source: string): LabelSetSummary {
    let campaigns = 0;
    for (const c of labels.campaigns) {
      if (c.requests === 0) continue;
      campaigns++;
      this.addSpan(
        { key: `${source}:${c.id}`, type: c.type, style: c.style, startMs: c.startMs, endMs: c.endMs },
        {
          ips: c.entities.ips,
          principals: c.hashed.principals,
          sessions: c.hashed.sessions,
          apiKeys: c.hashed.apiKeys,
        },
        false,
      );
    }
    const byClass: Record<string, number> = {};
    for (const t of labels.traps) {
      const m: TrapMembership = { key: `${source}:${t.id}`, trap: t.trap, startMs: -Infinity, endMs: Infinity };
      byClass[t.trap] = (byClass[t.trap] ?? 0) + 1;
      this.trapKeys.set(m.key, t.trap);
      const sets = this.trapSets(m.key);
      for (const ip of t.entities.ips) this.addTrap('ips', ip, m, sets);
      for (const p of t.hashed.principals) this.addTrap('principals', p, m, sets);
      for (const k of t.hashed.apiKeys) sets.apiKeys.add(k);
    }
    const summary: LabelSetSummary = {
      name: source,
      kind: 'simulator',
      campaigns,
      benignRecords: labels.traps.length,
      benignByClass: byClass,
    };
    this.labelSets.push(summary);
    return summary;
  }

  /** Adds an incident-format file: its incidents grouped into campaigns, its benign records as look-alikes. */
  addIncidentFile(file: IncidentFile, source: string, grouping: GroupingOptions = {}): LabelSetSummary {
    const groups = groupIncidents(file.incidents, grouping, source);
    for (const g of groups) this.addIncidentCampaign(g, source);
    const byClass: Record<string, number> = {};
    file.benign.forEach((b, i) => {
      const m: TrapMembership = { key: `${source}:b${i + 1}`, trap: b.cls, startMs: b.startMs, endMs: b.endMs };
      byClass[b.cls] = (byClass[b.cls] ?? 0) + 1;
      this.trapKeys.set(m.key, b.cls);
      const sets = this.trapSets(m.key);
      if (b.ip !== null) this.addTrap('ips', b.ip, m, sets);
      if (b.principal !== null) this.addTrap('principals', b.principal, m, sets);
      if (b.apiKey !== null) {
        sets.apiKeys.add(b.apiKey);
        push(this.byCarried, `k|${b.apiKey}`, m);
      }
      if (b.cidr !== null) {
        const cidr = parseCidr(b.cidr);
        this.ranges.push({ contains: (ip) => cidr.contains(ip), membership: m });
        this.rangeChecked.clear();
      }
    });
    const summary: LabelSetSummary = {
      name: source,
      kind: 'incidents',
      campaigns: groups.length,
      campaignsById: groups.filter((g) => g.grouped === 'by-id').length,
      campaignsInferred: groups.filter((g) => g.grouped !== 'by-id').length,
      incidentRecords: file.incidents.length,
      benignRecords: file.benign.length,
      benignByClass: byClass,
    };
    this.labelSets.push(summary);
    return summary;
  }

  private addIncidentCampaign(g: IncidentCampaign, source: string): void {
    const span: CampaignSpan = {
      key: `${source}:${g.id}`,
      type: g.type,
      style: g.style,
      startMs: g.startMs,
      endMs: g.endMs,
    };
    this.addSpan(span, g, true);
  }

  private addSpan(
    span: CampaignSpan,
    e: {
      ips: readonly string[];
      principals: readonly string[];
      sessions: readonly string[];
      apiKeys: readonly string[];
    },
    findCarriers: boolean,
  ): void {
    this.spans.push(span);
    this.spanByKey.set(span.key, span);
    const sets: EntitySets = {
      ips: new Set(e.ips),
      principals: new Set(e.principals),
      sessions: new Set(e.sessions),
      apiKeys: new Set(e.apiKeys),
    };
    this.entitiesOf.set(span.key, sets);
    for (const ip of sets.ips) push(this.campaigns, `ips|${ip}`, span);
    for (const p of sets.principals) push(this.campaigns, `principals|${p}`, span);
    // Incident records may name a fleet's key or a hijacked session instead of the addresses behind it.
    if (findCarriers) {
      for (const k of sets.apiKeys) push(this.byCarried, `k|${k}`, span);
      for (const s of sets.sessions) push(this.byCarried, `s|${s}`, span);
    }
  }

  private trapSets(key: string): EntitySets {
    let s = this.trapEntitiesOf.get(key);
    if (!s) this.trapEntitiesOf.set(key, (s = emptySets()));
    return s;
  }

  private addTrap(kind: EntityKind, id: string, m: TrapMembership, sets: EntitySets): void {
    if (sets[kind].has(id)) return;
    sets[kind].add(id);
    push(this.traps, `${kind}|${id}`, m);
  }

  /**
   * Replayed events, before their rows are labeled: an address inside a benign range, or acting with a
   * benign key, joins that label; an address (and principal) acting with a campaign's key or session
   * inside the campaign's span joins the campaign.
   */
  observe(events: readonly AccessEvent[]): void {
    const ranges = this.ranges.length > 0;
    const carried = this.byCarried.size > 0;
    if (!ranges && !carried) return;
    for (const e of events) {
      if (ranges && !this.rangeChecked.has(e.clientIp)) {
        // A cache, not a record (an address in a range is recorded as a trap): bounded, so that a day
        // of botnet addresses does not accumulate; checking an address again adds nothing twice.
        if (this.rangeChecked.size >= RANGE_CHECK_CACHE) this.rangeChecked.clear();
        this.rangeChecked.add(e.clientIp);
        const ip = parseIp(e.clientIp);
        if (ip)
          for (const r of this.ranges)
            if (r.contains(ip)) this.addTrap('ips', e.clientIp, r.membership, this.trapSets(r.membership.key));
      }
      if (!carried) continue;
      if (e.apiKeyId !== null) this.joinCarried(`k|${e.apiKeyId}`, e);
      if (e.sessionId !== null) this.joinCarried(`s|${e.sessionId}`, e);
    }
  }

  private joinCarried(key: string, e: AccessEvent): void {
    const labels = this.byCarried.get(key);
    if (!labels) return;
    for (const l of labels) {
      if (e.ts < l.startMs || e.ts > l.endMs) continue;
      if ('type' in l) {
        const sets = this.entitiesOf.get(l.key)!;
        if (!sets.ips.has(e.clientIp)) {
          sets.ips.add(e.clientIp);
          push(this.campaigns, `ips|${e.clientIp}`, l);
        }
        if (e.principal !== null && !sets.principals.has(e.principal)) {
          sets.principals.add(e.principal);
          push(this.campaigns, `principals|${e.principal}`, l);
        }
      } else this.addTrap('ips', e.clientIp, l, this.trapSets(l.key));
    }
  }

  campaignsOf(kind: EntityKind, id: string): readonly CampaignSpan[] {
    return this.campaigns.get(`${kind}|${id}`) ?? NONE;
  }

  /** Benign labels of an entity; with `at`, only those holding at that time. */
  trapsOf(kind: EntityKind, id: string, at?: number): readonly TrapMembership[] {
    const all = this.traps.get(`${kind}|${id}`) ?? NO_TRAPS;
    if (at === undefined || all.length === 0) return all;
    return all.every((m) => at >= m.startMs && at <= m.endMs)
      ? all
      : all.filter((m) => at >= m.startMs && at <= m.endMs);
  }

  span(key: string): CampaignSpan | undefined {
    return this.spanByKey.get(key);
  }

  /**
   * What a decision's target is known to be, for reports on decisions (no events needed):
   * `attack:<type>/<style>` when the entity belongs to a campaign (the one whose span is nearest `ts`: a
   * decision may come minutes after the last request), else `benign:<class>` for a benign label holding
   * at `ts` (an address inside a labeled range too), else null. Scopes ip, principal, api_key and
   * session; a subnet, signature or other scope is null.
   */
  labelOfTarget(scope: string, value: unknown, ts: number): string | null {
    if (typeof value !== 'string') return null;
    let spans: readonly CampaignSpan[] = NONE;
    let traps: readonly TrapMembership[] = NO_TRAPS;
    if (scope === 'ip' || scope === 'principal') {
      const kind = scope === 'ip' ? 'ips' : 'principals';
      spans = this.campaignsOf(kind, value);
      traps = this.trapsOf(kind, value, ts);
      if (!traps.length && scope === 'ip' && this.ranges.length) {
        const ip = parseIp(value);
        traps = ip ? this.ranges.filter((r) => r.contains(ip)).map((r) => r.membership) : NO_TRAPS;
        traps = traps.filter((m) => ts >= m.startMs && ts <= m.endMs);
      }
    } else if (scope === 'api_key' || scope === 'session') {
      const set = scope === 'api_key' ? 'apiKeys' : 'sessions';
      spans = this.spans.filter((s) => this.entitiesOf.get(s.key)![set].has(value));
      const benign: TrapMembership[] = [];
      for (const [key, sets] of this.trapEntitiesOf)
        if (sets[set].has(value))
          benign.push({ key, trap: this.trapKeys.get(key)!, startMs: -Infinity, endMs: Infinity });
      for (const l of this.byCarried.get(`${scope === 'api_key' ? 'k' : 's'}|${value}`) ?? [])
        if (!('type' in l) && ts >= l.startMs && ts <= l.endMs) benign.push(l);
      traps = benign;
    }
    if (spans.length) {
      const distance = (s: CampaignSpan) => (ts < s.startMs ? s.startMs - ts : ts > s.endMs ? ts - s.endMs : 0);
      const s = spans.reduce((best, x) => (distance(x) < distance(best) ? x : best));
      return `attack:${s.type}/${s.style}`;
    }
    return traps.length ? `benign:${traps[0]!.trap}` : null;
  }

  /**
   * The campaign or benign label an event belongs to, for judging requests (whole-path evaluation): a
   * campaign when the event is inside its span and comes from one of its addresses (or, for a campaign
   * that lists no address, carries one of its principals, sessions or keys); else a benign label of its
   * address, principal or key; else null.
   */
  groupOfEvent(e: AccessEvent): string | null {
    for (const s of this.campaignsOf('ips', e.clientIp)) if (e.ts >= s.startMs && e.ts <= s.endMs) return s.key;
    if (e.principal !== null) {
      for (const s of this.campaignsOf('principals', e.principal)) {
        if (e.ts >= s.startMs && e.ts <= s.endMs && this.entitiesOf.get(s.key)!.ips.size === 0) return s.key;
      }
    }
    const t =
      this.trapsOf('ips', e.clientIp, e.ts)[0] ??
      (e.principal !== null ? this.trapsOf('principals', e.principal, e.ts)[0] : undefined);
    if (t) return t.key;
    if (e.apiKeyId !== null) {
      for (const l of this.byCarried.get(`k|${e.apiKeyId}`) ?? []) {
        if (!('type' in l) && e.ts >= l.startMs && e.ts <= l.endMs) return l.key;
      }
    }
    return null;
  }

  /**
   * `groupOfEvent`, remembering which of a campaign's entities were seen acting in it and when it was
   * first seen: a held-back window sees only part of a campaign that ran for hours, and its recall is
   * over the entities the window holds (`toLabelsFile({ seenOnly: true })`).
   */
  judge(e: AccessEvent): string | null {
    return this.noteSeen(this.groupOfEvent(e), e);
  }

  /** Records `e` as seen acting in campaign `g` (when `g` is a campaign); returns `g`. */
  noteSeen(g: string | null, e: AccessEvent): string | null {
    if (g === null || !this.spanByKey.has(g)) return g;
    let seen = this.seen.get(g);
    if (!seen) this.seen.set(g, (seen = { ...emptySets(), firstMs: e.ts }));
    if (e.ts < seen.firstMs) seen.firstMs = e.ts;
    seen.ips.add(e.clientIp);
    if (e.principal !== null) seen.principals.add(e.principal);
    if (e.sessionId !== null) seen.sessions.add(e.sessionId);
    if (e.apiKeyId !== null) seen.apiKeys.add(e.apiKeyId);
    return g;
  }

  private readonly seen = new Map<string, EntitySets & { firstMs: number }>();

  /**
   * The labels as a simulator LabelsFile (what the whole-path evaluator reads): every campaign with the
   * entities known so far, every benign label as a trap. Call after the replay, when `observe` has found
   * the addresses behind ranges and keys. `seenOnly`: only campaigns `judge` saw, with only the entities
   * seen acting in them, starting when first seen.
   */
  toLabelsFile(o: { readonly seenOnly?: boolean } = {}): LabelsFile {
    const list = (s: Set<string>) => [...s];
    const spans = o.seenOnly ? this.spans.filter((s) => this.seen.has(s.key)) : this.spans;
    const campaigns = spans.map((s) => {
      const all = this.entitiesOf.get(s.key)!;
      const seen = o.seenOnly ? this.seen.get(s.key)! : null;
      const both = (a: Set<string>, b: Set<string> | undefined) =>
        b === undefined ? a : new Set([...a].filter((x) => b.has(x)));
      const e: EntitySets = {
        ips: both(all.ips, seen?.ips),
        principals: both(all.principals, seen?.principals),
        sessions: both(all.sessions, seen?.sessions),
        apiKeys: both(all.apiKeys, seen?.apiKeys),
      };
      return {
        id: s.key,
        kind: 'attack' as const,
        type: s.type,
        style: s.style,
        parent: null,
        compromised: [],
        startMs: seen ? Math.max(s.startMs, seen.firstMs) : s.startMs,
        endMs: s.endMs,
        requests: 1,
        entities: { ips: list(e.ips), principals: [], sessions: [], devices: [], apiKeys: [] },
        hashed: { principals: list(e.principals), sessions: list(e.sessions), devices: [], apiKeys: list(e.apiKeys) },
        params: {},
      };
    });
    const traps = [...this.trapKeys].map(([key, trap]) => {
      const e = this.trapEntitiesOf.get(key) ?? emptySets();
      return {
        id: key,
        kind: 'trap' as const,
        trap,
        startMs: 0,
        endMs: 0,
        requests: 1,
        entities: { ips: list(e.ips), principals: [], sessions: [], devices: [], apiKeys: [] },
        hashed: { principals: list(e.principals), sessions: [], devices: [], apiKeys: list(e.apiKeys) },
        params: {},
      };
    });
    const startMs = spans.reduce((m, s) => Math.min(m, s.startMs), Infinity);
    const endMs = spans.reduce((m, s) => Math.max(m, s.endMs), -Infinity);
    return {
      version: 1,
      seed: 0,
      startMs: Number.isFinite(startMs) ? startMs : 0,
      endMs: Number.isFinite(endMs) ? endMs : 0,
      hashing: { developmentKey: false, hexChars: 24 },
      campaigns,
      traps,
    };
  }
}

const NONE: readonly CampaignSpan[] = [];
/** Addresses remembered as already checked against the labeled ranges. */
const RANGE_CHECK_CACHE = 100_000;
const NO_TRAPS: readonly TrapMembership[] = [];

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}
