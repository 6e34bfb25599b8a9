/**
 * The bank's customers: usernames, accounts, devices, where they connect from. Built once per run from
 * the seed; sessions and attacks draw from it. Every value is lower-case ASCII where the normalizer would
 * lower-case it, so a raw label and a hashed event agree.
 */
import { bearerFor, cookieHeader, type ClientContext, type SessionState } from '../bank/request-builder';
import { drawLog, type Random } from '../random';
import type { SimConsumer } from '../sim-request';
import { ja4ForUserAgent } from '../population/tls-fingerprints';
import { MOBILE_USER_AGENTS, pickPhoneBrowserUserAgent, pickUserAgent } from '../population/user-agents';
import { BANK_PROFILE, isPool, type BankProfile } from '../bank/profiles';
import { addressAt, addressIn, CDN_CIDR, network, type Network } from './networks';

export type Channel = 'web' | 'mobile';

export interface User {
  readonly index: number;
  readonly username: string;
  readonly consumerId: string;
  readonly accounts: readonly string[];
  readonly cards: readonly number[];
  readonly channel: Channel;
  /** Where the user usually connects from. */
  readonly homeNetwork: Network;
  /** Fixed home address (residential) or one of the NAT's egress addresses. */
  readonly homeIp: string;
  readonly userAgent: string;
  readonly deviceId: string | null;
  readonly acceptLanguage: string;
  /** Consents to the licensed aggregator reading their accounts. */
  readonly aggregatorConsent: boolean;
  /** Sometimes logs in from abroad (holiday, business trip). */
  readonly traveller: boolean;
  /** Chance of mistyping the password on a login. */
  readonly typoRate: number;
  /** Median number of actions in a logged-in visit. */
  readonly actionsMedian: number;
  /** Median think time between two actions, ms. */
  readonly thinkMedianMs: number;
}

const FIRST = [
  'james',
  'olivia',
  'amir',
  'sofia',
  'liam',
  'chloe',
  'noah',
  'isla',
  'raj',
  'mia',
  'tom',
  'ella',
  'yusuf',
  'grace',
  'leo',
  'anna',
  'wei',
  'zoe',
  'omar',
  'lucy',
];
const LAST = [
  'smith',
  'jones',
  'patel',
  'brown',
  'taylor',
  'khan',
  'wilson',
  'evans',
  'thomas',
  'roberts',
  'walker',
  'wright',
  'chen',
  'hughes',
  'green',
  'hall',
  'wood',
  'clarke',
  'ali',
  'morgan',
];
const MAIL = ['mail.example', 'inbox.example', 'post.example', 'webmail.example'];

/**
 * The population's shape, drawn per run from wide ranges (so that a model does not learn one NAT size or
 * one mobile share) and written into the NAT traps' labels.
 */
export interface WorldParams {
  /** Share of customers who bank through the app. */
  readonly mobileShare: number;
  /** Share of app users whose phone is on a carrier-grade NAT. */
  readonly cgnatShareOfMobile: number;
  /** Share of web users browsing on their phone over a carrier (behind its NAT). */
  readonly phoneWebShare: number;
  /** Fixed-egress carriers: customers per egress address (sets how few addresses there are). */
  readonly cgnatUsersPerAddress: number;
  /** Egress addresses per fixed-egress carrier. */
  readonly cgnatEgressAddresses: readonly number[];
  /** The pooled carrier: each visit leaves through any of `cgnatPoolAddresses` (port-block allocation). */
  readonly cgnatPoolAddresses: number;
  /** Share of web users at a workplace behind a corporate NAT. */
  readonly corporateShare: number;
  readonly corporateEgressAddresses: readonly number[];
  /** Share of app visits that resume with a refresh token (no password login). */
  readonly appTokenRefreshShare: number;
}

/** How a NAT's customers map to its egress addresses. */
interface NatShape {
  /** Number of egress addresses (the first ones of the range). */
  readonly addresses: number;
  /** True: each visit draws an egress address; false: a customer keeps one. */
  readonly pooled: boolean;
}

export class World {
  readonly users: readonly User[];
  /** The CDN edge addresses requests arrive through. */
  readonly cdnEdges: readonly string[];
  readonly params: WorldParams;
  private readonly byName = new Map<string, User>();
  private readonly nat = new Map<string, NatShape>();

