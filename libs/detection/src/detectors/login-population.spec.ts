import { LOGIN_FLOW_ID } from '@vigil/features';
import type { AccessEvent } from '@vigil/events';
import { event, rng, T0 } from '../../../../test/features/fixtures/access-events';
import { vector } from '../../../../test/fixtures/builders/feature-vector';
import { matches } from '../policy/policy';
import type { Signature } from '../records/records';
import { BatchView, type Finding } from './finding';
import { DEFAULT_LOGIN_POPULATION, LoginPopulationDetector, type LoginPopulationOptions } from './login-population';

const SEC = 1000;
const MIN = 60 * SEC;
const BATCH_MS = 10 * SEC;

const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36',
  'BankApp/7.4.1 (iOS 18.1; iPhone15,2)',
  'BankApp/7.4.0 (Android 14; Pixel 8)',
  'BankApp/7.3.9 (Android 13; SM-S911B)',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
];
const TLS = Array.from({ length: 8 }, (_, i) => `t13d1516h2_8daaf6152771_benign${i}`);
const COUNTRIES = ['FR', 'FR', 'FR', 'FR', 'DE', 'BE', 'GB', 'ES', 'US'];
const ASNS = [3215, 3215, 12322, 5410, 15557, 3320, 2856];

/** What a client sends beside its address and account: the fields a signature may be made of. */
interface Client {
  readonly userAgent: string;
  readonly tls: string;
  readonly country: string;
  readonly asn: number;
}

interface User extends Client {
  readonly ip: string;
  readonly principal: string;
}

function loginEvent(ts: number, ip: string, principal: string, c: Client, status: number): AccessEvent {
  return {
    ...event({
      ts,
      ip,
      principal,
      userAgent: c.userAgent,
      country: c.country,
      asn: c.asn,
      routeClass: 'login',
      status,
    }),
    tlsFingerprint: c.tls,
  };
}

/** Customers: each with one device (user agent, TLS fingerprint), home country and provider. */
function customers(n: number, seed: number): User[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  return Array.from({ length: n }, (_, i) => ({
    ip: `198.51.${Math.floor(i / 200)}.${i % 200}`,
    principal: `customer-${i}`,
    userAgent: pick(UAS),
    tls: pick(TLS),
    country: pick(COUNTRIES),
    asn: pick(ASNS),
  }));
}

const USERS = customers(300, 7);

/** Customers logging in, `perMinute` a minute from `from` to `to`, a few of them mistyping (401). */
function benignLogins(from: number, to: number, perMinute = 30, seed = 11): AccessEvent[] {
  const r = rng(seed);
  const out: AccessEvent[] = [];
  for (let m = from; m < to; m += MIN) {
    for (let i = 0; i < perMinute; i++) {
      const u = USERS[Math.floor(r() * USERS.length)]!;
      const ts = m + Math.floor(r() * MIN);
      const typo = r() < 0.06;
      if (typo) out.push(loginEvent(ts, u.ip, u.principal, u, 401));
      out.push(loginEvent(ts + (typo ? 4 * SEC : 0), u.ip, u.principal, u, 200));
    }
  }
  return out;
}

/**
 * A distributed stuffing campaign: `count` failed logins over `minutes` from `from`, each from its own
 * address against its own account, dressed as `dress(i)` says.
 */
