/**
 * The bank's customers: usernames, accounts, devices, where they connect from. Built once per run from
 * the seed; sessions and attacks draw from it. Every value is lower-case ASCII where the normalizer would
 * lower-case it, so a raw label and a hashed event agree.
 */
import { bearerFor, cookieHeader, type ClientContext, type SessionState } from '../bank/request-builder';
import type { Random } from '../random';
import type { SimConsumer } from '../sim-request';
import { MOBILE_USER_AGENTS, pickUserAgent } from '../population/user-agents';
import { addressAt, addressIn, CDN_CIDR, network, networksOf, type Network } from './networks';

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

export class World {
  readonly users: readonly User[];
  /** The CDN edge addresses requests arrive through. */
  readonly cdnEdges: readonly string[];
  private readonly byName = new Map<string, User>();

  constructor(rng: Random, userCount: number) {
    const cdn: Network = { cidr: CDN_CIDR, kind: 'cdn', asn: 64900, org: 'Edge CDN', country: 'GB' };
    this.cdnEdges = Array.from({ length: 12 }, (_, i) => addressAt(cdn, 10 + i * 7));
    const residentialGb = networksOf('residential', 'GB');
    const carriers = networksOf('mobile_cgnat');
    const corporates = networksOf('corporate_nat');
    const users: User[] = [];
    for (let i = 0; i < userCount; i++) {
      const first = rng.pick(FIRST);
      const last = rng.pick(LAST);
      const username = rng.chance(0.7)
        ? `${first}.${last}${rng.int(1, 999)}@${rng.pick(MAIL)}`
        : `${first[0]}${last}${rng.int(10, 9999)}`;
      const channel: Channel = rng.chance(0.45) ? 'mobile' : 'web';
      const x = rng.float();
      let homeNetwork: Network;
      let homeIp: string;
      if (channel === 'mobile' && x < 0.55) {
        // Carrier-grade NAT: thousands of subscribers behind a few dozen egress addresses.
        homeNetwork = rng.pick(carriers);
        homeIp = addressAt(homeNetwork, rng.int(0, 23));
      } else if (x < 0.12) {
        homeNetwork = rng.pick(corporates);
        homeIp = addressAt(homeNetwork, rng.int(0, 2));
      } else {
        homeNetwork = rng.chance(0.93) ? rng.pick(residentialGb) : rng.pick(networksOf('residential', 'FR'));
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
        userAgent: channel === 'mobile' ? rng.pick(MOBILE_USER_AGENTS) : pickUserAgent(rng),
        deviceId: channel === 'mobile' ? rng.uuid() : null,
        acceptLanguage: homeNetwork.country === 'FR' ? 'fr-FR,fr;q=0.9,en;q=0.6' : 'en-GB,en;q=0.9',
        aggregatorConsent: rng.chance(0.3),
        traveller: rng.chance(0.03),
        typoRate: rng.range(0.02, 0.15),
      };
      users.push(user);
      this.byName.set(username, user);
    }
    this.users = users;
  }

  user(username: string): User | undefined {
    return this.byName.get(username);
  }

  /** A client context for `user` at home, through the CDN. */
  homeClient(user: User, rng: Random): ClientContext {
    return {
      clientIp: user.homeIp,
      proxyIp: rng.pick(this.cdnEdges),
      userAgent: user.userAgent,
      acceptLanguage: user.acceptLanguage,
      country: user.homeNetwork.country,
      protocol: user.channel === 'mobile' ? 'HTTP/2' : rng.chance(0.7) ? 'HTTP/2' : 'HTTP/1.1',
      extraCookies: user.channel === 'web' ? `_ga=GA1.2.${user.index + 100000}.1767225600; consent=1` : null,
      deviceId: user.deviceId,
    };
  }

  /** A logged-in session of `user`. */
  session(user: User, rng: Random, issuedAtMs: number, sid: string | null = null): SessionState {
    const consumer: SimConsumer = { id: user.consumerId, username: user.username };
    if (user.channel === 'web') {
      const s = sid ?? rng.token(32);
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
      authorization: bearerFor(rng, user.username, issuedAtMs),
      consumer,
      cookie: null,
    };
  }
}

/** The aggregator's partner network. */
export const AGGREGATOR_NETWORK = (): Network => network('FinLink Aggregation Ltd (licensed AISP)');