  constructor(
    rng: Random,
    userCount: number,
    readonly profile: BankProfile = BANK_PROFILE,
  ) {
    const pop = profile.population;
    const cdn: Network = { cidr: CDN_CIDR, kind: 'cdn', asn: 64900, org: 'Edge CDN', country: 'GB' };
    this.cdnEdges = Array.from({ length: 12 }, (_, i) => addressAt(cdn, 10 + i * 7));
    const home = pop.home();
    const carriers = pop.carriers();
    const fixedCarriers = carriers.filter((n) => !isPool(n));
    const pooledCarriers = carriers.filter(isPool);
    const corporates = pop.corporates();
    const shape = rng.fork('shape');
    const mobileShare = shape.range(...pop.mobileShare);
    const cgnatShareOfMobile = shape.range(...pop.cgnatShareOfMobile);
    const phoneWebShare = shape.range(...pop.phoneWebShare);
    const corporateShare = shape.range(...pop.corporateShare);
    // Egress pools sized from the customers behind them, so that the load per address (what a rule sees)
    // does not depend on --scale: tens to hundreds of customers per address (the default bank).
    // Each fixed-egress carrier takes `fixedCarrierShare` of the carrier customers, the pooled ones the rest.
    const fixedShare = pop.fixedCarrierShare;
    const pooledShare = pop.pooledCarrierShare;
    const carrierWeights = carriers.map((n) => (fixedCarriers.includes(n) ? fixedShare : pooledShare));
    const onCarriers = userCount * (mobileShare * cgnatShareOfMobile + (1 - mobileShare) * phoneWebShare);
    const cgnatUsersPerAddress = drawLog(shape, pop.cgnatUsersPerAddress);
    const cgnatEgressAddresses = fixedCarriers.map(() =>
      Math.max(1, Math.round(((onCarriers * fixedShare) / cgnatUsersPerAddress) * shape.range(0.6, 1.4))),
    );
    const cgnatPoolAddresses = Math.max(
      pop.minPoolAddresses,
      Math.round(
        (onCarriers * pooledShare) / Math.max(1, pooledCarriers.length) / drawLog(shape, pop.poolUsersPerAddress),
      ),
    );
    const perCorporate = (userCount * (1 - mobileShare) * corporateShare) / corporates.length;
    const corporateEgressAddresses = corporates.map(() =>
      Math.max(
        1,
        Math.min(pop.maxCorporateAddresses, Math.round(perCorporate / drawLog(shape, pop.corporateUsersPerAddress))),
      ),
    );
    this.params = {
      mobileShare: round3(mobileShare),
      cgnatShareOfMobile: round3(cgnatShareOfMobile),
      phoneWebShare: round3(phoneWebShare),
      cgnatUsersPerAddress: Math.round(cgnatUsersPerAddress),
      cgnatEgressAddresses,
      cgnatPoolAddresses,
      corporateShare: round3(corporateShare),
      corporateEgressAddresses,
      appTokenRefreshShare: round3(shape.range(...pop.appTokenRefreshShare)),
    };
    fixedCarriers.forEach((n, i) => this.nat.set(n.cidr, { addresses: cgnatEgressAddresses[i]!, pooled: false }));
    for (const n of carriers)
      if (!this.nat.has(n.cidr)) this.nat.set(n.cidr, { addresses: cgnatPoolAddresses, pooled: true });
    corporates.forEach((n, i) => this.nat.set(n.cidr, { addresses: corporateEgressAddresses[i]!, pooled: false }));

    const users: User[] = [];
    for (let i = 0; i < userCount; i++) {
      const first = rng.pick(FIRST);
      const last = rng.pick(LAST);
      const username = rng.chance(0.7)
        ? `${first}.${last}${rng.int(1, 999)}@${rng.pick(MAIL)}`
        : `${first[0]}${last}${rng.int(10, 9999)}`;
      const channel: Channel = rng.chance(mobileShare) ? 'mobile' : 'web';
      const x = rng.float();
      let homeNetwork: Network;
      let homeIp: string;
      let userAgent = channel === 'mobile' ? rng.pick(MOBILE_USER_AGENTS) : pickUserAgent(rng);
      let typoRate = channel === 'mobile' ? rng.range(...pop.typoMobile) : rng.range(...pop.typoWeb);
      if (channel === 'mobile' ? x < cgnatShareOfMobile : x < phoneWebShare) {
        // Carrier-grade NAT: thousands of subscribers behind a few egress addresses.
        homeNetwork = rng.weighted(carriers, carrierWeights);
        homeIp = this.egressAddress(homeNetwork, rng);
        if (channel === 'web') {
          // On the phone: saved passwords, few typos.
          userAgent = pickPhoneBrowserUserAgent(rng);
          typoRate = rng.range(...pop.typoMobile);
        }
      } else if (channel === 'web' && x < phoneWebShare + corporateShare) {
        homeNetwork = rng.pick(corporates);
        homeIp = this.egressAddress(homeNetwork, rng);
      } else {
        homeNetwork = rng.chance(home.mainShare) ? rng.pick(home.main) : rng.pick(home.other);
        homeIp = addressIn(homeNetwork, rng);
      }
      const user: User = {
        index: i,
        username,
        consumerId: rng.uuid(),
        accounts: Array.from({ length: rng.int(1, 3) }, () => String(rng.int(10_000_000, 99_999_999))),
        cards: Array.from({ length: rng.int(1, 2) }, () => rng.int(100_000, 999_999)),
        channel,
        homeNetwork,
        homeIp,
        userAgent,
        deviceId: channel === 'mobile' ? rng.uuid() : null,
        acceptLanguage: LANGUAGES[homeNetwork.country] ?? 'en-GB,en;q=0.9',
        aggregatorConsent: rng.chance(pop.aggregatorConsent),
        traveller: rng.chance(pop.travellerShare),
        typoRate,
        actionsMedian: rng.range(...pop.actionsMedian),
        thinkMedianMs: rng.range(...pop.thinkMedianMs),
      };
      users.push(user);
      this.byName.set(username, user);
    }
    this.users = users;
  }

