/**
 * AccessEvents → an InventoryDelta per batch, in memory bounded by configuration:
 *
 * - an endpoint (host + method + template) is admitted on its first answer that proves a route exists
 *   (any status but 404/405/501) and while its host has fewer than `templates.maxPerHost` endpoints;
 * - everything else goes to the host's overflow bucket with its reason (`notFound`: never answered by a
 *   route, typically a scanner; `cap`: the host is full), counted and sampled, never named one by one;
 * - hosts beyond `templates.maxHosts` go to the overflow bucket of host `*`.
 *
 * Hot path: per event a few Map lookups on strings the event already has, no awaits, no I/O.
 */
import type { AccessEvent } from '@vigil/events';
import type { InventoryConfig } from '../config';
import {
  admissionStatus,
  endpointKey,
  OTHER_HOSTS,
  OVERFLOW_METHOD,
  OVERFLOW_TEMPLATE,
  parseEndpointKey,
  routeExists,
} from '../endpoint-key';
import { ExposureClassifier } from '../exposure';
import type {
  EndpointDelta,
  EndpointMerge,
  InventoryDelta,
  InventorySnapshot,
  OverflowDelta,
} from '../store/inventory-store';
import { TemplateResolver, type Promotion } from '../templating/template-resolver';
import { EndpointAccumulator } from './endpoint-accumulator';

export { OTHER_HOSTS };

export interface InventoryBuilderOptions {
  readonly config: InventoryConfig;
  /** The source's `routes.pinnedTemplates` (the same list its RouteTemplater was built with). */
  readonly pinnedTemplates?: readonly string[];
  /** Documented path templates per host (`*`: any host), from the loaded OpenAPI specs. */
  readonly documented?: ReadonlyMap<string, readonly string[]>;
}

interface AdmittedEndpoint {
  readonly queryKeys: Set<string>;
}

interface HostState {
  readonly admitted: Map<string, AdmittedEndpoint>;
  readonly samples: Set<string>;
  /** This batch: method → template → accumulator. */
  batch: Map<string, Map<string, EndpointAccumulator>>;
  overflow: EndpointAccumulator | null;
  overflowTemplates: Set<string> | null;
  newSamples: string[] | null;
}

export interface BuilderStats {
  readonly hosts: number;
  readonly endpoints: number;
  readonly overflowRequests: number;
  readonly promotions: number;
  readonly evidenceDropped: number;
}

export class InventoryBuilder {
  private readonly resolver: TemplateResolver;
  private readonly exposure: ExposureClassifier;
  private readonly hosts = new Map<string, HostState>();
  private readonly touched = new Set<HostState>();
  private merges: EndpointMerge[] = [];
  private readonly maxPerHost: number;
  private readonly maxQueryKeys: number;
  private overflowRequests = 0;
  private promotionCount = 0;

  constructor(private readonly options: InventoryBuilderOptions) {
    const t = options.config.templates;
    this.maxPerHost = t.maxPerHost;
    this.maxQueryKeys = t.maxQueryKeys;
    this.resolver = new TemplateResolver({
      pinnedTemplates: options.pinnedTemplates ?? [],
      literalSegments: t.literalSegments,
      freeSlotMinValues: t.freeSlotMinValues,
      maxEvidencePerHost: t.maxPerHost * 8,
      documented: options.documented,
    });
    this.exposure = new ExposureClassifier(options.config.exposure);
  }

  get templateResolver(): TemplateResolver {
    return this.resolver;
  }

  /** Continues from a store's state (a restarted service): known endpoints count toward the cap. */
  restore(snapshot: InventorySnapshot): void {
    this.resolver.restore(snapshot.promotions);
    for (const r of snapshot.endpoints) {
      const h = this.host(r.host);
      if (!h) continue;
      const queryKeys = new Set<string>();
      for (const field of Object.keys(r.counters)) {
        if (field.startsWith('q:')) queryKeys.add(field.slice(2, field.lastIndexOf(':')));
      }
      h.admitted.set(endpointKey(r.method, r.template), { queryKeys });
    }
    for (const o of snapshot.overflow) {
      const h = this.host(o.host);
      if (h) for (const s of o.samples) h.samples.add(s);
    }
  }

  add(events: readonly AccessEvent[]): void {
    for (let i = 0; i < events.length; i++) this.addOne(events[i]!);
  }

  addOne(e: AccessEvent): void {
    this.route(e.host, e.method, e.routeTemplate, admissionStatus(e)).add(
      e,
      this.exposure.classify(e.clientIp),
      this.maxQueryKeys,
    );
  }

  /**
   * Endpoint identity, in input order: the accumulator of this batch that a request's figures go to
   * (its endpoint's, or its host's overflow bucket). Everything order-dependent (admission, the cap,
   * free-slot promotions, overflow samples) happens here and only needs these four fields, so the
   * parallel path runs exactly this on the main thread and adds the figures on the decode workers.
   */
  route(host: string, method: string, routeTemplate: string, status: number): EndpointAccumulator {
    const h = this.host(host);
    if (h === null) return this.toOverflow(this.host(OTHER_HOSTS)!, OTHER_HOSTS, method, `${host}${routeTemplate}`);
    const template = this.resolver.resolve(host, routeTemplate);
    return h.batch.get(method)?.get(template) ?? this.admit(h, host, method, routeTemplate, status, template);
  }

