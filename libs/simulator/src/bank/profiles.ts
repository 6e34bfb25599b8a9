/**
 * Bank profiles: which bank the simulator plays. `bank` is the default (its runs are what the shipped
 * models were trained on, byte for byte what they always were); `northbank` is a stand-in for another
 * bank whose traffic the default does not produce — another API surface, other rates and population,
 * other login, session and API-key habits, other NAT and crawler shapes — for testing what retraining on
 * a bank's own history does. Attack campaigns are the same tools against either surface.
 */
import type { Range } from '../random';
import { networksOf, PROFILE_NETWORKS, type Network } from '../scenario/networks';
import { BANK_SURFACE } from './api-surface';
import { NORTHBANK_SURFACE } from './northbank-surface';
import type { ApiSurface } from './surface';

export const BANK_PROFILE_IDS = ['bank', 'northbank'] as const;
export type BankProfileId = (typeof BANK_PROFILE_IDS)[number];

type Between = readonly [number, number];

/** Who the customers are and how they reach the bank. */
export interface PopulationProfile {
  readonly customersPerScale: number;
  readonly visitsPerMinutePerScale: number;
  readonly mobileShare: Between;
  readonly cgnatShareOfMobile: Between;
  readonly phoneWebShare: Between;
  readonly corporateShare: Between;
  readonly appTokenRefreshShare: Between;
  /** Customers per egress address of a fixed-egress carrier. */
  readonly cgnatUsersPerAddress: Range;
  /** Customers per address of a pooled carrier's pool. */
  readonly poolUsersPerAddress: Range;
  readonly minPoolAddresses: number;
  readonly corporateUsersPerAddress: Range;
  readonly maxCorporateAddresses: number;
  /** Carriers, corporates, home networks (first list `homeShare` of the time, else the second). */
  readonly carriers: () => readonly Network[];
  /** Share of carrier customers on each fixed-egress carrier, and on the pooled ones together. */
  readonly fixedCarrierShare: number;
  readonly pooledCarrierShare: number;
  readonly corporates: () => readonly Network[];
  readonly home: () => {
    readonly main: readonly Network[];
    readonly other: readonly Network[];
    readonly mainShare: number;
  };
  readonly travellerShare: number;
  readonly travelNetworks: () => readonly Network[];
  readonly typoWeb: Between;
  readonly typoMobile: Between;
  readonly actionsMedian: Between;
  readonly thinkMedianMs: Between;
  readonly aggregatorConsent: number;
}

/** How the bank's clients log in, keep sessions and carry keys. */
export interface HabitsProfile {
  /** Share of password logins followed by an MFA step. */
  readonly mfaShare: number;
  /** Web sessions in an `x-session-id` header (a single-page app) instead of the `sid` cookie. */
  readonly webSessionHeader: boolean;
  /** The web app pings `session-keepalive` this often while a customer reads (null: never). */
  readonly keepAliveMs: number | null;
  /** The mobile apps send a static client key (`apikey`) on every call: one key per platform. */
  readonly appClientKeys: { readonly ios: string; readonly android: string } | null;
}

/** A crawler's shape: the pages it reads and how it walks the catalog. */
export interface CrawlerProfile {
  readonly org: string;
  readonly userAgent: 'search' | string;
  /** Addresses it crawls from. */
  readonly ips: Range;
  readonly pagesPerSecond: Range;
  readonly catalogPeriodMs: Range;
  /** `ascending`: product ids in order (a search engine); `random`: any id, rates with every one. */
  readonly order: 'ascending' | 'random';
  readonly viaCdnShare: number;
}

export interface BenignProfile {
  readonly monitors: { readonly org: string; readonly probes: number; readonly periodsMs: readonly number[] };
  readonly crawlers: readonly CrawlerProfile[];
  readonly aggregatorSyncsPerSecond: Between;
  readonly apiClients: Range;
}

export interface BankProfile {
  readonly id: BankProfileId;
  readonly description: string;
  readonly surface: ApiSurface;
  readonly population: PopulationProfile;
  readonly habits: HabitsProfile;
  readonly benign: BenignProfile;
  /** Networks its customers and benign clients use beyond the shared internet (for the GeoIP stand-in). */
  readonly networks: readonly Network[];
  /** Requests a minute at scale 1 and the share of them that are benign look-alikes (traps), measured on
   * an hour at scale 1, seed 11: what traffic injected into another bank's history is sized against. */
  readonly requestsPerMinute: number;
  readonly trapShare: number;
}

const isPool = (n: Network) => n.org.includes('pool');

