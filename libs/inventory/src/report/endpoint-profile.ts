/**
 * What an analyst reads about one endpoint, derived from its stored counters: status mix, quantiles,
 * auth coverage, exposure, sensitive data and flows, parameters with types, query keys.
 */
import type { AuthType, RouteClass, SensitiveKind } from '@vigil/events';
import type { InventoryConfig } from '../config';
import { isSlot } from '../endpoint-key';
import type { Exposure } from '../exposure';
import { generalKind, type QueryValueKind } from '../query-keys';
import { parseBucketField } from '../builder/endpoint-accumulator';
import { quantilesOf, type Quantiles } from '../sketch/quantile-sketch';
import type { EndpointRecord } from '../store/inventory-store';
import { FREE_SLOT } from '../templating/template-resolver';

export const AUTH_COVERAGES = ['consistent', 'partial', 'missing'] as const;
export type AuthCoverage = (typeof AUTH_COVERAGES)[number];

export const SENSITIVE_FLOWS = ['login', 'password-reset', 'mfa', 'payment', 'payee-change', 'profile-change'] as const;
export type SensitiveFlow = (typeof SENSITIVE_FLOWS)[number];

export interface PathParameter {
  readonly name: string;
  readonly slot: string;
  readonly type: 'integer' | 'string';
  readonly format: string | null;
}

export interface QueryKey {
  readonly name: string;
  readonly type: 'integer' | 'number' | 'boolean' | 'string';
  readonly requests: number;
}

export interface EndpointProfile {
  readonly requests: number;
  readonly distinctClients: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly statusCodes: Readonly<Record<string, number>>;
  readonly statusClasses: Readonly<Record<'1xx' | '2xx' | '3xx' | '4xx' | '5xx', number>>;
  readonly probing: {
    readonly share401: number;
    readonly share403: number;
    readonly share404: number;
    readonly share429: number;
  };
  readonly latencyMs: Quantiles | null;
  readonly bytesOut: Quantiles | null;
  readonly routeClass: RouteClass;
  readonly sensitiveFlow: SensitiveFlow | null;
  readonly sensitiveData: Partial<Record<SensitiveKind, number>>;
  readonly parameters: readonly PathParameter[];
  readonly queryKeys: readonly QueryKey[];
  readonly untrackedQueryRequests: number;
  readonly auth: {
    readonly types: Partial<Record<AuthType, number>>;
    readonly servedRequests: number;
    readonly authenticatedShare: number;
    readonly coverage: AuthCoverage;
    readonly expected: boolean;
  };
  readonly exposure: { readonly level: Exposure } & Readonly<Record<Exposure, number>>;
}

const SLOT_SCHEMA: Readonly<Record<string, { type: 'integer' | 'string'; format: string | null }>> = {
  '{id}': { type: 'integer', format: 'int64' },
  '{uuid}': { type: 'string', format: 'uuid' },
  '{hex}': { type: 'string', format: 'hex' },
  '{token}': { type: 'string', format: null },
  '{date}': { type: 'string', format: 'date' },
  '{email}': { type: 'string', format: 'email' },
  [FREE_SLOT]: { type: 'string', format: null },
};

const QUERY_TYPES: Readonly<Record<QueryValueKind, QueryKey['type']>> = {
  int: 'integer',
  num: 'number',
  bool: 'boolean',
  str: 'string',
};

