/**
 * Statistical baselines beside the models: rules on an entity's OWN behaviour, in counts and ratios that
 * hold on any bank's traffic (a person does not fail twenty logins in ten minutes; a browser session does
 * not change both its address and its browser). Each returns a score in [0, 1] — 0.5 is worth an alert,
 * 0.9 is worth enforcing (the default rule thresholds) — and the features that drove it with the value a
 * normal client shows beside them. The population (the site-wide login flow) is never part of an
 * entity's score: it is context for the login-population detector.
 */
import type { FeatureVector } from '@vigil/features';
import type { Reason } from '../records/records';
import type { EntityRule, RuleResult } from './composite-detector';
import { FeatureReader, ramp, round } from './feature-reader';
import type { BatchView } from './finding';

function rule<N extends string>(
  name: string,
  reader: FeatureReader<N>,
  evaluate: (get: (n: N) => number, why: (n: N, baseline: number) => Reason) => RuleResult | null,
): EntityRule {
  return {
    name,
    evaluate(v: FeatureVector) {
      return evaluate(
        (n) => reader.get(v, n),
        (n, b) => reader.reason(v, n, b),
      );
    },
    features(v: FeatureVector) {
      return reader.record(v);
    },
  };
}

const clamp01 = (x: number) => Math.max(0, Math.min(1, x));

const ipLogin = new FeatureReader('ip', [
  'loginAttempts1m',
  'loginFailures1m',
  'loginFailures10m',
  'loginFailures1h',
  'loginSuccesses1h',
  'failedLoginRatio10m',
  'distinctPrincipals10m',
  'neverSucceededPrincipalShare10m',
  'loginsWithoutPriorRequestShare10m',
]);

/**
 * Many failed logins from one address, mostly failing: stuffing (many accounts) or cracking (few). A
 * burst in the last minute counts as much as a slow pile-up over ten, so a fast attack is caught fast.
 */
export const ipLoginFailures = rule('ip-login-failures', ipLogin, (get, why) => {
  const fails10 = get('loginFailures10m');
  const fails1 = get('loginFailures1m');
  const ratio = get('failedLoginRatio10m');
  if (fails10 < 5 || ratio < 0.5) return null;
  const volume = Math.max(ramp(fails10, 4, 20), ramp(fails1, 3, 12));
  const spread = get('distinctPrincipals10m') >= 3 && get('neverSucceededPrincipalShare10m') >= 0.5 ? 1 : 0.95;
  const score = clamp01(volume * (0.75 + 0.25 * ramp(ratio, 0.5, 0.9)) * spread);
  return {
    score: round(score),
    reasons: [
      why('loginFailures10m', 0),
      why('failedLoginRatio10m', 0.1),
      why('distinctPrincipals10m', 1),
      why('neverSucceededPrincipalShare10m', 0),
    ],
  };
});

const principalLogin = new FeatureReader('principal', [
  'loginFailures10m',
  'loginFailures1h',
  'consecutiveFailures',
  'distinctIps10m',
  'loginSuccesses1h',
]);

/** Credential cracking: failure after failure against one account. */
export const principalLoginFailures = rule('principal-login-failures', principalLogin, (get, why) => {
  const run = Math.max(get('consecutiveFailures'), get('loginFailures10m'));
  if (run < 6) return null;
  return {
    score: round(ramp(run, 2, 10)),
    reasons: [why('consecutiveFailures', 0), why('loginFailures10m', 0), why('distinctIps10m', 1)],
  };
});

const principalRisk = new FeatureReader('principal', [
  'failuresBeforeLastSuccess',
  'newCountry1h',
  'newAsn1h',
  'newDevice1h',
  'knownDevices30d',
  'distinctCountries24h',
  'maxTravelSpeedKmh1h',
  'sensitiveAfterLogin10m',
  'sensitiveActions10m',
]);

/** Speed between consecutive logins no airliner makes. */
const IMPOSSIBLE_KMH = 1000;

/**
 * Account takeover: a login that only someone else could have made (impossible travel), or a new place
 * after a run of failures, followed by sensitive actions (payee, e-mail change, transfer).
 */
