/**
 * Decision lists for enforcement points that load a file rather than ask per request: an NGINX `geo`
 * include of addresses and ranges, an NGINX `map` include of countries, plain text (one address or range
 * per line, for firewalls, ipset and CDN rule lists) and JSON.
 *
 *   geo $vigil_address_action { default ""; include /etc/nginx/vigil/addresses.conf; }
 *   map $http_cf_ipcountry $vigil_country_action { default ""; include /etc/nginx/vigil/countries.conf; }
 *
 * Values are validated when decisions are read (addresses and ranges parse, countries are two letters),
 * and the writers below still refuse anything that could break out of an NGINX directive.
 */
import type { DecisionAction } from '@vigil/detection';
import type { ActiveDecision } from '../decisions/active-decisions';

const NGINX_SAFE = /^[0-9A-Za-z.:/_-]+$/;

export interface ListOptions {
  /** Only these actions (default: every enforcing action). */
  readonly actions?: ReadonlySet<DecisionAction>;
}

const wanted = (e: ActiveDecision, o: ListOptions, now: number) =>
  e.expiresAt > now && (!o.actions || o.actions.has(e.decision.action));

function addressesOf(all: Iterable<ActiveDecision>, o: ListOptions, now: number): ActiveDecision[] {
  const out: ActiveDecision[] = [];
  for (const e of all) if (e.network && wanted(e, o, now) && NGINX_SAFE.test(e.decision.value as string)) out.push(e);
  return out.sort((a, b) => (a.decision.value as string).localeCompare(b.decision.value as string));
}

const header = (what: string, count: number, now: number) =>
  `# Vigil ${what}: ${count} decisions in force at ${new Date(now).toISOString()}; generated, do not edit\n`;

/** `geo` entries: `203.0.113.7 block;` — an address without a prefix is matched as /32 (or /128) by NGINX. */
export function nginxGeoInclude(all: Iterable<ActiveDecision>, now: number, o: ListOptions = {}): string {
  const rows = addressesOf(all, o, now);
  return (
    header('addresses and ranges', rows.length, now) +
    rows.map((e) => `${e.decision.value as string} ${e.decision.action};\n`).join('')
  );
}

/** `map` entries for `$http_cf_ipcountry` (or any country variable): `XX block;`. */
export function nginxCountryMapInclude(all: Iterable<ActiveDecision>, now: number, o: ListOptions = {}): string {
  const rows: ActiveDecision[] = [];
  for (const e of all)
    if (e.decision.scope === 'country' && wanted(e, o, now) && /^[A-Z]{2}$/.test(e.decision.value as string))
      rows.push(e);
  rows.sort((a, b) => (a.decision.value as string).localeCompare(b.decision.value as string));
  return (
    header('countries', rows.length, now) +
    rows.map((e) => `${e.decision.value as string} ${e.decision.action};\n`).join('')
  );
}

/** One address or range per line. */
export function plainAddressList(all: Iterable<ActiveDecision>, now: number, o: ListOptions = {}): string {
  return addressesOf(all, o, now)
    .map((e) => `${e.decision.value as string}\n`)
    .join('');
}

export interface ListedDecision {
  readonly id: string;
  readonly scope: string;
  readonly value: unknown;
  readonly action: DecisionAction;
  readonly detector: string;
  readonly expiresAt: string;
  readonly remainingSeconds: number;
}

export function jsonList(all: Iterable<ActiveDecision>, now: number, o: ListOptions = {}): ListedDecision[] {
  const out: ListedDecision[] = [];
  for (const e of all) {
    if (!wanted(e, o, now)) continue;
    out.push({
      id: e.decision.id,
      scope: e.decision.scope,
      value: e.decision.value,
      action: e.decision.action,
      detector: e.decision.detector,
      expiresAt: new Date(e.expiresAt).toISOString(),
      remainingSeconds: Math.ceil((e.expiresAt - now) / 1000),
    });
  }
  return out;
}
