/**
 * The simulated bank's API surface: three hosts, their gateway routes and upstream services, and what a
 * typical response of each endpoint looks like. Route and service ids are fixed (not drawn from the run's
 * seed), so that every run, whatever its seed, describes the same API — the inventory compares runs.
 *
 * Templates use the templater's slot syntax (libs/events/src/normalize/route-templater.ts): `{id}` for
 * numbers (account numbers are masked to `****1234` first, which templates to `{id}` too), `{uuid}`.
 * Web pages avoid the word "login" in their paths: the default route rules would classify a page view
 * as a login attempt.
 */
import type { Random } from '../random';
import { Random as Rng } from '../random';
import type { SimRoute, SimService } from '../sim-request';

export const API_HOST = 'api.bank.example';
export const AUTH_HOST = 'auth.bank.example';
export const WEB_HOST = 'www.bank.example';
export const BANK_HOSTS = [API_HOST, AUTH_HOST, WEB_HOST] as const;

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
}

interface Def {
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

const SERVICES: readonly { name: string; host: string; port: number; path: string }[] = [
  { name: 'auth-service', host: 'auth.core.svc.cluster.local', port: 8080, path: '/' },
  { name: 'accounts-service', host: 'accounts.core.svc.cluster.local', port: 8080, path: '/' },
  { name: 'payments-service', host: 'payments.core.svc.cluster.local', port: 8443, path: '/' },
  { name: 'profile-service', host: 'profile.core.svc.cluster.local', port: 8080, path: '/' },
  { name: 'catalog-service', host: 'catalog.core.svc.cluster.local', port: 8080, path: '/' },
  { name: 'web-frontend', host: 'web-frontend.edge.svc.cluster.local', port: 80, path: '/' },
  { name: 'status-service', host: 'status.core.svc.cluster.local', port: 8080, path: '/' },
];

const DEFS: readonly Def[] = [
  // auth.bank.example
  {
    name: 'auth-login',
    host: AUTH_HOST,
    method: 'POST',
    template: '/auth/login',
    service: 'auth-service',
    resp: 620,
    body: 96,
    latency: 85,
  },
  {
    name: 'auth-mfa-verify',
    host: AUTH_HOST,
    method: 'POST',
    template: '/auth/mfa/verify',
    service: 'auth-service',
    resp: 540,
    body: 64,
    latency: 60,
  },
  {
    name: 'auth-token-refresh',
    host: AUTH_HOST,
    method: 'POST',
    template: '/auth/token/refresh',
    service: 'auth-service',
    auth: 'session',
    resp: 580,
    body: 220,
    latency: 25,
  },
  {
    name: 'auth-logout',
    host: AUTH_HOST,
    method: 'POST',
    template: '/auth/logout',
    service: 'auth-service',
    auth: 'session',
    resp: 40,
    body: 2,
    latency: 15,
  },
  {
    name: 'auth-password-reset',
    host: AUTH_HOST,
    method: 'POST',
    template: '/auth/password-reset',
    service: 'auth-service',
    resp: 90,
    body: 70,
    latency: 120,
  },
  {
    name: 'auth-password-reset-confirm',
    host: AUTH_HOST,
    method: 'POST',
    template: '/auth/password-reset/confirm',
    service: 'auth-service',
    resp: 110,
    body: 180,
    latency: 140,
  },
  {
    name: 'auth-signup',
    host: AUTH_HOST,
    method: 'POST',
    template: '/auth/signup',
    service: 'auth-service',
    resp: 260,
    body: 420,
    latency: 210,
  },
  {
    name: 'auth-health',
    host: AUTH_HOST,
    method: 'GET',
    template: '/health',
    service: 'status-service',
    resp: 48,
    sigma: 0.05,
    latency: 3,
  },
  // api.bank.example
  {
    name: 'accounts-list',
    host: API_HOST,
    method: 'GET',
    template: '/v1/accounts',
    service: 'accounts-service',
    auth: 'session',
    resp: 1800,
    latency: 45,
  },
  {
    name: 'accounts-get',
    host: API_HOST,
    method: 'GET',
    template: '/v1/accounts/{id}',
    service: 'accounts-service',
    auth: 'session',
    resp: 950,
    latency: 35,
  },
  {
    name: 'accounts-balances',
    host: API_HOST,
    method: 'GET',
    template: '/v1/accounts/{id}/balances',
    service: 'accounts-service',
    auth: 'session',
    resp: 420,
    latency: 30,
  },
  {
    name: 'accounts-transactions',
    host: API_HOST,
    method: 'GET',
    template: '/v1/accounts/{id}/transactions',
    service: 'accounts-service',
    auth: 'session',
    resp: 14000,
    sigma: 0.7,
    latency: 120,
  },
  {
    name: 'transactions-get',
    host: API_HOST,
    method: 'GET',
    template: '/v1/transactions/{uuid}',
    service: 'accounts-service',
    auth: 'session',
    resp: 1300,
    latency: 40,
  },
  {
    name: 'accounts-statements',
    host: API_HOST,
    method: 'GET',
    template: '/v1/accounts/{id}/statements',
    service: 'accounts-service',
    auth: 'session',
    resp: 2600,
    latency: 70,
  },
  {
    name: 'statements-download',
    host: API_HOST,
    method: 'GET',
    template: '/v1/statements/{uuid}/download',
    service: 'accounts-service',
    auth: 'session',
    resp: 180000,
    sigma: 0.5,
    latency: 400,
  },
  {
    name: 'cards-list',
    host: API_HOST,
    method: 'GET',
    template: '/v1/cards',
    service: 'accounts-service',
    auth: 'session',
    resp: 1200,
    latency: 40,
  },
  {
    name: 'cards-get',
    host: API_HOST,
    method: 'GET',
    template: '/v1/cards/{id}',
    service: 'accounts-service',
    auth: 'session',
    resp: 700,
    latency: 30,
  },
  {
    name: 'cards-freeze',
    host: API_HOST,
    method: 'POST',
    template: '/v1/cards/{id}/freeze',
    service: 'accounts-service',
    auth: 'session',
    resp: 160,
    body: 30,
    latency: 90,
  },
  {
    name: 'payees-list',
    host: API_HOST,
    method: 'GET',
    template: '/v1/payees',
    service: 'payments-service',
    auth: 'session',
    resp: 2100,
    latency: 50,
  },
  {
    name: 'payees-create',
    host: API_HOST,
    method: 'POST',
    template: '/v1/payees',
    service: 'payments-service',
    auth: 'session',
    resp: 380,
    body: 260,
    latency: 160,
  },
  {
    name: 'payees-delete',
    host: API_HOST,
    method: 'DELETE',
    template: '/v1/payees/{id}',
    service: 'payments-service',
    auth: 'session',
    resp: 30,
    latency: 70,
  },
  {
    name: 'payments-create',
    host: API_HOST,
    method: 'POST',
    template: '/v1/payments',
    service: 'payments-service',
    auth: 'session',
    resp: 520,
    body: 310,
    latency: 260,
  },
  {
    name: 'payments-get',
    host: API_HOST,
    method: 'GET',
    template: '/v1/payments/{uuid}',
    service: 'payments-service',
    auth: 'session',
    resp: 640,
    latency: 40,
  },
  {
    name: 'transfers-create',
    host: API_HOST,
    method: 'POST',
    template: '/v1/transfers',
    service: 'payments-service',
    auth: 'session',
    resp: 480,
    body: 240,
    latency: 240,
  },
  {
    name: 'profile-get',
    host: API_HOST,
    method: 'GET',
    template: '/v1/profile',
    service: 'profile-service',
    auth: 'session',
    resp: 860,
    latency: 30,
  },
  {
    name: 'profile-email-update',
    host: API_HOST,
    method: 'PATCH',
    template: '/v1/profile/email',
    service: 'profile-service',
    auth: 'session',
    resp: 210,
    body: 70,
    latency: 110,
  },
  {
    name: 'profile-address-update',
    host: API_HOST,
    method: 'PUT',
    template: '/v1/profile/address',
    service: 'profile-service',
    auth: 'session',
    resp: 300,
    body: 240,
    latency: 100,
  },
  {
    name: 'notifications-list',
    host: API_HOST,
    method: 'GET',
    template: '/v1/notifications',
    service: 'profile-service',
    auth: 'session',
    resp: 3100,
    latency: 55,
  },
  {
    name: 'products-list',
    host: API_HOST,
    method: 'GET',
    template: '/v1/products',
    service: 'catalog-service',
    resp: 5200,
    latency: 40,
  },
  {
    name: 'products-get',
    host: API_HOST,
    method: 'GET',
    template: '/v1/products/{id}',
    service: 'catalog-service',
    resp: 2300,
    latency: 25,
  },
  {
    name: 'products-rates',
    host: API_HOST,
    method: 'GET',
    template: '/v1/products/{id}/rates',
    service: 'catalog-service',
    resp: 900,
    latency: 25,
  },
  {
    name: 'branches-search',
    host: API_HOST,
    method: 'GET',
    template: '/v1/branches',
    service: 'catalog-service',
    resp: 4200,
    latency: 60,
  },
  {
    name: 'fx-rates',
    host: API_HOST,
    method: 'GET',
    template: '/v1/fx-rates',
    service: 'catalog-service',
    resp: 1500,
    latency: 20,
  },
  {
    name: 'api-health',
    host: API_HOST,
    method: 'GET',
    template: '/health',
    service: 'status-service',
    resp: 48,
    sigma: 0.05,
    latency: 3,
  },
  {
    name: 'api-status',
    host: API_HOST,
    method: 'GET',
    template: '/status',
    service: 'status-service',
    resp: 310,
    sigma: 0.1,
    latency: 6,
  },
  // www.bank.example (web app and its static assets)
  {
    name: 'web-home',
    host: WEB_HOST,
    method: 'GET',
    template: '/',
    service: 'web-frontend',
    resp: 24000,
    sigma: 0.1,
    latency: 12,
  },
  {
    name: 'web-sign-in',
    host: WEB_HOST,
    method: 'GET',
    template: '/app/sign-in',
    service: 'web-frontend',
    resp: 18000,
    sigma: 0.1,
    latency: 10,
  },
  {
    name: 'web-dashboard',
    host: WEB_HOST,
    method: 'GET',
    template: '/app/dashboard',
    service: 'web-frontend',
    resp: 21000,
    sigma: 0.1,
    latency: 11,
  },
  {
    name: 'web-products',
    host: WEB_HOST,
    method: 'GET',
    template: '/products',
    service: 'web-frontend',
    resp: 36000,
    sigma: 0.2,
    latency: 14,
  },
  {
    name: 'static-app-js',
    host: WEB_HOST,
    method: 'GET',
    template: '/assets/js/app.4f9c2d1e.js',
    service: 'web-frontend',
    resp: 412000,
    sigma: 0.01,
    latency: 4,
  },
  {
    name: 'static-vendor-js',
    host: WEB_HOST,
    method: 'GET',
    template: '/assets/js/vendor.8b1a7c3d.js',
    service: 'web-frontend',
    resp: 688000,
    sigma: 0.01,
    latency: 5,
  },
  {
    name: 'static-main-css',
    host: WEB_HOST,
    method: 'GET',
    template: '/assets/css/main.2e6f0a9b.css',
    service: 'web-frontend',
    resp: 96000,
    sigma: 0.01,
    latency: 3,
  },
  {
    name: 'static-logo',
    host: WEB_HOST,
    method: 'GET',
    template: '/assets/img/logo.svg',
    service: 'web-frontend',
    resp: 7400,
    sigma: 0.01,
    latency: 2,
  },
  {
    name: 'static-favicon',
    host: WEB_HOST,
    method: 'GET',
    template: '/favicon.ico',
    service: 'web-frontend',
    resp: 15000,
    sigma: 0.01,
    latency: 2,
  },
  {
    name: 'static-robots',
    host: WEB_HOST,
    method: 'GET',
    template: '/robots.txt',
    service: 'web-frontend',
    resp: 120,
    sigma: 0.01,
    latency: 2,
  },
  {
    name: 'web-sitemap',
    host: WEB_HOST,
    method: 'GET',
    template: '/sitemap.xml',
    service: 'web-frontend',
    resp: 8800,
    sigma: 0.01,
    latency: 3,
  },
];

function buildSurface(): { services: Map<string, SimService>; endpoints: Map<string, EndpointSpec> } {
  // A fixed stream: ids are part of the simulated gateway's config, not of a run.
  const rng = new Rng('vigil-simulated-bank-api-v1');
  const services = new Map<string, SimService>();
  for (const s of SERVICES) {
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
  for (const d of DEFS) {
    const service = services.get(d.service)!;
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
    });
  }
  return { services, endpoints };
}