export const BANK_PROFILE: BankProfile = {
  id: 'bank',
  description: 'the default bank: api/auth/www hosts, 10,000 customers and ~120 visits a minute per unit of scale',
  surface: BANK_SURFACE,
  population: {
    customersPerScale: 10_000,
    visitsPerMinutePerScale: 120,
    mobileShare: [0.35, 0.6],
    cgnatShareOfMobile: [0.45, 0.85],
    phoneWebShare: [0.03, 0.15],
    corporateShare: [0.04, 0.14],
    appTokenRefreshShare: [0.35, 0.7],
    cgnatUsersPerAddress: { min: 100, max: 1500 },
    poolUsersPerAddress: { min: 8, max: 60 },
    minPoolAddresses: 8,
    corporateUsersPerAddress: { min: 20, max: 300 },
    maxCorporateAddresses: 8,
    carriers: () => networksOf('mobile_cgnat'),
    fixedCarrierShare: 0.4,
    pooledCarrierShare: 0.2,
    corporates: () => networksOf('corporate_nat'),
    home: () => ({ main: networksOf('residential', 'GB'), other: networksOf('residential', 'FR'), mainShare: 0.93 }),
    travellerShare: 0.03,
    travelNetworks: () => [...networksOf('residential', 'ES'), ...networksOf('residential', 'DE')],
    typoWeb: [0.02, 0.15],
    typoMobile: [0.003, 0.04],
    actionsMedian: [1.5, 7],
    thinkMedianMs: [2500, 8000],
    aggregatorConsent: 0.3,
  },
  habits: { mfaShare: 0.3, webSessionHeader: false, keepAliveMs: null, appClientKeys: null },
  benign: {
    monitors: { org: 'Uptime monitors', probes: 3, periodsMs: [30_000, 60_000] },
    crawlers: [
      {
        org: 'Search crawler',
        userAgent: 'search',
        ips: { min: 1, max: 6 },
        pagesPerSecond: { min: 0.05, max: 0.5 },
        catalogPeriodMs: { min: 1500, max: 20_000 },
        order: 'ascending',
        viaCdnShare: 0.7,
      },
    ],
    aggregatorSyncsPerSecond: [0.2, 1],
    apiClients: { min: 2, max: 6 },
  },
  networks: [],
  // 124,488 requests, 71,769 of them traps.
  requestsPerMinute: 2075,
  trapShare: 0.58,
};

export const NORTHBANK_PROFILE: BankProfile = {
  id: 'northbank',
  description:
    'Northbank, a building society: OAuth identity host and /api/v2 core, 6,000 customers and ~70 visits a minute per unit of scale, mostly app users on two carriers (one pooled, one with a handful of addresses), a university NAT, app client keys, a rate-comparison crawler',
  surface: NORTHBANK_SURFACE,
  population: {
    customersPerScale: 6000,
    visitsPerMinutePerScale: 70,
    mobileShare: [0.6, 0.8],
    cgnatShareOfMobile: [0.7, 0.95],
    phoneWebShare: [0.1, 0.25],
    corporateShare: [0.1, 0.2],
    appTokenRefreshShare: [0.6, 0.85],
    cgnatUsersPerAddress: { min: 800, max: 4000 },
    poolUsersPerAddress: { min: 3, max: 15 },
    minPoolAddresses: 32,
    corporateUsersPerAddress: { min: 150, max: 900 },
    maxCorporateAddresses: 3,
    carriers: () => PROFILE_NETWORKS.filter((n) => n.kind === 'mobile_cgnat'),
    fixedCarrierShare: 0.45,
    pooledCarrierShare: 0.55,
    corporates: () => PROFILE_NETWORKS.filter((n) => n.kind === 'corporate_nat'),
    home: () => ({ main: networksOf('residential', 'GB'), other: networksOf('residential', 'DE'), mainShare: 0.97 }),
    travellerShare: 0.06,
    travelNetworks: () => [...networksOf('residential', 'ES'), ...networksOf('residential', 'FR')],
    typoWeb: [0.01, 0.08],
    typoMobile: [0.002, 0.02],
    actionsMedian: [3, 10],
    thinkMedianMs: [4000, 12_000],
    aggregatorConsent: 0.4,
  },
  habits: {
    mfaShare: 0.85,
    webSessionHeader: true,
    keepAliveMs: 45_000,
    appClientKeys: { ios: 'nb_app_ios_3f9a1c7e5b2d', android: 'nb_app_android_8c4e0a2f6d1b' },
  },
  benign: {
    monitors: { org: 'StatusPing monitors', probes: 6, periodsMs: [10_000, 15_000, 20_000] },
    crawlers: [
      {
        org: 'Search crawler',
        userAgent: 'search',
        ips: { min: 1, max: 3 },
        pagesPerSecond: { min: 0.02, max: 0.2 },
        catalogPeriodMs: { min: 5000, max: 40_000 },
        order: 'ascending',
        viaCdnShare: 0.7,
      },
      {
        org: 'RateRadar comparison crawler',
        userAgent: 'RateRadarBot/2.1 (+https://rateradar.example/bot; savings rates comparison)',
        ips: { min: 4, max: 12 },
        pagesPerSecond: { min: 0.01, max: 0.05 },
        catalogPeriodMs: { min: 400, max: 3000 },
        order: 'random',
        viaCdnShare: 0,
      },
    ],
    aggregatorSyncsPerSecond: [0.3, 1.2],
    apiClients: { min: 6, max: 12 },
  },
  networks: PROFILE_NETWORKS,
  // 114,456 requests, 95,103 of them traps (a mobile bank: most customers behind carrier NAT).
  requestsPerMinute: 1908,
  trapShare: 0.83,
};

export const BANK_PROFILES: Readonly<Record<BankProfileId, BankProfile>> = {
  bank: BANK_PROFILE,
  northbank: NORTHBANK_PROFILE,
};

export function isBankProfileId(s: string): s is BankProfileId {
  return (BANK_PROFILE_IDS as readonly string[]).includes(s);
}

export function bankProfile(id: BankProfileId = 'bank'): BankProfile {
  return BANK_PROFILES[id];
}

export { isPool };
