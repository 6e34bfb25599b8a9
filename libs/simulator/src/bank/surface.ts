/**
 * What a bank's API surface is made of — hosts, gateway routes, upstream services, typical responses —
 * and how one is built from its tables. `api-surface.ts` holds the default bank's tables,
 * `northbank-surface.ts` the second profile's; actors call endpoints by logical name (`auth-login`), so
 * the same visit or campaign script runs against either.
 *
 * Templates use the templater's slot syntax (libs/events/src/normalize/route-templater.ts): `{id}` for
 * numbers (account numbers are masked to `****1234` first, which templates to `{id}` too), `{uuid}`.
 */
import type { Random } from '../random';
import { Random as Rng } from '../random';
import type { SimRoute, SimService } from '../sim-request';

/** How callers authenticate to an endpoint. */
export type EndpointAuth = 'none' | 'session';

export interface EndpointSpec {
  readonly route: SimRoute;
  readonly auth: EndpointAuth;
  /** Median response body bytes and log-normal shape. */
  readonly respMedian: number;
  readonly respSigma: number;
  /** Request body bytes (0 for GET). */
  readonly reqBody: number;
  /** Median upstream latency, ms. */
  readonly latencyMedian: number;
  /** A web page or asset (on the web host): browsers ask for HTML there, JSON elsewhere. */
  readonly page: boolean;
}

/** One endpoint of a bank's API as written in a surface table (sizes and latency medians). */
export interface EndpointDef {
  readonly name: string;
  readonly host: string;
  readonly method: string;
  readonly template: string;
  readonly service: string;
  readonly auth?: EndpointAuth;
  readonly resp: number;
  readonly sigma?: number;
  readonly body?: number;
  readonly latency: number;
}

export interface ServiceDef {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

/** The product catalog: ids from `first` to `last`, minus retired ones (404). */
export interface Catalog {
  readonly first: number;
  readonly last: number;
  exists(id: number): boolean;
}

/**
 * A bank's API surface: its hosts, routes and services, by the logical names actors call (`auth-login`,
 * `accounts-list`, …), so that one script of a visit or a campaign runs against any bank's surface.
 */
export interface ApiSurface {
  readonly hosts: readonly string[];
  /** The host of the web pages (the Referer of a page's assets). */
  readonly webHost: string;
  /** The identity provider named as the issuer of bearer tokens. */
  readonly issuer: string;
  readonly endpoints: readonly EndpointSpec[];
  readonly staticAssets: readonly EndpointSpec[];
  readonly catalog: Catalog;
  /** An endpoint by name; throws on a typo (a bug, not input). */
  endpoint(name: string): EndpointSpec;
}

/** A surface from its tables; ids are drawn from a fixed stream named `idStream` (the gateway's config). */
export function buildSurface(o: {
  readonly idStream: string;
  readonly hosts: readonly string[];
  readonly webHost: string;
  readonly issuer: string;
  readonly services: readonly ServiceDef[];
  readonly defs: readonly EndpointDef[];
  readonly catalog: Catalog;
}): ApiSurface {
  // A fixed stream: ids are part of the simulated gateway's config, not of a run.
  const rng = new Rng(o.idStream);
  const services = new Map<string, SimService>();
  for (const s of o.services) {
    const ips = [0, 1, 2].map(() => `10.42.${rng.int(0, 15)}.${rng.int(2, 250)}`);
    services.set(s.name, {
      id: rng.uuid(),
      name: s.name,
      host: s.host,
      port: s.port,
      protocol: s.port === 8443 ? 'https' : 'http',
      path: s.path,
      upstreamIps: ips,
    });
  }
  const endpoints = new Map<string, EndpointSpec>();
  for (const d of o.defs) {
    const service = services.get(d.service);
    if (!service) throw new Error(`surface ${o.idStream}: ${d.name} names no service ${d.service}`);
    endpoints.set(d.name, {
      route: {
        id: rng.uuid(),
        name: d.name,
        host: d.host,
        method: d.method,
        template: d.template,
        gatewayPaths: [gatewayPathOf(d.template)],
        service,
        stripPath: false,
      },
      auth: d.auth ?? 'none',
      respMedian: d.resp,
      respSigma: d.sigma ?? 0.35,
      reqBody: d.body ?? 0,
      latencyMedian: d.latency,
      page: d.host === o.webHost,
    });
  }
  const list = [...endpoints.values()];
  return {
    hosts: o.hosts,
    webHost: o.webHost,
    issuer: o.issuer,
    endpoints: list,
    staticAssets: list.filter((e) => e.route.name.startsWith('static-')),
    catalog: o.catalog,
    endpoint(name) {
      const e = endpoints.get(name);
      if (!e) throw new Error(`no simulated endpoint named ${name} on ${o.idStream}`);
      return e;
    },
  };
}

/** Kong route paths: a plain prefix, or a `~` regex when the template has slots. */
function gatewayPathOf(template: string): string {
  if (!template.includes('{')) return template;
  return `~${template.replace(/\{id\}/g, '(?<id>[^/]+)').replace(/\{uuid\}/g, '(?<uuid>[0-9a-f-]{36})')}$`;
}

/**
 * A concrete path for a template: `{id}` slots filled from `ids` in order (drawn when missing), `{uuid}`
 * slots drawn.
 */
export function fillTemplate(template: string, rng: Random, ids: readonly (string | number)[] = []): string {
  if (!template.includes('{')) return template;
  let i = 0;
  return template.replace(/\{(id|uuid)\}/g, (_m, kind: string) => {
    if (kind === 'uuid') return rng.uuid();
    const v = ids[i++];
    return v !== undefined ? String(v) : String(rng.int(1000, 999999));
  });
}

/** A product id that exists in `catalog`. */
export function existingProduct(rng: Random, catalog: Catalog): number {
  for (;;) {
    const id = rng.int(catalog.first, catalog.last);
    if (catalog.exists(id)) return id;
  }
}

/** A response size for one request to `e` with status `status`. */
export function responseBytes(e: EndpointSpec, status: number, rng: Random): number {
  const headers = 290 + rng.int(0, 60);
  if (status === 304) return headers;
  if (status >= 400) return headers + (status === 404 ? 92 : status === 429 ? 64 : 118) + rng.int(0, 20);
  return headers + Math.max(2, Math.round(rng.logNormal(e.respMedian, e.respSigma)));
}

/** Upstream latency for one request, ms (log-normal around the endpoint's median). */
export function upstreamLatency(e: EndpointSpec, rng: Random): number {
  return Math.max(1, Math.round(rng.logNormal(e.latencyMedian, 0.45)));
}