function campaign(from: number, minutes: number, count: number, dress: (i: number) => Client): AccessEvent[] {
  return Array.from({ length: count }, (_, i) =>
    loginEvent(
      from + Math.floor((i / count) * minutes * MIN),
      `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      `stolen-${i}`,
      dress(i),
      401,
    ),
  );
}

/** Dressed like a random customer: nothing the campaign shares is rarer among failures than logins. */
const likeCustomers = (seed: number) => {
  const r = rng(seed);
  return (): Client => USERS[Math.floor(r() * USERS.length)]!;
};

/** Dressed like random customers, but every request with `field` set to `value`. */
const sharing = (field: keyof Client, value: string, seed = 3) => {
  const next = likeCustomers(seed);
  return (): Client => ({ ...next(), [field]: value });
};

interface BatchResult {
  readonly watermark: number;
  readonly findings: Finding[];
}

/** Cuts events into 10 s batches of event time and runs each through the detector, as the engine does. */
function run(d: LoginPopulationDetector, events: readonly AccessEvent[], extra: BatchView['vectors'] = []) {
  const sorted = [...events].sort((a, b) => a.ts - b.ts);
  const out: BatchResult[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = Math.floor(sorted[i]!.ts / BATCH_MS) * BATCH_MS;
    const batch: AccessEvent[] = [];
    while (i < sorted.length && sorted[i]!.ts < start + BATCH_MS) batch.push(sorted[i++]!);
    const watermark = batch.at(-1)!.ts;
    out.push({ watermark, findings: d.detect(new BatchView(batch, extra, watermark)) });
  }
  return out;
}

const all = (results: readonly BatchResult[]) => results.flatMap((r) => r.findings);
const signatureOf = (f: Finding) => f.target.value as Signature;

const WARM = T0 + 60 * MIN;
const CAMPAIGN_TLS = 't13d1715h1_5b57614c22b0_3d5424432f57';
const CAMPAIGN_UA = 'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 Chrome/49.0.2623.112 Safari/537.36';

describe('LoginPopulationDetector', () => {
  const benign = benignLogins(T0, WARM + 20 * MIN);
  const successes = benign.filter((e) => e.status < 400);

  it('challenges a campaign that shares a user agent even when no login succeeds at all (a flood on a quiet site)', () => {
    const flood = campaign(T0, 10, 400, () => ({
      userAgent: CAMPAIGN_UA,
      tls: CAMPAIGN_TLS,
      country: 'FR',
      asn: 3215,
    }));
    const found = all(run(new LoginPopulationDetector(), flood));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((f) => f.action === 'challenge' && f.target.scope === 'signature')).toBe(true);
    expect(
      found.some((f) => signatureOf(f).userAgent === CAMPAIGN_UA || signatureOf(f).tlsFingerprint === CAMPAIGN_TLS),
    ).toBe(true);
  });

  it('emits nothing for customers logging in, a few of them mistyping', () => {
    expect(all(run(new LoginPopulationDetector(), benign))).toEqual([]);
  });

  it.each([
    ['one TLS fingerprint', 'tlsFingerprint', CAMPAIGN_TLS, sharing('tls', CAMPAIGN_TLS)],
    ['one user agent', 'userAgent', CAMPAIGN_UA, sharing('userAgent', CAMPAIGN_UA)],
  ] as const)(
    'challenges the login signature of a campaign whose failures share %s over hundreds of addresses',
    (_, field, value, dress) => {
      const attack = campaign(WARM, 5, 400, dress);
      const results = run(new LoginPopulationDetector(), [...benign, ...attack]);
      const found = all(results).filter((f) => signatureOf(f)[field] === value);
      expect(found.length).toBeGreaterThan(0);
      for (const f of found) {
        expect(f.detector).toBe('login-population');
        expect(f.target.scope).toBe('signature');
        expect(signatureOf(f)).toMatchObject({ routeClass: 'login', [field]: value });
        expect(f.action).toBe('challenge');
        expect(f.enforce).toBe(true);
        expect(f.score).toBeGreaterThan(0);
        expect(f.score).toBeLessThanOrEqual(1);
        expect(f.shadow).toBe(false);
      }
      // Whatever it emits stands for the campaign and spares the customers.
      for (const f of all(results)) {
        expect(attack.some((e) => matches(signatureOf(f), e))).toBe(true);
        expect(successes.filter((e) => matches(signatureOf(f), e))).toEqual([]);
      }
    },
  );

  it('renews the signature while the campaign lasts and lets it go ten minutes of event time after it stops', () => {
    const attack = campaign(WARM, 5, 400, sharing('tls', CAMPAIGN_TLS));
    const lastAttack = attack.at(-1)!.ts;
    const results = run(new LoginPopulationDetector(), [...benign, ...attack]);
    const flagged = (r: BatchResult) => r.findings.some((f) => signatureOf(f).tlsFingerprint === CAMPAIGN_TLS);
    const first = results.findIndex(flagged);
    expect(first).toBeGreaterThanOrEqual(0);
    const during = results.filter((r, i) => i >= first && r.watermark <= lastAttack);
    expect(during.length).toBeGreaterThan(1);
    expect(during.every(flagged)).toBe(true);
    const after = results.filter((r) => r.watermark >= lastAttack + 11 * MIN);
    expect(after.length).toBeGreaterThan(0);
    expect(after.some(flagged)).toBe(false);
  });

  it('lets the signature go when the source goes quiet and the watermark moves on', () => {
    const d = new LoginPopulationDetector();
    const attack = campaign(WARM, 5, 400, sharing('tls', CAMPAIGN_TLS));
    const upToAttackEnd = [...benign.filter((e) => e.ts < WARM + 5 * MIN), ...attack];
    expect(all(run(d, upToAttackEnd)).length).toBeGreaterThan(0);
    const quietFor = (minutes: number) => d.detect(new BatchView([], [], WARM + (5 + minutes) * MIN));
    expect(quietFor(11)).toEqual([]);
  });

  it('emits nothing for a campaign that shares nothing distinctive (dressed like the customers)', () => {
    const attack = campaign(WARM, 5, 400, likeCustomers(5));
    expect(all(run(new LoginPopulationDetector(), [...benign, ...attack]))).toEqual([]);
  });

  it('reports the login flow beside a signature when its vector is in the batch', () => {
    const attack = campaign(WARM, 5, 400, sharing('tls', CAMPAIGN_TLS));
    const flow = vector('loginFlow', LOGIN_FLOW_ID, { loginFailuresRobustZ: 12, loginFailures10m: 400 });
    const found = all(run(new LoginPopulationDetector(), [...benign, ...attack], [flow]));
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) {
      expect(f.reasons).toContainEqual(
        expect.objectContaining({ feature: 'loginFlow.loginFailuresRobustZ', value: 12 }),
      );
    }
  });

  describe('under a flood of distinct user agents, one failure each', () => {
    const cap = 256;
    const options: LoginPopulationOptions = { ...DEFAULT_LOGIN_POPULATION, maxValuesPerField: cap };
    const flood = (from: number, count: number, seed: number) => {
      const r = rng(seed);
      const dress = likeCustomers(seed);
      return campaign(from, 3, count, () => ({
        ...dress(),
        userAgent: `Mozilla/5.0 (${Math.floor(r() * 1e9).toString(36)}) Gecko/${Math.floor(r() * 1e6)}`,
      }));
    };

    it('emits nothing, keeps at most the cap of new values and counts the rest', () => {
      const d = new LoginPopulationDetector(options);
      const first = flood(WARM, 3 * cap, 21);
      let results: BatchResult[] = [];
      expect(() => (results = run(d, [...benign.filter((e) => e.ts < WARM + 3 * MIN), ...first]))).not.toThrow();
      expect(all(results)).toEqual([]);
      const afterFirst = d.overflowed;
      expect(afterFirst).toBeGreaterThan(0);
      expect(() => (results = run(d, flood(WARM + 3 * MIN, 3 * cap, 22)))).not.toThrow();
      expect(all(results)).toEqual([]);
      expect(d.overflowed).toBeGreaterThan(afterFirst);
    });

    it('still sees a campaign that shares a TLS fingerprint during the flood', () => {
      const d = new LoginPopulationDetector(options);
      const attack = campaign(WARM, 3, 300, sharing('tls', CAMPAIGN_TLS, 9));
      const results = run(d, [...benign.filter((e) => e.ts < WARM + 3 * MIN), ...flood(WARM, 3 * cap, 23), ...attack]);
      expect(d.overflowed).toBeGreaterThan(0);
      expect(all(results).some((f) => signatureOf(f).tlsFingerprint === CAMPAIGN_TLS)).toBe(true);
    });
  });

  it('does not count a failure that arrives more than ten minutes late', () => {
    const d = new LoginPopulationDetector({ ...DEFAULT_LOGIN_POPULATION, minFailures: 10, minFailuresUnseen: 10 });
    const quiet = benignLogins(T0, WARM);
    run(d, quiet);
    const shared = sharing('tls', CAMPAIGN_TLS, 13);
    const inWindow = campaign(WARM, 0.05, 6, shared);
    expect(d.detect(new BatchView(inWindow, [], WARM + 5 * SEC))).toEqual([]);
    const late = campaign(WARM - 15 * MIN, 0.1, 8, shared).map((e, i) => ({ ...e, clientIp: `10.9.9.${i}` }));
    expect(d.detect(new BatchView(late, [], WARM + 10 * SEC))).toEqual([]);
  });
});
