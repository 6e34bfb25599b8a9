/**
 * The labeled simulation: a merge of all actors' requests in event-time order, with the ground truth.
 *
 * Determinism: every draw comes from a stream forked from the seed by a stable label (`visit:17`,
 * `campaign3`), and the merge breaks time ties by insertion order, so the same seed and parameters give
 * the same requests in the same order. Memory: only active actors (an open visit, a running campaign)
 * and each campaign's entity sets are held, so a long run streams in constant memory per active actor.
 */
import { DEVELOPMENT_HASH_KEY, DEFAULT_ROUTE_RULES, DEFAULT_STATIC_EXTENSIONS, RouteClassifier } from '@vigil/events';
import { bankProfile, type BankProfile, type BankProfileId } from './bank/profiles';
import {
  hashEntities,
  LABELS_VERSION,
  type CampaignLabel,
  type CampaignType,
  type LabelEntities,
  type LabelsFile,
  type TrapKind,
  type TrapLabel,
} from './labels';
import { Random } from './random';
import { stepTime, type ActorScript, type ActorStep, type Group } from './scenario/actor';
import { campaignPlanner } from './scenario/attacks';
import { aggregator, apiClients, crawler, monitors, visitArrivals } from './scenario/benign';
import { RunContext } from './scenario/context';
import { CDN_CIDR, NETWORKS, type Network } from './scenario/networks';
import { World } from './scenario/world';
import type { SimRequest } from './sim-request';

export const DEFAULT_START_MS = Date.UTC(2026, 2, 2, 8, 0, 0);

export interface SimulationOptions {
  readonly seed: number;
  readonly minutes: number;
  /** Benign volume multiplier: scale 1 is 10,000 customers and ~120 visits a minute. */
  readonly scale: number;
  /** Event time of the run's start, ms (default 2026-03-02T08:00:00Z). */
  readonly startMs?: number;
  /** Include attack campaigns (default true); false gives benign traffic and traps only. */
  readonly attacks?: boolean;
  /**
   * Campaigns per hour relative to the default (1): a bank with ten times the traffic meets more
   * campaigns, not faster ones (tools' rates do not depend on the target's size).
   */
  readonly attackRate?: number;
  /** HMAC key for the hashed entities in the labels (default: the events' development key). */
  readonly hashKey?: string;
  /** Which bank to play (default `bank`; `northbank`: another API surface, population and habits). */
  readonly profile?: BankProfileId;
  readonly hashHexChars?: number;
}

export interface LabeledRequest {
  readonly request: SimRequest;
  /** Campaign or trap id, or null for plain benign traffic. */
  readonly group: string | null;
  readonly kind: 'attack' | 'trap' | 'benign';
}

export interface RouteEntry {
  readonly method: string;
  readonly template: string;
  readonly name: string;
  readonly service: string;
  /** The class the default route rules give it (libs/events RouteClassifier). */
  readonly routeClass: string;
  /** Requests routed to it in this run. */
  readonly requests: number;
}

export interface RoutesFile {
  readonly version: 1;
  /** True route templates per host, in the templater's slot syntax. */
  readonly hosts: Readonly<Record<string, readonly RouteEntry[]>>;
  /** Requests no route matched (the gateway's own 404s), by path. */
  readonly unrouted: number;
}

export interface SimulationStats {
  readonly requests: number;
  readonly byKind: Readonly<Record<'attack' | 'trap' | 'benign', number>>;
  readonly byCampaignType: Readonly<Partial<Record<CampaignType, number>>>;
  readonly byTrap: Readonly<Partial<Record<TrapKind, number>>>;
  readonly campaigns: number;
  readonly byStatusClass: Readonly<Record<string, number>>;
}

interface HeapEntry {
  ts: number;
  seq: number;
  step: ActorStep;
  actor: ActorScript;
}

export class Simulation {
  readonly startMs: number;
  readonly profile: BankProfile;
  readonly endMs: number;
  private readonly ctx: RunContext;
  private readonly routeCounts = new Map<string, number>();
  private unrouted = 0;
  private emitted = 0;
  private readonly byKind = { attack: 0, trap: 0, benign: 0 };
  private readonly byStatus: Record<string, number> = {};
  private done = false;

  constructor(readonly options: SimulationOptions) {
    if (!(options.minutes > 0)) throw new RangeError('minutes must be > 0');
    if (!(options.scale > 0)) throw new RangeError('scale must be > 0');
    if (options.attackRate !== undefined && !(options.attackRate > 0)) throw new RangeError('attackRate must be > 0');
    this.startMs = options.startMs ?? DEFAULT_START_MS;
    this.endMs = this.startMs + Math.round(options.minutes * 60_000);
    this.profile = bankProfile(options.profile);
    const rng = new Random(options.seed);
    const customers = Math.max(200, Math.round(this.profile.population.customersPerScale * options.scale));
    const world = new World(rng.fork('world'), customers, this.profile);
    this.ctx = new RunContext(world, rng, this.startMs, this.endMs, options.scale, options.attackRate ?? 1);
  }

