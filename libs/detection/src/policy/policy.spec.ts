import fc from 'fast-check';
import { IdHasher, type AccessEvent, type RouteClass } from '@vigil/events';
import { event, T0 } from '../../../../test/features/fixtures/access-events';
import { ipLoginVector } from '../../../../test/fixtures/builders/feature-vector';
import { finding, ipFinding, principalFinding, signatureFinding } from '../../../../test/fixtures/builders/finding';
import { ipFacts } from '../detectors/baseline-rules';
import { CompositeDetector } from '../detectors/composite-detector';
import { BatchView, type Finding } from '../detectors/finding';
import type { ModelRow, ModelScorer } from '../detectors/model-scorer';
import { decisionExpiresAt, SIGNATURE_FIELDS, type Decision, type Signature } from '../records/records';
import { matches, Policy, type PolicyOptions } from './policy';
import { DETECTOR_NAMES, parsePolicyConfig, PolicyConfigError } from './policy-config';

const SEC = 1000;
const MIN = 60 * SEC;
const IP = '203.0.113.7';

const policyOf = (input: unknown = {}, options: PolicyOptions = {}) => new Policy(parsePolicyConfig(input), options);

/** Stuffing decisions last 600 s; a repeat offender's next one ×3, up to 3000 s. */
const ESCALATING = {
  detectors: { 'credential-stuffing': { ttlSeconds: 600 } },
  ttl: { escalationFactor: 3, maxSeconds: 3000 },
};

/** The one decision an outcome holds. */
function only(ds: readonly Decision[]): Decision {
  expect(ds).toHaveLength(1);
  return ds[0]!;
}

const ttlMs = (d: Decision) => d.ttlSeconds * SEC;

/** A login request as a proxy sees it, with a TLS fingerprint (the event builder leaves it null). */
const login = (o: Parameters<typeof event>[0] & { tls?: string | null } = {}): AccessEvent => ({
  ...event({ routeClass: 'login', ...o }),
  tlsFingerprint: o.tls ?? null,
});

describe('Policy: decision ids', () => {
  it('gives the same id to the same finding at the same time, in any policy instance', () => {
    const a = only(policyOf().apply([ipFinding(IP)], T0).decisions);
    const b = only(policyOf().apply([ipFinding(IP)], T0).decisions);
    expect(b.id).toBe(a.id);
  });

  it('gives a different id to a decision on another target or from another detector', () => {
    const p = policyOf();
    const a = only(p.apply([ipFinding(IP)], T0).decisions);
    const other = only(p.apply([ipFinding('203.0.113.8')], T0).decisions);
    const scraping = only(p.apply([ipFinding(IP, { detector: 'scraping', rule: 'ip-enumeration' })], T0).decisions);
    expect(new Set([a.id, other.id, scraping.id]).size).toBe(3);
  });
});

