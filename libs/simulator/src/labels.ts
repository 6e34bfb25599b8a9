/**
 * The ground truth a simulation writes beside the traffic: which requests belong to which attack
 * campaign or benign trap, with the entities involved.
 *
 * Entities are raw values (usernames, session ids, device ids), because the simulator plays the
 * clients. The detector never sees them raw: the Normalizer HMAC-hashes principals, sessions, devices and
 * API keys with the source's key. `hashed` holds the same entities hashed with the key and length given
 * in `LabelsFile.hashing` (IdHasher from @vigil/events, usernames lower-cased as the normalizer does), so
 * that labels join with AccessEvents directly; `hashEntities` recomputes them for another key.
 */
import { IdHasher } from '@vigil/events';

export const LABELS_VERSION = 1 as const;

export const CAMPAIGN_TYPES = [
  'credential_stuffing',
  'credential_cracking',
  'account_takeover',
  'session_hijacking',
  'scraping',
] as const;
export type CampaignType = (typeof CAMPAIGN_TYPES)[number];

export const CAMPAIGN_STYLES = {
  credential_stuffing: ['datacenter_burst', 'residential_botnet', 'low_and_slow'],
  credential_cracking: ['targeted_accounts'],
  account_takeover: ['post_stuffing'],
  session_hijacking: ['stolen_cookie'],
  scraping: ['id_enumeration', 'catalog_rotating', 'api_key_fleet'],
} as const satisfies Record<CampaignType, readonly string[]>;

/** Benign traffic that fools naive rules; a detector must recommend no block on any of it. */
export const TRAP_KINDS = [
  'carrier_nat',
  'corporate_nat',
  'aggregator',
  'uptime_monitor',
  'search_crawler',
  'traveller',
  'api_client',
] as const;
export type TrapKind = (typeof TRAP_KINDS)[number];

export interface LabelEntities {
  readonly ips: readonly string[];
  /** Usernames (lower case). */
  readonly principals: readonly string[];
  /** Session ids (`sid` cookie or `x-session-id`). */
  readonly sessions: readonly string[];
  readonly devices: readonly string[];
  readonly apiKeys: readonly string[];
}

export interface HashedEntities {
  readonly principals: readonly string[];
  readonly sessions: readonly string[];
  readonly devices: readonly string[];
  readonly apiKeys: readonly string[];
}

interface LabeledGroup {
  /** `c001`… for campaigns, `t001`… for traps. */
  readonly id: string;
  /** First and last request, ms. */
  readonly startMs: number;
  readonly endMs: number;
  readonly requests: number;
  readonly entities: LabelEntities;
  readonly hashed: HashedEntities;
  /** The parameters drawn for this group (rates, counts, ranges), for reading results by intensity. */
  readonly params: Readonly<Record<string, number | string | boolean>>;
}

export interface CampaignLabel extends LabeledGroup {
  readonly kind: 'attack';
  readonly type: CampaignType;
  readonly style: string;
  /** The campaign this one follows from (an ATO's stuffing campaign). */
  readonly parent: string | null;
  /** Logins that succeeded in this campaign (compromised accounts), usernames. */
  readonly compromised: readonly string[];
}

export interface TrapLabel extends LabeledGroup {
  readonly kind: 'trap';
  readonly trap: TrapKind;
}

export interface LabelsFile {
  readonly version: typeof LABELS_VERSION;
  readonly seed: number;
  readonly startMs: number;
  readonly endMs: number;
  /** How `hashed` entities were computed (the key itself is never written). */
  readonly hashing: { readonly developmentKey: boolean; readonly hexChars: number };
  readonly campaigns: readonly CampaignLabel[];
  readonly traps: readonly TrapLabel[];
}

/** One line of `request-labels.ndjson`: every request of a campaign or trap (plain benign ones are not listed). */
export interface RequestLabel {
  readonly requestId: string;
  readonly ts: number;
  /** Campaign or trap id. */
  readonly group: string;
  readonly kind: 'attack' | 'trap';
}

/** Hashes raw entities the way the Normalizer does (principals lower-cased). */
export function hashEntities(entities: LabelEntities, key: string, hexChars = 24): HashedEntities {
  const hasher = new IdHasher(key, hexChars);
  return {
    principals: entities.principals.map((p) => hasher.hash('p', p.trim().toLowerCase())),
    sessions: entities.sessions.map((s) => hasher.hash('s', s)),
    devices: entities.devices.map((d) => hasher.hash('d', d)),
    apiKeys: entities.apiKeys.map((k) => hasher.hash('k', k)),
  };
}