export const principalTakeover = rule('principal-takeover', principalRisk, (get, why) => {
  const sensitive = get('sensitiveAfterLogin10m');
  const travel = get('maxTravelSpeedKmh1h');
  const impossible = travel >= IMPOSSIBLE_KMH && get('distinctCountries24h') >= 2;
  const newPlace = get('newCountry1h') + get('newAsn1h') > 0 && get('knownDevices30d') >= 1;
  const afterFailures = get('failuresBeforeLastSuccess') >= 3;
  // Travellers and VPN users trip every one of these signals, even together (a traveller mistypes a
  // password abroad, then pays): the rule alerts. Enforcement on an account comes from a login the
  // attacker's own source made (login-from-flagged-source) or a model score with failures behind it.
  if (!impossible && !(afterFailures && newPlace)) return null;
  const corroborated = afterFailures && (impossible || get('distinctCountries24h') >= 2);
  const score = 0.6 + (sensitive > 0 ? 0.1 : 0) + (corroborated ? 0.15 : 0);
  return {
    score: round(score),
    reasons: [
      why('maxTravelSpeedKmh1h', 0),
      why('failuresBeforeLastSuccess', 0),
      why('newCountry1h', 0),
      why('sensitiveAfterLogin10m', 0),
    ],
  };
});

const sessionPlaces = new FeatureReader('session', [
  'distinctIps1h',
  'distinctUserAgents1h',
  'sensitiveActions10m',
  'requests10m',
]);

/**
 * Session hijack: one session seen from two addresses AND two browsers is a copied cookie (a device keeps
 * its browser when it changes networks); two addresses and a sensitive action (a payee, a transfer, an
 * e-mail change) are revoked too — re-authenticating is a small price for a customer who moved networks
 * mid-session, a lost account is not. Two addresses alone are not scored: phones move all day.
 */
export const sessionTwoPlaces = rule('session-two-places', sessionPlaces, (get, why) => {
  const ips = get('distinctIps1h');
  const uas = get('distinctUserAgents1h');
  if (ips < 2) return null;
  let score = 0;
  if (uas >= 2) score = 0.95;
  else if (get('sensitiveActions10m') > 0) score = 0.92;
  if (score === 0) return null;
  return {
    score,
    reasons: [why('distinctIps1h', 1), why('distinctUserAgents1h', 1), why('sensitiveActions10m', 0)],
  };
});

const ipScrape = new FeatureReader('ip', [
  'requests10m',
  'sequentialIdRatio10m',
  'status403Ratio10m',
  'status404Ratio10m',
  'distinctResources10m',
  'distinctRoutes10m',
  'staticAssetRatio10m',
  'interArrivalCv10m',
  'meanInterArrivalMs10m',
  'loginAttempts10m',
]);

/**
 * Enumeration: many distinct ids, answered mostly 403/404 (the ids are not the caller's) — stepping
 * through them in order, or guessing (then nearly everything is denied).
 */
export const ipEnumeration = rule('ip-enumeration', ipScrape, (get, why) => {
  const requests = get('requests10m');
  const sequential = get('sequentialIdRatio10m');
  const denied = get('status403Ratio10m') + get('status404Ratio10m');
  const resources = get('distinctResources10m');
  const stepping = sequential >= 0.5 && denied >= 0.4;
  const guessing = denied >= 0.7 && resources >= 0.6 * requests;
  if (requests < 20 || !(stepping || guessing)) return null;
  return {
    score: round(clamp01(ramp(requests, 10, 40) * (0.8 + 0.2 * ramp(denied, 0.4, 0.8)))),
    reasons: [
      why('sequentialIdRatio10m', 0),
      why('status404Ratio10m', 0.02),
      why('status403Ratio10m', 0.01),
      why('requests10m', 10),
    ],
  };
});

/**
 * Machine-regular reading with no page assets and no login: a script, not a person. Fast and metronomic
 * (gaps under a few seconds varying by a few percent) is enough on its own, even for the few requests a
 * rotating proxy address makes; slower regular reading needs breadth (a health monitor polls one path).
 */
