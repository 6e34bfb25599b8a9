/**
 * The three detectors Vigil trains: which entity each scores, which entities' features it reads beside
 * it, and which labeled campaign types are its positives. The input layout a trained model uses is
 * written into its manifest, which is what serving reads; this table is only what training starts from.
 */
import type { EntityType } from '@vigil/features';
import type { CampaignType } from '@vigil/simulator';

export const DETECTOR_IDS = ['credential-stuffing', 'account-takeover', 'scraping'] as const;
export type DetectorId = (typeof DETECTOR_IDS)[number];

export interface DetectorDefinition {
  readonly id: DetectorId;
  readonly description: string;
  readonly primary: EntityType;
  readonly context: readonly EntityType[];
  /** Campaign types whose entities of the primary kind are this detector's positives. */
  readonly campaignTypes: readonly CampaignType[];
  /** Which label entities name the primary entity: raw IPs, or hashed principals. */
  readonly labelEntity: 'ips' | 'principals';
}

export const DETECTOR_DEFINITIONS: Readonly<Record<DetectorId, DetectorDefinition>> = {
  'credential-stuffing': {
    id: 'credential-stuffing',
    description: 'login attacks from an address: stuffing (bursts, botnets, low-and-slow) and cracking',
    primary: 'ip',
    // Not the login flow: an address's score must rest on its own behaviour (and its subnet's), or every
    // ordinary address scores high while a wave runs elsewhere. The population is the login-population
    // detector's job.
    context: ['subnet'],
    campaignTypes: ['credential_stuffing', 'credential_cracking'],
    labelEntity: 'ips',
  },
  'account-takeover': {
    id: 'account-takeover',
    description: 'an account used by someone else: takeover after a stuffing success, hijacked sessions',
    primary: 'principal',
    context: ['session'],
    campaignTypes: ['account_takeover', 'session_hijacking'],
    labelEntity: 'principals',
  },
  scraping: {
    id: 'scraping',
    description: 'scraping and enumeration: sequential ids, 403/404 storms, machine-regular catalog reads',
    primary: 'ip',
    context: ['apiKey', 'subnet'],
    campaignTypes: ['scraping'],
    labelEntity: 'ips',
  },
};

export function parseDetectorIds(list: string | undefined): DetectorId[] {
  if (!list) return [...DETECTOR_IDS];
  const ids = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of ids) {
    if (!(DETECTOR_IDS as readonly string[]).includes(id)) {
      throw new Error(`unknown detector "${id}"; known: ${DETECTOR_IDS.join(', ')}`);
    }
  }
  return ids as DetectorId[];
}