  /** The requests, in event-time order. Runs once. */
  *requests(): Generator<LabeledRequest> {
    if (this.done) throw new Error('a Simulation runs once; create another for another pass');
    this.done = true;
    const ctx = this.ctx;
    const heap: HeapEntry[] = [];
    let seq = 0;
    const start = (actor: ActorScript, notBefore: number) => {
      const next = actor.next();
      if (next.done) return;
      const ts = stepTime(next.value);
      if (ts < notBefore) throw new Error(`simulator bug: an actor stepped back in time (${ts} < ${notBefore})`);
      heapPush(heap, { ts, seq: seq++, step: next.value, actor });
    };
    start(visitArrivals(ctx, this.profile.population.visitsPerMinutePerScale * this.options.scale), this.startMs);
    start(monitors(ctx), this.startMs);
    start(crawler(ctx), this.startMs);
    start(aggregator(ctx), this.startMs);
    start(apiClients(ctx), this.startMs);
    if (this.options.attacks !== false) start(campaignPlanner(ctx), this.startMs);

    let clock = this.startMs;
    while (heap.length > 0) {
      const e = heapPop(heap)!;
      if (e.ts >= this.endMs) continue; // the run is over for this actor
      clock = e.ts;
      if (e.step.kind === 'spawn') {
        start(e.step.actor, clock);
      } else {
        const r = e.step.request;
        const group: Group | null = e.step.group;
        if (group) group.record(r);
        this.count(r, group);
        yield { request: r, group: group ? group.id : null, kind: group ? group.kind : 'benign' };
      }
      start(e.actor, clock);
    }
  }

  private count(r: SimRequest, group: Group | null): void {
    this.emitted++;
    this.byKind[group ? group.kind : 'benign']++;
    const cls = `${Math.floor(r.status / 100)}xx`;
    this.byStatus[cls] = (this.byStatus[cls] ?? 0) + 1;
    if (r.route) this.routeCounts.set(r.route.name, (this.routeCounts.get(r.route.name) ?? 0) + 1);
    else this.unrouted++;
  }

  /** The ground truth; complete once `requests()` has been drained. */
  labels(): LabelsFile {
    const key = this.options.hashKey ?? DEVELOPMENT_HASH_KEY;
    const hexChars = this.options.hashHexChars ?? 24;
    const campaigns: CampaignLabel[] = [];
    const traps: TrapLabel[] = [];
    for (const g of this.ctx.groups) {
      const entities: LabelEntities = {
        ips: [...g.ips],
        principals: [...g.principals],
        sessions: [...g.sessions],
        devices: [...g.devices],
        apiKeys: [...g.apiKeys],
      };
      const base = {
        id: g.id,
        startMs: g.requests ? g.startMs : this.startMs,
        endMs: g.requests ? g.endMs : this.startMs,
        requests: g.requests,
        entities,
        hashed: hashEntities(entities, key, hexChars),
        params: g.params,
      };
      if (g.kind === 'attack') {
        campaigns.push({
          ...base,
          kind: 'attack',
          type: g.type!,
          style: g.style,
          parent: g.parent,
          compromised: [...g.compromised],
        });
      } else {
        traps.push({ ...base, kind: 'trap', trap: g.trap! });
      }
    }
    return {
      version: LABELS_VERSION,
      seed: this.options.seed,
      startMs: this.startMs,
      endMs: this.endMs,
      hashing: { developmentKey: this.options.hashKey === undefined, hexChars },
      campaigns,
      traps,
    };
  }

  /** True route templates per host, with this run's request counts. */
  routes(): RoutesFile {
    const classifier = new RouteClassifier({
      rules: DEFAULT_ROUTE_RULES,
      staticExtensions: [...DEFAULT_STATIC_EXTENSIONS],
    });
    const hosts: Record<string, RouteEntry[]> = {};
    for (const host of this.profile.surface.hosts) hosts[host] = [];
    for (const e of this.profile.surface.endpoints) {
      const r = e.route;
      hosts[r.host]!.push({
        method: r.method,
        template: r.template,
        name: r.name,
        service: r.service.name,
        routeClass: classifier.classify(r.method, r.template),
        requests: this.routeCounts.get(r.name) ?? 0,
      });
    }
    return { version: 1, hosts, unrouted: this.unrouted };
  }

  stats(): SimulationStats {
    const byCampaignType: Partial<Record<CampaignType, number>> = {};
    const byTrap: Partial<Record<TrapKind, number>> = {};
    let campaigns = 0;
    for (const g of this.ctx.groups) {
      if (g.kind === 'attack') {
        campaigns++;
        byCampaignType[g.type!] = (byCampaignType[g.type!] ?? 0) + g.requests;
      } else byTrap[g.trap!] = (byTrap[g.trap!] ?? 0) + g.requests;
    }
    return {
      requests: this.emitted,
      byKind: { ...this.byKind },
      byCampaignType,
      byTrap,
      campaigns,
      byStatusClass: { ...this.byStatus },
    };
  }

  /** The simulated networks (a stand-in for a GeoIP/ASN database) and the CDN range to trust. */
  static networks(profile?: BankProfileId): {
    readonly networks: readonly Network[];
    readonly trustedProxies: readonly string[];
  } {
    const extra = bankProfile(profile).networks;
    return { networks: extra.length ? [...NETWORKS, ...extra] : NETWORKS, trustedProxies: [CDN_CIDR] };
  }
}

function less(a: HeapEntry, b: HeapEntry): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.seq < b.seq);
}

function heapPush(h: HeapEntry[], e: HeapEntry): void {
  h.push(e);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!less(h[i]!, h[p]!)) break;
    [h[i], h[p]] = [h[p]!, h[i]!];
    i = p;
  }
}

function heapPop(h: HeapEntry[]): HeapEntry | undefined {
  const top = h[0];
  const last = h.pop();
  if (h.length > 0 && last) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l]!, h[m]!)) m = l;
      if (r < h.length && less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
  return top;
}