  /** Everything added since the last drain, as one delta for the store. */
  drain(): InventoryDelta {
    const endpoints: EndpointDelta[] = [];
    const overflow: OverflowDelta[] = [];
    for (const [name, h] of this.hosts) {
      if (!this.touched.has(h)) continue;
      for (const byTemplate of h.batch.values()) {
        for (const acc of byTemplate.values()) endpoints.push(toDelta(acc));
      }
      if (h.overflow) {
        endpoints.push(toDelta(h.overflow));
        overflow.push({ host: name, templates: [...(h.overflowTemplates ?? [])], samples: h.newSamples ?? [] });
      }
      h.batch = new Map();
      h.overflow = null;
      h.overflowTemplates = null;
      h.newSamples = null;
    }
    this.touched.clear();
    const merges = this.merges;
    this.merges = [];
    return { endpoints, overflow, merges };
  }

  stats(): BuilderStats {
    let endpoints = 0;
    let evidenceDropped = 0;
    for (const [name, h] of this.hosts) {
      endpoints += h.admitted.size;
      evidenceDropped += this.resolver.evidenceDropped(name);
    }
    return {
      hosts: this.hosts.size,
      endpoints,
      overflowRequests: this.overflowRequests,
      promotions: this.promotionCount,
      evidenceDropped,
    };
  }

  /** First event of (method, template) in this batch: admit the endpoint, or send the event to overflow. */
  private admit(
    h: HostState,
    host: string,
    method: string,
    routeTemplate: string,
    status: number,
    template: string,
  ): EndpointAccumulator {
    let key = endpointKey(method, template);
    let state = h.admitted.get(key);
    if (!state) {
      // The reason (notFound / cap) is counted by the overflow accumulator from the same two facts.
      if (!routeExists(status) || h.admitted.size >= this.maxPerHost) return this.toOverflow(h, host, method, template);
      const promotion = template === routeTemplate ? this.resolver.observe(host, template) : null;
      if (promotion) {
        this.promote(h, promotion);
        template = this.resolver.resolve(host, routeTemplate);
        key = endpointKey(method, template);
        const existing = h.batch.get(method)?.get(template);
        if (existing) return existing;
      }
      state = h.admitted.get(key);
      if (!state) h.admitted.set(key, (state = { queryKeys: new Set() }));
    }
    let byTemplate = h.batch.get(method);
    if (!byTemplate) h.batch.set(method, (byTemplate = new Map()));
    const acc = new EndpointAccumulator(host, method, template, state.queryKeys);
    byTemplate.set(template, acc);
    this.touched.add(h);
    return acc;
  }

  /** Folds the admitted endpoints the promotion covers into the promoted template, method by method. */
  private promote(h: HostState, promotion: Promotion): void {
    this.promotionCount++;
    const from: string[] = [];
    for (const [key, state] of h.admitted) {
      const { method, template } = parseEndpointKey(key);
      // Only what now resolves to the promoted template: a documented or pinned `/v1/accounts` keeps
      // its own endpoint when `/v1/{str}` is promoted beside it (its later requests stay there too).
      if (template === promotion.template || this.resolver.isFixed(promotion.host, template)) continue;
      if (!this.resolver.matchesPromotion(promotion, template)) continue;
      from.push(key);
      h.admitted.delete(key);
      const target = endpointKey(method, promotion.template);
      const existing = h.admitted.get(target);
      if (existing) for (const q of state.queryKeys) existing.queryKeys.add(q);
      else h.admitted.set(target, { queryKeys: new Set(state.queryKeys) });
    }
    this.merges.push({ promotion, from });
  }

  private toOverflow(h: HostState, hostName: string, method: string, template: string): EndpointAccumulator {
    this.overflowRequests++;
    const acc = (h.overflow ??= new EndpointAccumulator(hostName, OVERFLOW_METHOD, OVERFLOW_TEMPLATE, null));
    const sample = `${method} ${template}`;
    (h.overflowTemplates ??= new Set()).add(sample);
    if (h.samples.size < this.options.config.templates.overflowSamples && !h.samples.has(sample)) {
      h.samples.add(sample);
      (h.newSamples ??= []).push(sample);
    }
    this.touched.add(h);
    return acc;
  }

  private host(name: string): HostState | null {
    let h = this.hosts.get(name);
    if (h) return h;
    if (name !== OTHER_HOSTS && this.hosts.size >= this.options.config.templates.maxHosts) return null;
    h = {
      admitted: new Map(),
      samples: new Set(),
      batch: new Map(),
      overflow: null,
      overflowTemplates: null,
      newSamples: null,
    };
    this.hosts.set(name, h);
    return h;
  }
}

export function toDelta(acc: EndpointAccumulator): EndpointDelta {
  return {
    host: acc.host,
    method: acc.method,
    template: acc.template,
    counters: acc.toCounters(),
    clients: [...acc.clients],
    firstSeen: acc.firstSeen,
    lastSeen: acc.lastSeen,
  };
}