describe('Policy: a decision in force', () => {
  it('is not emitted again, nor alerted again, while its finding persists in the first half of its TTL', () => {
    const p = policyOf();
    const d = only(p.apply([ipFinding(IP)], T0).decisions);
    for (const share of [0.1, 0.25, 0.45]) {
      const again = p.apply([ipFinding(IP)], T0 + share * ttlMs(d));
      expect(again.decisions).toEqual([]);
      expect(again.alerts).toEqual([]);
    }
  });

  it('is extended once half its TTL is gone: one record with the same id and a later expiry', () => {
    const p = policyOf();
    const d = only(p.apply([ipFinding(IP)], T0).decisions);
    const at = T0 + 0.6 * ttlMs(d);
    const extended = only(p.apply([ipFinding(IP)], at).decisions);
    expect(extended.id).toBe(d.id);
    expect(extended.ts).toBe(at);
    expect(decisionExpiresAt(extended)).toBeGreaterThan(decisionExpiresAt(d));
    expect(p.activeDecisions(at).filter((x) => x.value === IP)).toEqual([extended]);
  });

  it('after expiry, a new episode gets a new id and an escalated TTL, capped at ttl.maxSeconds', () => {
    const p = policyOf(ESCALATING);
    const { escalationFactor, maxSeconds } = p.config.ttl;
    const episodes: Decision[] = [only(p.apply([ipFinding(IP)], T0).decisions)];
    for (let i = 1; i < 4; i++) {
      const prev = episodes[i - 1]!;
      episodes.push(only(p.apply([ipFinding(IP)], decisionExpiresAt(prev) + MIN).decisions));
    }
    expect(new Set(episodes.map((d) => d.id)).size).toBe(episodes.length);
    for (let i = 1; i < episodes.length; i++) {
      const expected = Math.min(maxSeconds, Math.round(episodes[i - 1]!.ttlSeconds * escalationFactor));
      expect(episodes[i]!.ttlSeconds).toBe(expected);
      expect(episodes[i]!.ttlSeconds).toBeGreaterThanOrEqual(episodes[i - 1]!.ttlSeconds);
    }
    expect(episodes.at(-1)!.ttlSeconds).toBe(maxSeconds);
  });

  it('counts a decision kept in force by extensions as a recent offence when the next episode starts', () => {
    const p = policyOf({ ...ESCALATING, ttl: { ...ESCALATING.ttl, offenderMemorySeconds: 3600 } });
    const first = only(p.apply([ipFinding(IP)], T0).decisions);
    let current = first;
    // The campaign goes on for two hours: the decision is extended every time half of it is gone.
    for (let at = T0; at < T0 + 120 * MIN;) {
      at += 0.6 * ttlMs(current);
      current = only(p.apply([ipFinding(IP)], at).decisions);
    }
    // It pauses for a minute past the last extension's expiry, then comes back.
    const next = only(p.apply([ipFinding(IP)], decisionExpiresAt(current) + MIN).decisions);
    expect(next.id).not.toBe(first.id);
    expect(next.ttlSeconds).toBeGreaterThan(first.ttlSeconds);
  });

  it("does not lengthen the active model's decision because a shadow model flagged the same address", () => {
    const scorer = (version: string): ModelScorer => {
      const row: ModelRow = { id: IP, score: 0.99, alert: true, enforce: true, explain: () => [], features: {} };
      return {
        version,
        manifestDigest: version,
        thresholds: { alert: 0.5, enforce: 0.9 },
        score: () => [row],
      } as never;
    };
    const detect = (shadowModel: ModelScorer | null) =>
      new CompositeDetector({
        id: 'credential-stuffing',
        entity: 'ip',
        action: 'block',
        model: scorer('m-1'),
        shadowModel,
        rules: [],
        ruleThresholds: { alert: 0.5, enforce: 0.9 },
      }).detect(new BatchView([], [ipLoginVector(IP, { failures: 40 })], T0));
    const alone = only(policyOf().apply(detect(null), T0).decisions);
    const beside = policyOf()
      .apply(detect(scorer('m-2')), T0)
      .decisions.filter((d) => !d.shadow);
    expect(only(beside).ttlSeconds).toBe(alone.ttlSeconds);
  });
});

describe('Policy: allowlist', () => {
  const cidrs = [{ value: '198.51.100.0/24', note: 'partner-x' }, '10.20.0.0/16'];

  it.each([
    ['an address in a noted range', finding('ip', '198.51.100.7')],
    ['an address in a bare range', finding('ip', '10.20.3.4')],
    ['a subnet inside a range', finding('subnet', '10.20.5.0/24')],
  ])('makes no decision on %s, and one low-severity alert marked as an allowlist exception', (_, f) => {
    const out = policyOf({ allowlist: { cidrs } }).apply([f], T0);
    expect(out.decisions).toEqual([]);
    expect(out.alerts).toHaveLength(1);
    expect(out.alerts[0]!.severity).toBe('low');
    expect(out.records).toHaveLength(1);
    expect(out.records[0]!.policyRule).toMatch(/^allowlist:/);
  });

  it('still decides on an address outside every range', () => {
    expect(policyOf({ allowlist: { cidrs } }).apply([ipFinding(IP)], T0).decisions).toHaveLength(1);
  });

  it('alerts an allowlisted entity once, not at every batch', () => {
    const p = policyOf({ allowlist: { cidrs } });
    expect(p.apply([ipFinding('10.20.3.4')], T0).alerts).toHaveLength(1);
    expect(p.apply([ipFinding('10.20.3.4')], T0 + MIN).alerts).toEqual([]);
  });

  it('compares allowlisted principals and API keys by their hash, as the normalizer hashes them', () => {
    const hasher = new IdHasher('test-key');
    const p = policyOf(
      { allowlist: { principals: ['  Monitor.Bot '], apiKeys: [{ value: 'key-partner', note: 'partner' }] } },
      { hashId: (kind, raw) => hasher.hash(kind, raw) },
    );
    const allowed = [
      principalFinding(hasher.hash('p', 'monitor.bot')),
      finding('api_key', hasher.hash('k', 'key-partner'), { detector: 'api-key-abuse' }),
    ];
    const out = p.apply(allowed, T0);
    expect(out.decisions).toEqual([]);
    expect(out.alerts.map((a) => a.severity)).toEqual(['low', 'low']);
    expect(out.records.every((r) => r.policyRule.startsWith('allowlist:'))).toBe(true);
    expect(p.apply([principalFinding(hasher.hash('p', 'someone.else'))], T0).decisions).toHaveLength(1);
  });

  it('refuses principal or API-key entries without a way to hash them', () => {
    expect(() => policyOf({ allowlist: { principals: ['alice'] } })).toThrow(/policy\.allowlist/);
  });
});