export function profileEndpoint(r: EndpointRecord, config: InventoryConfig): EndpointProfile {
  const c = r.counters;
  const requests = c['n'] ?? 0;
  const statusCodes: Record<string, number> = {};
  const classes = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  const auth: Partial<Record<AuthType, number>> = {};
  const exposure = { public: 0, partner: 0, private: 0 };
  const routeClasses = new Map<string, number>();
  const sensitive: Partial<Record<SensitiveKind, number>> = {};
  const latency: [number, number][] = [];
  const bytes: [number, number][] = [];
  const query = new Map<string, Partial<Record<QueryValueKind, number>>>();
  // Sorted: the profile must not depend on the order counters reached the store (memory or Redis,
  // one thread or several).
  for (const field of Object.keys(c).sort()) {
    const n = c[field]!;
    const colon = field.indexOf(':');
    if (colon < 0) continue;
    const kind = field.slice(0, colon);
    const rest = field.slice(colon + 1);
    switch (kind) {
      case 's': {
        statusCodes[rest] = n;
        const cls = `${rest[0]}xx` as keyof typeof classes;
        if (cls in classes) classes[cls] += n;
        break;
      }
      case 'a':
        auth[rest as AuthType] = n;
        break;
      case 'x':
        exposure[rest as Exposure] = n;
        break;
      case 'rc':
        routeClasses.set(rest, n);
        break;
      case 'k':
        sensitive[rest as SensitiveKind] = n;
        break;
      case 'l':
        latency.push([parseBucketField(rest), n]);
        break;
      case 'b':
        bytes.push([parseBucketField(rest), n]);
        break;
      case 'q': {
        const at = rest.lastIndexOf(':');
        const key = rest.slice(0, at);
        const counts = query.get(key) ?? {};
        counts[rest.slice(at + 1) as QueryValueKind] = n;
        query.set(key, counts);
        break;
      }
    }
  }
  let routeClass: RouteClass = 'other';
  let best = -1;
  for (const [rc, n] of routeClasses)
    if (n > best || (n === best && rc < routeClass)) [routeClass, best] = [rc as RouteClass, n];

  const served = c['sv'] ?? 0;
  const authenticated = requests - (auth.none ?? 0);
  // Coverage is measured on what the endpoint served: an unauthenticated request that got 401 is the
  // auth working, not a gap. With nothing served, every request counts.
  const share = served > 0 ? (c['sa'] ?? 0) / served : requests > 0 ? authenticated / requests : 0;
  const coverage: AuthCoverage =
    share >= config.auth.consistentShare ? 'consistent' : share <= config.auth.missingShare ? 'missing' : 'partial';
  const level: Exposure = exposure.public > 0 ? 'public' : exposure.partner > 0 ? 'partner' : 'private';
  const shareOf = (code: string) => (requests ? (statusCodes[code] ?? 0) / requests : 0);

  return {
    requests,
    distinctClients: r.distinctClients,
    firstSeen: new Date(r.firstSeen).toISOString(),
    lastSeen: new Date(r.lastSeen).toISOString(),
    statusCodes,
    statusClasses: classes,
    probing: { share401: shareOf('401'), share403: shareOf('403'), share404: shareOf('404'), share429: shareOf('429') },
    latencyMs: quantilesOf(latency),
    bytesOut: quantilesOf(bytes),
    routeClass,
    sensitiveFlow: sensitiveFlowOf(routeClass, r.template),
    sensitiveData: sensitive,
    parameters: pathParameters(r.template),
    queryKeys: [...query]
      .map(([name, counts]) => ({
        name,
        type: QUERY_TYPES[generalKind(counts)],
        requests: Object.values(counts).reduce((a, b) => a + (b ?? 0), 0),
      }))
      .sort((a, b) => b.requests - a.requests || (a.name < b.name ? -1 : 1)),
    untrackedQueryRequests: c['qx'] ?? 0,
    auth: {
      types: auth,
      servedRequests: served,
      authenticatedShare: round3(share),
      coverage,
      expected: !config.auth.preAuthClasses.includes(routeClass),
    },
    exposure: { level, ...exposure },
  };
}

export function sensitiveFlowOf(routeClass: RouteClass, template: string): SensitiveFlow | null {
  switch (routeClass) {
    case 'login':
    case 'password-reset':
    case 'mfa':
    case 'payment':
      return routeClass;
    case 'account-change':
      return /payee|beneficiar/i.test(template) ? 'payee-change' : 'profile-change';
    default:
      return null;
  }
}

/** Path slots with types; a name repeated in one template gets a number (`id`, `id2`). */
export function pathParameters(template: string): PathParameter[] {
  const seen = new Map<string, number>();
  const out: PathParameter[] = [];
  for (const seg of template.split('/')) {
    if (!isSlot(seg)) continue;
    const base = seg.slice(1, -1).replace(/[^A-Za-z0-9_]/g, '_') || 'param';
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    const schema = SLOT_SCHEMA[seg] ?? { type: 'string' as const, format: null };
    out.push({ name: n === 1 ? base : `${base}${n}`, slot: seg, ...schema });
  }
  return out;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