  /** One of a NAT's egress addresses (or any address for a network without a NAT shape). */
  private egressAddress(net: Network, rng: Random): string {
    const shape = this.nat.get(net.cidr);
    return shape ? addressAt(net, rng.int(0, shape.addresses - 1)) : addressIn(net, rng);
  }

  user(username: string): User | undefined {
    return this.byName.get(username);
  }

  /** A client context for `user` at home, through the CDN. */
  homeClient(user: User, rng: Random): ClientContext {
    const pooled = this.nat.get(user.homeNetwork.cidr)?.pooled === true;
    return {
      clientIp: pooled ? this.egressAddress(user.homeNetwork, rng) : user.homeIp,
      proxyIp: rng.pick(this.cdnEdges),
      userAgent: user.userAgent,
      acceptLanguage: user.acceptLanguage,
      country: user.homeNetwork.country,
      protocol: user.channel === 'mobile' ? 'HTTP/2' : rng.chance(0.7) ? 'HTTP/2' : 'HTTP/1.1',
      extraCookies: user.channel === 'web' ? `_ga=GA1.2.${user.index + 100000}.1767225600; consent=1` : null,
      deviceId: user.deviceId,
      tlsFingerprint: ja4ForUserAgent(user.userAgent),
      ...(this.profile.habits.appClientKeys && user.channel === 'mobile'
        ? { clientKey: appClientKey(this.profile.habits.appClientKeys, user.userAgent) }
        : {}),
    };
  }

  /** A logged-in session of `user`. */
  session(user: User, rng: Random, issuedAtMs: number, sid: string | null = null): SessionState {
    const consumer: SimConsumer = { id: user.consumerId, username: user.username };
    if (user.channel === 'web') {
      const s = sid ?? rng.token(32);
      if (this.profile.habits.webSessionHeader) {
        // A single-page app: the session travels in a header, the cookie holds analytics only.
        return {
          sid: null,
          sessionHeader: s,
          authorization: null,
          consumer,
          cookie: `_ga=GA1.2.${user.index + 100000}.1767225600; consent=1`,
        };
      }
      return {
        sid: s,
        sessionHeader: null,
        authorization: null,
        consumer,
        cookie: cookieHeader(s, `_ga=GA1.2.${user.index + 100000}.1767225600; consent=1`),
      };
    }
    return {
      sid: null,
      sessionHeader: sid ?? rng.token(32),
      authorization: bearerFor(rng, user.username, issuedAtMs, this.profile.surface.issuer),
      consumer,
      cookie: null,
    };
  }
}

/** The static client key an app build sends (one per platform, read from its user agent). */
function appClientKey(keys: { readonly ios: string; readonly android: string }, userAgent: string): string {
  return userAgent.includes('Android') ? keys.android : keys.ios;
}

const LANGUAGES: Readonly<Record<string, string>> = {
  FR: 'fr-FR,fr;q=0.9,en;q=0.6',
  DE: 'de-DE,de;q=0.9,en;q=0.6',
};

function round3(x: number): number {
  return Number(x.toFixed(3));
}

/** The aggregator's partner network. */
export const AGGREGATOR_NETWORK = (): Network => network('FinLink Aggregation Ltd (licensed AISP)');