describe('Policy: guards', () => {
  /** The finding a stuffing detector makes on an address, with the facts it attaches. */
  const stuffingOn = (v: ReturnType<typeof ipLoginVector>, over: Partial<Finding> = {}): Finding =>
    ipFinding(v.id, { facts: ipFacts(v, new BatchView([], [v], T0)), ...over });

  it('never blocks a carrier-NAT-like address (30 accounts logged in, 3 failures) even when a finding says enforce', () => {
    const cgnat = ipLoginVector('100.64.10.20', { failures: 3, successes: 30, minutes: 10, distinctPrincipals: 33 });
    const p = policyOf();
    const out = p.apply([stuffingOn(cgnat, { score: 0.99, rule: 'model' })], T0);
    expect(only(out.decisions).action).toBe('monitor');
    expect(out.records.find((r) => r.kind === 'decision')!.policyRule).toMatch(/^guard:shared-address/);
    expect(p.enforcingFor(login({ ip: '100.64.10.20', ts: T0 + SEC }), T0 + SEC)).toEqual([]);
  });

  it('monitors, never enforces on, any busy shared address whose logins mostly succeed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 30, max: 2000 }),
        fc.integer({ min: 0, max: 100 }),
        (successes, failurePerMille) => {
          const failures = Math.floor((successes * failurePerMille) / 2000); // at most 5 % of the successes
          const v = ipLoginVector('100.64.10.20', { failures, successes, minutes: 10 });
          const out = policyOf().apply([stuffingOn(v)], T0);
          return out.decisions.every((d) => d.action === 'monitor');
        },
      ),
    );
  });

  it('never blocks a carrier-NAT-like address whose 30 successful logins came earlier in the hour', () => {
    const cgnat = ipLoginVector('100.64.10.20', {
      failures: 3,
      earlierSuccesses: 30,
      minutes: 10,
      distinctPrincipals: 1,
    });
    const out = policyOf().apply([stuffingOn(cgnat, { score: 0.99, rule: 'model' })], T0);
    expect(only(out.decisions).action).toBe('monitor');
  });

  it('still blocks an address that fails most of its logins, whatever it had before', () => {
    const attacked = ipLoginVector('100.64.10.20', { failures: 400, successes: 30, minutes: 10 });
    expect(only(policyOf().apply([stuffingOn(attacked)], T0).decisions).action).toBe('block');
  });

  it('monitors, never blocks, a declared search crawler', () => {
    const ua = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
    const p = policyOf();
    const crawler = only(p.apply([ipFinding('66.249.66.1', { detector: 'scraping' })], T0, () => ua).decisions);
    expect(crawler.action).toBe('monitor');
    const browser = only(p.apply([ipFinding(IP, { detector: 'scraping' })], T0, () => 'Mozilla/5.0 (X11)').decisions);
    expect(browser.action).toBe('block');
  });

  it("monitors, never blocks, an API key that acts for many customers' accounts (an aggregator's)", () => {
    const keyFinding = (id: string, accounts: number) =>
      finding('api_key', id, { detector: 'api-key-abuse', facts: { distinctAccountsServed: accounts } });
    const p = policyOf();
    const out = p.apply([keyFinding('k-aggregator', 40), keyFinding('k-fleet', 0)], T0);
    const byKey = new Map(out.decisions.map((d) => [d.value, d]));
    expect(byKey.get('k-aggregator')!.action).toBe('monitor');
    expect(byKey.get('k-fleet')!.action).toBe('block');
    expect(out.records.find((r) => r.record === byKey.get('k-aggregator'))!.policyRule).toMatch(/^guard:shared-key/);
  });
});