/** Kong route paths: a plain prefix, or a `~` regex when the template has slots. */
function gatewayPathOf(template: string): string {
  if (!template.includes('{')) return template;
  return `~${template.replace(/\{id\}/g, '(?<id>[^/]+)').replace(/\{uuid\}/g, '(?<uuid>[0-9a-f-]{36})')}$`;
}

const SURFACE = buildSurface();

/** All endpoints, in definition order. */
export const ENDPOINTS: readonly EndpointSpec[] = [...SURFACE.endpoints.values()];

/** An endpoint by route name; throws on a typo (a bug, not input). */
export function endpoint(name: string): EndpointSpec {
  const e = SURFACE.endpoints.get(name);
  if (!e) throw new Error(`no simulated endpoint named ${name}`);
  return e;
}

/** The static assets a browser fetches with a page. */
export const STATIC_ASSETS: readonly EndpointSpec[] = ENDPOINTS.filter((e) => e.route.name.startsWith('static-'));

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

/** The product catalog: ids from CATALOG_FIRST_ID to CATALOG_LAST_ID, minus retired ones (404). */
export const CATALOG_FIRST_ID = 1000;
export const CATALOG_LAST_ID = 1400;

export function productExists(id: number): boolean {
  return id >= CATALOG_FIRST_ID && id <= CATALOG_LAST_ID && id % 7 !== 3;
}

/** A product id that exists. */
export function existingProduct(rng: Random): number {
  for (;;) {
    const id = rng.int(CATALOG_FIRST_ID, CATALOG_LAST_ID);
    if (productExists(id)) return id;
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
