/**
 * THE feature registry: every feature a detector can read, with its entity, window and definition.
 * Models record FEATURE_REGISTRY_VERSION (and the fingerprint) they were trained with; changing a
 * definition, a window or the order of features bumps the version.
 */
import { createHash } from 'node:crypto';
import type { CounterName } from './counters';
import { ENTITY_TYPES, type EntityType } from './entities';
import { LAYOUTS, type DimensionName, type MemoryKind } from './layout';
import { RINGS, type RingName } from './windows';

// simple-statistics ships ESM typings but a CommonJS `require` build; this package compiles to CommonJS.
type SimpleStatistics = typeof import('simple-statistics', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { median, medianAbsoluteDeviation } = require('simple-statistics') as SimpleStatistics;

/** v2: malformed requests (ip, subnet, asn, country). */
export const FEATURE_REGISTRY_VERSION = 2;

export type FeatureWindow = '1m' | '10m' | '1h' | '24h' | '30d' | 'state' | 'baseline';

/** What a feature definition may read. */
export interface FeatureInputs {
  readonly watermark: number;
  sum(ring: RingName, counter: CounterName): number;
  /** Per-bucket values oldest → newest, ending with the bucket of the watermark. */
  series(ring: RingName, counter: CounterName): number[];
  distinct(dim: DimensionName): number;
  /** Members seen within `spanMs` of the watermark; without a span, all members within the memory's TTL. */
  remembered(kind: MemoryKind, spanMs?: number): number;
  readonly consecutiveFailures: number;
  readonly failuresBeforeLastSuccess: number;
  readonly lastSuccessTs: number;
}

export interface FeatureDefinition {
  readonly name: string;
  readonly entity: EntityType;
  readonly window: FeatureWindow;
  readonly description: string;
  readonly value: (v: FeatureInputs) => number;
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

/** Coefficient of variation of inter-arrival gaps; -1 with fewer than 3 gaps (unknown, not "regular"). */
function gapCv(v: FeatureInputs, ring: RingName): number {
  const n = v.sum(ring, 'gapCount');
  if (n < 3) return -1;
  const mean = v.sum(ring, 'gapSumMs') / n;
  if (mean <= 0) return 0;
  const variance = Math.max(v.sum(ring, 'gapSumSqMs') / n - mean * mean, 0);
  return Math.sqrt(variance) / mean;
}

const BASELINE_MIN_MINUTES = 10;
const EWMA_ALPHA = 0.1;

/** The last complete minute against the 59 before it: [value, history]. */
function baselineSplit(v: FeatureInputs, counter: CounterName): [number, number[]] {
  const s = v.series('baseline', counter);
  // s ends with the current, partial minute; the last complete one is before it.
  return [s[s.length - 2] ?? 0, s.slice(0, -2)];
}

/** Robust z-score (median / MAD, simple-statistics), 0 until ten minutes of history exist. */
export function robustZ(value: number, history: readonly number[]): number {
  const seen = trimLeadingZeros(history);
  if (seen.length < BASELINE_MIN_MINUTES) return 0;
  const m = median(seen);
  let scale = 1.4826 * medianAbsoluteDeviation(seen);
  if (scale === 0) scale = 1.2533 * (seen.reduce((a, x) => a + Math.abs(x - m), 0) / seen.length);
  if (scale === 0) scale = 1;
  return Math.max(-100, Math.min(100, (value - m) / scale));
}

export function ewma(history: readonly number[], alpha = EWMA_ALPHA): number {
  const seen = trimLeadingZeros(history);
  if (seen.length === 0) return 0;
  let e = seen[0]!;
  for (let i = 1; i < seen.length; i++) e = alpha * seen[i]! + (1 - alpha) * e;
  return e;
}

/** Minutes before the flow's first activity are not history, they are the start of the stream. */
function trimLeadingZeros(xs: readonly number[]): number[] {
  let i = 0;
  while (i < xs.length && xs[i] === 0) i++;
  return xs.slice(i);
}

type Def = Omit<FeatureDefinition, 'entity'>;
const f = (name: string, window: FeatureWindow, description: string, value: (v: FeatureInputs) => number): Def => ({
  name,
  window,
  description,
  value,
});

const networkFeatures = (what: string): Def[] => [
  f('requests1m', '1m', `requests from this ${what}`, (v) => v.sum('1m', 'requests')),
  f('requests10m', '10m', `requests from this ${what}`, (v) => v.sum('10m', 'requests')),
  f('loginAttempts10m', '10m', `login calls from this ${what}`, (v) => v.sum('10m', 'logins')),
  f('loginFailures10m', '10m', `failed logins (4xx) from this ${what}`, (v) => v.sum('10m', 'loginFailures')),
  f('loginFailures1h', '1h', `failed logins from this ${what}`, (v) => v.sum('1h', 'loginFailures')),
  f('failedLoginRatio10m', '10m', 'failed / all login calls', (v) =>
    ratio(v.sum('10m', 'loginFailures'), v.sum('10m', 'logins')),
  ),
  f('distinctIps10m', '10m', 'distinct client IPs (HyperLogLog, last 5–10 min)', (v) => v.distinct('ips')),
  f('distinctPrincipals10m', '10m', 'distinct principals tried at login (HyperLogLog)', (v) =>
    v.distinct('principals'),
  ),
  f(
    'neverSucceededPrincipalShare10m',
    '10m',
    'share of failed logins whose principal had never logged in successfully',
    (v) => ratio(v.sum('10m', 'unknownPrincipalLoginFailures'), v.sum('10m', 'loginFailures')),
  ),
  f('clientErrorRatio10m', '10m', '4xx / all requests', (v) =>
    ratio(v.sum('10m', 'clientErrors'), v.sum('10m', 'requests')),
  ),
  f('malformedRequests10m', '10m', `requests from this ${what} whose request line was not valid HTTP`, (v) =>
    v.sum('10m', 'malformedRequests'),
  ),
];

const DEFINITIONS: Readonly<Record<EntityType, readonly Def[]>> = {
  ip: [
    f('requests1m', '1m', 'requests from this IP', (v) => v.sum('1m', 'requests')),
    f('requests10m', '10m', 'requests from this IP', (v) => v.sum('10m', 'requests')),
    f('requests1h', '1h', 'requests from this IP', (v) => v.sum('1h', 'requests')),
    f('loginAttempts1m', '1m', 'login calls', (v) => v.sum('1m', 'logins')),
    f('loginAttempts10m', '10m', 'login calls', (v) => v.sum('10m', 'logins')),
    f('loginFailures1m', '1m', 'failed logins (4xx)', (v) => v.sum('1m', 'loginFailures')),
    f('loginFailures10m', '10m', 'failed logins (4xx)', (v) => v.sum('10m', 'loginFailures')),
    f('loginFailures1h', '1h', 'failed logins (4xx)', (v) => v.sum('1h', 'loginFailures')),
    f('loginSuccesses1h', '1h', 'successful logins', (v) => v.sum('1h', 'loginSuccesses')),
    f('failedLoginRatio10m', '10m', 'failed / all login calls', (v) =>
      ratio(v.sum('10m', 'loginFailures'), v.sum('10m', 'logins')),
    ),
    f('distinctPrincipals10m', '10m', 'distinct principals tried at login (HyperLogLog, last 5–10 min)', (v) =>
      v.distinct('principals'),
    ),
    f(
      'neverSucceededPrincipalShare10m',
      '10m',
      'share of failed logins whose principal had never logged in successfully before',
      (v) => ratio(v.sum('10m', 'unknownPrincipalLoginFailures'), v.sum('10m', 'loginFailures')),
    ),
    f('distinctUserAgents10m', '10m', 'distinct user agents (HyperLogLog)', (v) => v.distinct('userAgents')),
    f(
      'loginsWithoutPriorRequest10m',
      '10m',
      'login calls with no non-login request from this IP in the hour before',
      (v) => v.sum('10m', 'loginsWithoutPriorRequest'),
    ),
    f('loginsWithoutPriorRequestShare10m', '10m', 'share of login calls without a prior request', (v) =>
      ratio(v.sum('10m', 'loginsWithoutPriorRequest'), v.sum('10m', 'logins')),
    ),
    f('distinctRoutes10m', '10m', 'distinct route templates (HyperLogLog)', (v) => v.distinct('routes')),
    f('distinctResources10m', '10m', 'distinct masked paths (HyperLogLog)', (v) => v.distinct('resources')),
    f('sequentialIdRatio10m', '10m', 'share of id-addressed requests stepping ±1–2 from the previous id', (v) =>
      ratio(v.sum('10m', 'sequentialIdRequests'), v.sum('10m', 'numericIdRequests')),
    ),
    f('status403Ratio10m', '10m', '403 / all requests', (v) =>
      ratio(v.sum('10m', 'status403'), v.sum('10m', 'requests')),
    ),
    f('status404Ratio10m', '10m', '404 / all requests', (v) =>
      ratio(v.sum('10m', 'status404'), v.sum('10m', 'requests')),
    ),
    f('clientErrorRatio10m', '10m', '4xx / all requests', (v) =>
      ratio(v.sum('10m', 'clientErrors'), v.sum('10m', 'requests')),
    ),
    f('staticAssetRatio10m', '10m', 'static asset requests / all requests', (v) =>
      ratio(v.sum('10m', 'staticRequests'), v.sum('10m', 'requests')),
    ),
    f('bytesOut10m', '10m', 'response bytes', (v) => v.sum('10m', 'bytesOut')),
    f('bytesOut1h', '1h', 'response bytes', (v) => v.sum('1h', 'bytesOut')),
    f('meanInterArrivalMs10m', '10m', 'mean gap between requests (gaps capped at 60 s); -1 without gaps', (v) => {
      const n = v.sum('10m', 'gapCount');
      return n > 0 ? v.sum('10m', 'gapSumMs') / n : -1;
    }),
    f('interArrivalCv10m', '10m', 'coefficient of variation of gaps (low = machine-regular); -1 under 3 gaps', (v) =>
      gapCv(v, '10m'),
    ),
    f(
      'malformedRequests10m',
      '10m',
      'requests whose request line was not valid HTTP (TLS to a plain port, "-", scanner probes)',
      (v) => v.sum('10m', 'malformedRequests'),
    ),
    f('malformedRatio10m', '10m', 'malformed / all requests', (v) =>
      ratio(v.sum('10m', 'malformedRequests'), v.sum('10m', 'requests')),
    ),
  ],
  subnet: networkFeatures('subnet (/24, /64)'),
  asn: networkFeatures('ASN'),
  country: networkFeatures('country'),
  principal: [
    f('requests10m', '10m', 'requests acting for this account', (v) => v.sum('10m', 'requests')),
    f('loginAttempts10m', '10m', 'login calls for this account', (v) => v.sum('10m', 'logins')),
    f('loginFailures10m', '10m', 'failed logins', (v) => v.sum('10m', 'loginFailures')),
    f('loginFailures1h', '1h', 'failed logins', (v) => v.sum('1h', 'loginFailures')),
    f('loginSuccesses1h', '1h', 'successful logins', (v) => v.sum('1h', 'loginSuccesses')),
    f('failedLoginRatio10m', '10m', 'failed / all login calls', (v) =>
      ratio(v.sum('10m', 'loginFailures'), v.sum('10m', 'logins')),
    ),
    f('consecutiveFailures', 'state', 'failed logins since the last success', (v) => v.consecutiveFailures),
    f(
      'failuresBeforeLastSuccess',
      'state',
      'failed logins right before the last successful one',
      (v) => v.failuresBeforeLastSuccess,
    ),
    f('minutesSinceLastSuccess', 'state', 'minutes since the last successful login; -1 if none', (v) =>
      v.lastSuccessTs < 0 ? -1 : Math.floor((v.watermark - v.lastSuccessTs) / 60_000),
    ),
    f('newDevice1h', '1h', 'devices first seen for this account (30-day memory)', (v) => v.sum('1h', 'newDevice')),
    f('newAsn1h', '1h', 'ASNs first seen for this account', (v) => v.sum('1h', 'newAsn')),
    f('newCountry1h', '1h', 'countries first seen for this account', (v) => v.sum('1h', 'newCountry')),
    f('newUserAgent1h', '1h', 'user agents first seen for this account', (v) => v.sum('1h', 'newUserAgent')),
    f('newDevice10m', '10m', 'devices first seen for this account', (v) => v.sum('10m', 'newDevice')),
    f('knownDevices30d', '30d', 'devices remembered for this account (capped at 32)', (v) => v.remembered('devices')),
    f('knownAsns30d', '30d', 'ASNs remembered for this account', (v) => v.remembered('asns')),
    f('distinctIps10m', '10m', 'distinct IPs acting for this account (HyperLogLog)', (v) => v.distinct('ips')),
    f('distinctIps24h', '24h', 'distinct IPs in the last 24 h (capped at 64)', (v) => v.remembered('ips', 86_400_000)),
    f('distinctCountries24h', '24h', 'distinct countries in the last 24 h', (v) =>
      v.remembered('countries', 86_400_000),
    ),
    f('sensitiveActions10m', '10m', 'payments, payee/profile changes, password resets', (v) =>
      v.sum('10m', 'sensitiveActions'),
    ),
    f('sensitiveAfterLogin10m', '10m', 'sensitive actions within 5 min of a successful login', (v) =>
      v.sum('10m', 'sensitiveAfterLogin'),
    ),
    f('sensitiveAfterLogin1h', '1h', 'sensitive actions within 5 min of a successful login', (v) =>
      v.sum('1h', 'sensitiveAfterLogin'),
    ),
    f('maxTravelSpeedKmh1h', '1h', 'fastest move between consecutive successful logins (country centroids)', (v) =>
      v.sum('1h', 'travelMaxKmh'),
    ),
    f('mfaRequests10m', '10m', 'MFA calls', (v) => v.sum('10m', 'mfaRequests')),
    f('passwordResets10m', '10m', 'password reset calls', (v) => v.sum('10m', 'passwordResets')),
  ],
  apiKey: [
    f('requests1m', '1m', 'requests with this API key / client id', (v) => v.sum('1m', 'requests')),
    f('requests10m', '10m', 'requests with this API key / client id', (v) => v.sum('10m', 'requests')),
    f('requests1h', '1h', 'requests with this API key / client id', (v) => v.sum('1h', 'requests')),
    f('distinctIps10m', '10m', 'distinct client IPs (HyperLogLog)', (v) => v.distinct('ips')),
    f('distinctRoutes10m', '10m', 'distinct route templates (HyperLogLog)', (v) => v.distinct('routes')),
    f('distinctResources10m', '10m', 'distinct masked paths (HyperLogLog)', (v) => v.distinct('resources')),
    f('sequentialIdRatio10m', '10m', 'share of id-addressed requests stepping ±1–2 from the previous id', (v) =>
      ratio(v.sum('10m', 'sequentialIdRequests'), v.sum('10m', 'numericIdRequests')),
    ),
    f('status403Ratio10m', '10m', '403 / all requests', (v) =>
      ratio(v.sum('10m', 'status403'), v.sum('10m', 'requests')),
    ),
    f('status404Ratio10m', '10m', '404 / all requests', (v) =>
      ratio(v.sum('10m', 'status404'), v.sum('10m', 'requests')),
    ),
    f('clientErrorRatio10m', '10m', '4xx / all requests', (v) =>
      ratio(v.sum('10m', 'clientErrors'), v.sum('10m', 'requests')),
    ),
    f('bytesOut10m', '10m', 'response bytes', (v) => v.sum('10m', 'bytesOut')),
    f('bytesOut1h', '1h', 'response bytes', (v) => v.sum('1h', 'bytesOut')),
    f('interArrivalCv10m', '10m', 'coefficient of variation of gaps; -1 under 3 gaps', (v) => gapCv(v, '10m')),
  ],
  session: [
    f('requests10m', '10m', 'requests in this session', (v) => v.sum('10m', 'requests')),
    f('requests1h', '1h', 'requests in this session', (v) => v.sum('1h', 'requests')),
    f('loginFailures10m', '10m', 'failed logins in this session', (v) => v.sum('10m', 'loginFailures')),
    f('sensitiveActions10m', '10m', 'sensitive actions in this session', (v) => v.sum('10m', 'sensitiveActions')),
    f('distinctIps1h', '1h', 'IPs this session was seen from (2+ = shared or hijacked)', (v) =>
      v.remembered('ips', 3_600_000),
    ),
    f('distinctUserAgents1h', '1h', 'user agents this session was seen with', (v) =>
      v.remembered('userAgents', 3_600_000),
    ),
  ],
  device: [
    f('requests10m', '10m', 'requests from this device', (v) => v.sum('10m', 'requests')),
    f('loginAttempts10m', '10m', 'login calls from this device', (v) => v.sum('10m', 'logins')),
    f('loginFailures10m', '10m', 'failed logins from this device', (v) => v.sum('10m', 'loginFailures')),
    f('loginFailures1h', '1h', 'failed logins from this device', (v) => v.sum('1h', 'loginFailures')),
    f('distinctPrincipals10m', '10m', 'distinct principals tried from this device (HyperLogLog)', (v) =>
      v.distinct('principals'),
    ),
    f('distinctIps10m', '10m', 'distinct IPs of this device (HyperLogLog)', (v) => v.distinct('ips')),
  ],
  route: [
    f('requests1m', '1m', 'requests to this route template', (v) => v.sum('1m', 'requests')),
    f('requests10m', '10m', 'requests to this route template', (v) => v.sum('10m', 'requests')),
    f('requests1h', '1h', 'requests to this route template', (v) => v.sum('1h', 'requests')),
    f('clientErrorRatio10m', '10m', '4xx / all requests', (v) =>
      ratio(v.sum('10m', 'clientErrors'), v.sum('10m', 'requests')),
    ),
    f('status404Ratio10m', '10m', '404 / all requests', (v) =>
      ratio(v.sum('10m', 'status404'), v.sum('10m', 'requests')),
    ),
    f('distinctIps10m', '10m', 'distinct client IPs (HyperLogLog)', (v) => v.distinct('ips')),
  ],
  loginFlow: [
    f('loginAttempts1m', '1m', 'login calls, all clients', (v) => v.sum('1m', 'logins')),
    f('loginAttempts10m', '10m', 'login calls, all clients', (v) => v.sum('10m', 'logins')),
    f('loginFailures1m', '1m', 'failed logins, all clients', (v) => v.sum('1m', 'loginFailures')),
    f('loginFailures10m', '10m', 'failed logins, all clients', (v) => v.sum('10m', 'loginFailures')),
    f('failedLoginRatio10m', '10m', 'failed / all login calls', (v) =>
      ratio(v.sum('10m', 'loginFailures'), v.sum('10m', 'logins')),
    ),
    f('distinctPrincipals10m', '10m', 'distinct principals tried (HyperLogLog)', (v) => v.distinct('principals')),
    f('distinctIps10m', '10m', 'distinct IPs calling login (HyperLogLog)', (v) => v.distinct('ips')),
    f('neverSucceededPrincipalShare10m', '10m', 'share of failed logins for principals never seen succeeding', (v) =>
      ratio(v.sum('10m', 'unknownPrincipalLoginFailures'), v.sum('10m', 'loginFailures')),
    ),
    f(
      'loginFailuresLastMinute',
      'baseline',
      'failed logins in the last complete minute',
      (v) => baselineSplit(v, 'loginFailures')[0],
    ),
    f('loginFailuresEwma', 'baseline', 'EWMA (α 0.1) of failed logins per minute over the hour before', (v) =>
      ewma(baselineSplit(v, 'loginFailures')[1]),
    ),
    f('loginFailuresRobustZ', 'baseline', "robust z-score of the last minute's failures vs the hour before", (v) => {
      const [x, history] = baselineSplit(v, 'loginFailures');
      return robustZ(x, history);
    }),
    f('loginAttemptsRobustZ', 'baseline', "robust z-score of the last minute's login calls vs the hour before", (v) => {
      const [x, history] = baselineSplit(v, 'logins');
      return robustZ(x, history);
    }),
  ],
};

export interface FeatureRegistry {
  readonly version: number;
  /** Hash of every definition's name, entity, window and description plus the state layout. */
  readonly fingerprint: string;
  readonly byEntity: Readonly<Record<EntityType, readonly FeatureDefinition[]>>;
  readonly all: readonly FeatureDefinition[];
}

function build(): FeatureRegistry {
  const byEntity = Object.fromEntries(
    ENTITY_TYPES.map((t) => [t, DEFINITIONS[t].map((d) => ({ ...d, entity: t }))]),
  ) as Record<EntityType, FeatureDefinition[]>;
  for (const t of ENTITY_TYPES) {
    const names = new Set<string>();
    for (const d of byEntity[t]) {
      if (names.has(d.name)) throw new Error(`feature ${t}.${d.name} is defined twice`);
      names.add(d.name);
    }
  }
  const all = ENTITY_TYPES.flatMap((t) => byEntity[t]);
  const hash = createHash('sha256').update(String(FEATURE_REGISTRY_VERSION));
  for (const d of all) hash.update(`${d.entity}.${d.name}|${d.window}|${d.description}\n`);
  hash.update(JSON.stringify({ layouts: LAYOUTS, rings: RINGS }));
  return { version: FEATURE_REGISTRY_VERSION, fingerprint: hash.digest('hex').slice(0, 16), byEntity, all };
}

export const FEATURE_REGISTRY: FeatureRegistry = build();