describe('Policy: shadow', () => {
  const all = (): Finding[] => [
    ipFinding(IP),
    principalFinding('p-victim'),
    finding('session', 's-1', { detector: 'session-hijack', action: 'revoke_session' }),
    signatureFinding({ routeClass: 'login', tlsFingerprint: 't13d-evil' }),
  ];
  const requests = [
    login({ ip: IP }),
    event({ principal: 'p-victim' }),
    event({ session: 's-1' }),
    login({ ip: '192.0.2.50', tls: 't13d-evil' }),
  ];

  it('in global shadow mode writes every decision as shadow and enforces none', () => {
    const p = policyOf({ mode: 'shadow' });
    const out = p.apply(all(), T0);
    expect(out.decisions).toHaveLength(all().length);
    expect(out.decisions.every((d) => d.shadow)).toBe(true);
    for (const e of requests) expect(p.enforcingFor(e, T0 + SEC)).toEqual([]);
    expect(p.activeDecisions(T0 + SEC)).toHaveLength(all().length);
  });

  it('writes one detector as shadow when that detector is, and enforces the others', () => {
    const p = policyOf({ detectors: { 'credential-stuffing': { shadow: true } } });
    const out = p.apply(all(), T0);
    expect(out.decisions.filter((d) => d.shadow).map((d) => d.detector)).toEqual(['credential-stuffing']);
    expect(p.enforcingFor(requests[0]!, T0 + SEC)).toEqual([]);
    expect(p.enforcingFor(requests[1]!, T0 + SEC)).toHaveLength(1);
  });

  it('writes a shadow finding (from a shadow model) as a shadow decision', () => {
    const p = policyOf();
    expect(only(p.apply([ipFinding(IP, { shadow: true })], T0).decisions).shadow).toBe(true);
    expect(p.enforcingFor(login({ ip: IP }), T0 + SEC)).toEqual([]);
  });

  it('makes no decision for a disabled detector', () => {
    expect(policyOf({ detectors: { 'credential-stuffing': { enabled: false } } }).apply([ipFinding(IP)], T0)).toEqual({
      decisions: [],
      alerts: [],
      records: [],
    });
  });
});