export const ipRegularBreadth = rule('ip-regular-breadth', ipScrape, (get, why) => {
  const cv = get('interArrivalCv10m');
  const resources = get('distinctResources10m');
  const requests = get('requests10m');
  if (cv < 0 || cv > 0.15 || requests < 5 || get('staticAssetRatio10m') > 0 || get('loginAttempts10m') > 0) return null;
  // One or two templates (a catalog and its rates): an app's own bursts spread over many routes.
  const fast = get('meanInterArrivalMs10m') <= 5000 && cv <= 0.05 && resources >= 4 && get('distinctRoutes10m') <= 2;
  const broad = ramp(resources, 8, 30) * (1 - cv);
  const score = Math.max(broad, fast ? 0.95 : 0);
  if (score === 0) return null;
  return {
    score: round(score),
    reasons: [
      why('interArrivalCv10m', 1),
      why('meanInterArrivalMs10m', 4000),
      why('distinctResources10m', 5),
      why('staticAssetRatio10m', 0.5),
    ],
  };
});

const keyScrape = new FeatureReader('apiKey', [
  'requests10m',
  'distinctIps10m',
  'distinctResources10m',
  'sequentialIdRatio10m',
  'status404Ratio10m',
  'status403Ratio10m',
  'interArrivalCv10m',
]);

/**
 * A key shared by a fleet of addresses reading broadly: acted on as the key, since each address alone
 * makes only a few requests. A partner's key comes from its few registered addresses.
 */
export const apiKeyFleet = rule('api-key-fleet', keyScrape, (get, why) => {
  const ips = get('distinctIps10m');
  const resources = get('distinctResources10m');
  const sequential = get('sequentialIdRatio10m');
  const denied = get('status404Ratio10m') + get('status403Ratio10m');
  // Stepping through ids or into 404s from a handful of addresses; or, from a crowd of them, any broad
  // reading at all (a partner or an app backend calls from its few registered addresses).
  const patterned = ips >= 4 && (sequential >= 0.3 || denied >= 0.2);
  const crowd = ips >= 15;
  if (resources < 20 || !(patterned || crowd)) return null;
  const spread = patterned ? ramp(ips, 3, 10) : ramp(ips, 12, 25);
  return {
    score: round(clamp01(spread * ramp(resources, 15, 50))),
    reasons: [
      why('distinctIps10m', 2),
      why('distinctResources10m', 10),
      why('sequentialIdRatio10m', 0),
      why('status404Ratio10m', 0.02),
    ],
  };
});

/** Facts the shared-address guard reads for an IP finding. */
export function ipFacts(v: FeatureVector, _batch: BatchView): Record<string, number> {
  return {
    loginSuccesses1h: ipLogin.get(v, 'loginSuccesses1h'),
    loginFailures1h: ipLogin.get(v, 'loginFailures1h'),
    failedLoginRatio10m: ipLogin.get(v, 'failedLoginRatio10m'),
    distinctPrincipals10m: ipLogin.get(v, 'distinctPrincipals10m'),
  };
}

/** An address's own login evidence before a stuffing model score counts: two failures of its own. */
export function ownLoginEvidence(v: FeatureVector): boolean {
  return ipLogin.get(v, 'loginFailures10m') >= 2 || ipLogin.get(v, 'loginFailures1h') >= 3;
}

/** An address's own reading before a scraping model score counts. */
export function ownReadingEvidence(v: FeatureVector): boolean {
  return ipScrape.get(v, 'requests10m') >= 4;
}

/**
 * What an account's takeover score needs before it is enforced: failures before the successful login
 * (someone guessed). Impossible travel and new places alone are every traveller's; they alert.
 */
export function takeoverEnforceEvidence(v: FeatureVector): boolean {
  return principalRisk.get(v, 'failuresBeforeLastSuccess') >= 2;
}

/** Per batch: API key → distinct accounts its answered requests acted for (computed once per batch). */
const keyAccounts = new WeakMap<BatchView, Map<string, Set<string>>>();

/**
 * Facts the shared-key guard reads for an API-key finding: how many distinct accounts the key's answered
 * requests in this batch acted for. An aggregator's key acts for thousands of consenting customers; a
 * scraper fleet's key for none.
 */
export function apiKeyFacts(v: FeatureVector, batch: BatchView): Record<string, number> {
  let byKey = keyAccounts.get(batch);
  if (!byKey) {
    byKey = new Map();
    for (const e of batch.events) {
      if (e.apiKeyId === null || e.principal === null || e.status >= 400) continue;
      let set = byKey.get(e.apiKeyId);
      if (!set) byKey.set(e.apiKeyId, (set = new Set()));
      set.add(e.principal);
    }
    keyAccounts.set(batch, byKey);
  }
  return { distinctAccountsServed: byKey.get(v.id)?.size ?? 0 };
}
