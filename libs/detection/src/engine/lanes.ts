/**
 * Detection lanes: the partitioned detector's answer to entities that no single key owns. Keyed by
 * client address alone, a partition sees every request of its addresses but only a slice of each
 * account, API key and of the login population, so detectors that read those see 1/N of them (measured:
 * `vigil evaluate --partitions 16`). A lane is one re-keying of the stream: the router writes each event
 * to every lane whose key the event carries, keyed by that key, and each lane keeps only the entity types
 * its key owns and runs only the detectors that read them. Every entity a lane's detectors score is then
 * whole on one partition, as in one pipeline.
 *
 * | lane    | key                    | keeps (and scores)                                  | detectors |
 * |---------|------------------------|-----------------------------------------------------|-----------|
 * | address | client address         | ip, subnet, apiKey, principal (context, see below)   | credential-stuffing, scraping |
 * | account | principal, else session| principal, session                                  | credential-cracking, account-takeover, session-hijack |
 * | apiKey  | API key id             | apiKey                                              | api-key-abuse |
 * | logins  | one key: every login   | loginFlow                                           | login-population |
 *
 * What stays partial, by design: the address lane keeps the principals, subnets and API keys its
 * addresses touch as context (the stuffing model reads the subnet, the scraping model the key, and an
 * address's "share of tried accounts that never succeeded" reads the accounts): a partition's copy of
 * them holds what its own addresses did, a partial view rather than a stale one. The logins lane has one
 * partition's worth of traffic (logins only) however many partitions there are: the population is one
 * thing, and counting it anywhere else is counting a sample.
 */
import { ENTITY_TYPES, type EntityType } from '@vigil/features';
import type { AccessEvent } from '@vigil/events';
import type { DetectorName } from '../policy/policy-config';

export const LANE_NAMES = ['address', 'account', 'apiKey', 'logins'] as const;
export type LaneName = (typeof LANE_NAMES)[number];

export interface Lane {
  readonly name: LaneName;
  /** The key this lane partitions by; null: the event is not in this lane. */
  keyOf(e: AccessEvent): string | null;
  readonly entityTypes: readonly EntityType[];
  readonly detectors: readonly DetectorName[];
}

/** The logins lane's one key. */
export const LOGINS_LANE_KEY = 'logins';

export const LANES: Readonly<Record<LaneName, Lane>> = {
  address: {
    name: 'address',
    keyOf: (e) => e.clientIp,
    entityTypes: ['ip', 'subnet', 'apiKey', 'principal'],
    detectors: ['credential-stuffing', 'scraping'],
  },
  account: {
    name: 'account',
    keyOf: (e) => e.principal ?? e.sessionId,
    entityTypes: ['principal', 'session'],
    detectors: ['credential-cracking', 'account-takeover', 'session-hijack'],
  },
  apiKey: {
    name: 'apiKey',
    keyOf: (e) => e.apiKeyId,
    entityTypes: ['apiKey'],
    detectors: ['api-key-abuse'],
  },
  logins: {
    name: 'logins',
    keyOf: (e) => (e.routeClass === 'login' ? LOGINS_LANE_KEY : null),
    entityTypes: ['loginFlow'],
    detectors: ['login-population'],
  },
};

export function isLaneName(s: string): s is LaneName {
  return (LANE_NAMES as readonly string[]).includes(s);
}

/** The lanes an event is written to, in LANE_NAMES order, with its key in each. */
export function lanesOf(e: AccessEvent): { lane: Lane; key: string }[] {
  const out: { lane: Lane; key: string }[] = [];
  for (const name of LANE_NAMES) {
    const lane = LANES[name];
    const key = lane.keyOf(e);
    if (key !== null) out.push({ lane, key });
  }
  return out;
}

// Every detector runs in exactly one lane, and every lane keeps only known types: checked once at load.
{
  const seen = new Set<string>();
  for (const name of LANE_NAMES) {
    for (const d of LANES[name].detectors) {
      if (seen.has(d)) throw new Error(`detector ${d} is in two lanes`);
      seen.add(d);
    }
    for (const t of LANES[name].entityTypes) if (!ENTITY_TYPES.includes(t)) throw new Error(`lane ${name}: type ${t}`);
  }
}