describe('Policy: enforcingFor', () => {
  it("matches ip, principal, session and api_key decisions on the request's own fields", () => {
    const p = policyOf();
    const [ip, principal, session, key] = p.apply(
      [
        ipFinding(IP),
        principalFinding('p-victim'),
        finding('session', 's-1', { detector: 'session-hijack', action: 'revoke_session' }),
        finding('api_key', 'k-1', { detector: 'api-key-abuse' }),
      ],
      T0,
    ).decisions;
    const at = T0 + SEC;
    expect(p.enforcingFor(login({ ip: IP, ts: at }), at)).toEqual([ip]);
    expect(p.enforcingFor(event({ principal: 'p-victim', ts: at }), at)).toEqual([principal]);
    expect(p.enforcingFor(event({ session: 's-1', ts: at }), at)).toEqual([session]);
    expect(p.enforcingFor(event({ apiKey: 'k-1', ts: at }), at)).toEqual([key]);
    expect(p.enforcingFor(event({ ip: IP, principal: 'p-victim', ts: at }), at)).toEqual(
      expect.arrayContaining([ip, principal]),
    );
    expect(p.enforcingFor(event({ ts: at }), at)).toEqual([]);
  });

  it('matches a signature decision only on a request with every one of its fields', () => {
    const p = policyOf();
    const sig: Signature = { routeClass: 'login', tlsFingerprint: 't13d-evil', country: 'BR' };
    const d = only(p.apply([signatureFinding(sig)], T0).decisions);
    const at = T0 + SEC;
    expect(p.enforcingFor(login({ ip: '192.0.2.50', tls: 't13d-evil', country: 'BR' }), at)).toEqual([d]);
    expect(p.enforcingFor({ ...event({ country: 'BR' }), tlsFingerprint: 't13d-evil' }, at)).toEqual([]);
    expect(p.enforcingFor(login({ tls: 't13d-good', country: 'BR' }), at)).toEqual([]);
    expect(p.enforcingFor(login({ tls: 't13d-evil', country: 'FR' }), at)).toEqual([]);
    expect(p.enforcingFor(login({ tls: null, country: 'BR' }), at)).toEqual([]);
  });

  it('matches a request that has every field of a signature, and no request differing in one of them', () => {
    const text = fc.string({ minLength: 1, maxLength: 8 });
    const request = fc.record({
      method: text,
      host: text,
      path: text,
      routeClass: fc.constantFrom<RouteClass>('login', 'signup', 'data-read'),
      userAgent: text,
      tlsFingerprint: text,
      country: text,
      asn: fc.integer({ min: 1, max: 4_000_000 }),
    });
    fc.assert(
      fc.property(request, fc.subarray([...SIGNATURE_FIELDS], { minLength: 1 }), fc.nat(), (fields, named, pick) => {
        const e: AccessEvent = { ...event(), ...fields };
        const sig: Record<string, string> = {};
        for (const f of named) sig[f] = String(e[f]);
        const p = policyOf();
        const d = only(p.apply([signatureFinding(sig)], T0).decisions);
        const changed = named[pick % named.length]!;
        const other: AccessEvent =
          changed === 'asn'
            ? { ...e, asn: e.asn! + 1 }
            : changed === 'routeClass'
              ? { ...e, routeClass: e.routeClass === 'login' ? 'other' : 'login' }
              : { ...e, [changed]: `${e[changed]}x` };
        expect(matches(sig, e)).toBe(true);
        expect(p.enforcingFor(e, T0 + SEC)).toEqual([d]);
        expect(matches(sig, other)).toBe(false);
        expect(p.enforcingFor(other, T0 + SEC)).toEqual([]);
      }),
    );
  });

  it.each([
    ['an address', ipFinding(IP), login({ ip: IP })],
    [
      'a signature',
      signatureFinding({ routeClass: 'login', tlsFingerprint: 't13d-evil' }),
      login({ ip: '192.0.2.50', tls: 't13d-evil' }),
    ],
  ])('enforces a decision on %s only from when it was first made, through its extensions', (_, f, e) => {
    const p = policyOf();
    const at = T0 + 10 * MIN;
    const d = only(p.apply([f], at).decisions);
    const asOf = (t: number) => p.enforcingFor({ ...e, ts: t }, t).map((x) => x.id);
    expect(asOf(at - SEC)).toEqual([]);
    expect(asOf(at)).toEqual([d.id]);
    expect(asOf(at + SEC)).toEqual([d.id]);
    const extended = only(p.apply([f], at + 0.6 * ttlMs(d)).decisions);
    expect(asOf(at - SEC)).toEqual([]);
    expect(asOf(at + SEC)).toEqual([d.id]);
    expect(asOf(decisionExpiresAt(d) + MIN)).toEqual([d.id]);
    expect(asOf(decisionExpiresAt(extended) + SEC)).toEqual([]);
  });
});

describe('Policy: alerts', () => {
  const cfg = { alertCooldownSeconds: 600 };
  const alertOnly = (over: Partial<Finding> = {}) => ipFinding(IP, { score: 0.6, enforce: false, ...over });

  it('alerts on a finding below enforcement, without a decision, and not again within the cooldown', () => {
    const p = policyOf(cfg);
    const first = p.apply([alertOnly()], T0);
    expect(first.decisions).toEqual([]);
    expect(first.alerts).toHaveLength(1);
    expect(p.apply([alertOnly()], T0 + 5 * MIN).alerts).toEqual([]);
    expect(p.apply([alertOnly()], T0 + 9 * MIN).alerts).toEqual([]);
    expect(p.apply([alertOnly()], T0 + 11 * MIN).alerts).toHaveLength(1);
  });

  it('alerts again within the cooldown when a new decision is made on the entity, linking it', () => {
    const p = policyOf(cfg);
    expect(p.apply([alertOnly()], T0).alerts[0]!.decisionIds).toEqual([]);
    const escalated = p.apply([ipFinding(IP)], T0 + MIN);
    const d = only(escalated.decisions);
    expect(escalated.alerts).toHaveLength(1);
    expect(escalated.alerts[0]!.decisionIds).toEqual([d.id]);
    const persisting = p.apply([ipFinding(IP)], T0 + 2 * MIN);
    expect(persisting.decisions).toEqual([]);
    expect(persisting.alerts).toEqual([]);
  });
});

describe('parsePolicyConfig', () => {
  const problems = (input: unknown): string => {
    try {
      parsePolicyConfig(input);
    } catch (err) {
      expect(err).toBeInstanceOf(PolicyConfigError);
      return (err as Error).message;
    }
    throw new Error(`${JSON.stringify(input)} was accepted`);
  };

  it('makes a working policy of no policy section at all: enforce mode, every detector enabled', () => {
    for (const input of [undefined, null, {}]) {
      const cfg = parsePolicyConfig(input);
      expect(cfg.mode).toBe('enforce');
      for (const d of DETECTOR_NAMES) expect(cfg.detectors[d].enabled).toBe(true);
    }
  });

  it('rejects an unknown key, naming the section it is in and the key', () => {
    const message = problems({ detectors: { scraping: { foo: 1 } } });
    expect(message).toContain('policy.detectors.scraping');
    expect(message).toContain('foo');
  });

  it('names an unknown key by its full path', () => {
    expect(problems({ detectors: { scraping: { foo: 1 } } })).toContain('policy.detectors.scraping.foo');
  });

  it('rejects an unknown detector and an unknown top-level key', () => {
    expect(problems({ detectors: { 'credential-stufing': {} } })).toMatch(/policy\.detectors\b.*credential-stufing/);
    expect(problems({ allowList: {} })).toMatch(/policy\b.*allowList/);
  });

  it('rejects a CIDR that does not parse, naming the entry', () => {
    const message = problems({ allowlist: { cidrs: ['10.0.0.0/8', '10.0.0.0/33', { value: 'not-an-ip' }] } });
    expect(message).toContain('policy.allowlist.cidrs.1');
    expect(message).toMatch(/policy\.allowlist\.cidrs\.2/);
    expect(message).not.toContain('cidrs.0');
  });

  it('rejects a threshold outside [0, 1], naming it', () => {
    const outside = fc.oneof(
      fc.double({ min: -1e6, max: -1e-9, noNaN: true }),
      fc.double({ min: 1 + 1e-9, max: 1e6, noNaN: true }),
    );
    const key = fc.constantFrom('ruleAlert', 'ruleEnforce', 'modelAlert', 'modelEnforce');
    fc.assert(
      fc.property(fc.constantFrom(...DETECTOR_NAMES), key, outside, (d, k, x) => {
        expect(problems({ detectors: { [d]: { [k]: x } } })).toContain(`policy.detectors.${d}.${k}`);
      }),
    );
    expect(problems({ guards: { sharedAddressMaxFailedLoginRatio: 1.5 } })).toContain(
      'policy.guards.sharedAddressMaxFailedLoginRatio',
    );
  });

  it('accepts every threshold inside [0, 1]', () => {
    fc.assert(
      fc.property(fc.constantFrom(...DETECTOR_NAMES), fc.double({ min: 0, max: 1, noNaN: true }), (d, x) => {
        expect(
          parsePolicyConfig({ detectors: { [d]: { ruleAlert: x, modelEnforce: x } } }).detectors[d].ruleAlert,
        ).toBe(x);
      }),
    );
  });

  it('reports every problem in one error', () => {
    const message = problems({ mode: 'loud', detectors: { scraping: { ruleAlert: 2 } }, allowlist: { cidrs: ['x'] } });
    expect(message).toContain('policy.mode');
    expect(message).toContain('policy.detectors.scraping.ruleAlert');
    expect(message).toContain('policy.allowlist.cidrs.0');
  });
});
