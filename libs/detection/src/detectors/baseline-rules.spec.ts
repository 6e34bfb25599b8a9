import fc from 'fast-check';
import { FEATURE_REGISTRY, type EntityType, type FeatureVector } from '@vigil/features';
import { ipLoginVector, vector, VECTOR_T0 } from '../../../../test/fixtures/builders/feature-vector';
import { buildDetectors } from '../engine/build-detectors';
import { DEFAULT_POLICY } from '../policy/policy-config';
import {
  apiKeyFleet,
  ipEnumeration,
  ipLoginFailures,
  ipRegularBreadth,
  principalLoginFailures,
  principalTakeover,
  sessionTwoPlaces,
} from './baseline-rules';
import type { EntityRule } from './composite-detector';
import { BatchView, type Finding } from './finding';

/** The production line-up without models: what the baselines alone decide, at the default policy. */
const LINE_UP = buildDetectors({ active: new Map() }, DEFAULT_POLICY);

/** The finding detector `id` makes on `v` (its only entity), or null. */
function findingOf(id: string, v: FeatureVector): Finding | null {
  const detector = LINE_UP.find((d) => d.id === id);
  if (!detector) throw new Error(`no detector ${id} in the line-up`);
  const found = detector.detect(new BatchView([], [v], VECTOR_T0)).filter((f) => f.entity.id === v.id);
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0] ?? null;
}

const enforced = (f: Finding | null) => f !== null && f.enforce;
const alertedOnly = (f: Finding | null) => f !== null && f.alert && !f.enforce;
/** A rule's score, 0 when it does not fire. */
const scoreOf = (rule: EntityRule, v: FeatureVector) => rule.evaluate(v, new BatchView([], [v], VECTOR_T0))?.score ?? 0;

describe('credential stuffing (ip-login-failures)', () => {
  it('enforces on a burst of 40 failed logins on distinct accounts from one address in one minute', () => {
    const f = findingOf('credential-stuffing', ipLoginVector('192.0.2.10', { failures: 40 }));
    expect(enforced(f)).toBe(true);
    expect(f!.action).toBe('block');
    expect(f!.target).toEqual({ scope: 'ip', value: '192.0.2.10' });
    expect(f!.reasons.map((r) => r.feature)).toContain('ip.loginFailures10m');
  });

  it('enforces on the same failures piled up over ten minutes, none in the last one', () => {
    const v = ipLoginVector('192.0.2.10', { failures: 40, minutes: 10, failuresLastMinute: 0 });
    expect(enforced(findingOf('credential-stuffing', v))).toBe(true);
  });

  it('carries the facts the shared-address guard reads', () => {
    const f = findingOf('credential-stuffing', ipLoginVector('192.0.2.10', { failures: 40, successes: 2 }));
    expect(f!.facts).toMatchObject({ loginSuccesses1h: 2, failedLoginRatio10m: 40 / 42 });
  });

  it.each([
    ['one failed login', { failures: 1 }],
    ['a customer mistyping three times, then logging in', { failures: 3, successes: 1, distinctPrincipals: 1 }],
    ['a carrier NAT: 30 accounts logged in, 3 failures', { failures: 3, successes: 30, minutes: 10 }],
    ['an office: 100 logins, 10 failures', { failures: 10, successes: 100, minutes: 10 }],
  ])('finds nothing in %s', (_, o) => {
    expect(findingOf('credential-stuffing', ipLoginVector('192.0.2.10', o))).toBeNull();
  });

  it('never scores lower for more failed logins', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 200 }),
        fc.boolean(),
        (successes, failures, more, recent) => {
          const lastMinute = Math.floor(failures / 3);
          const before = ipLoginVector('192.0.2.10', {
            failures,
            successes,
            minutes: 10,
            failuresLastMinute: lastMinute,
          });
          const after = ipLoginVector('192.0.2.10', {
            failures: failures + more,
            successes,
            minutes: 10,
            failuresLastMinute: lastMinute + (recent ? more : 0),
          });
          expect(scoreOf(ipLoginFailures, after)).toBeGreaterThanOrEqual(scoreOf(ipLoginFailures, before));
        },
      ),
    );
  });
});

describe('credential cracking (principal-login-failures)', () => {
  const account = (failures: number) =>
    vector('principal', 'p-1', {
      loginAttempts10m: failures,
      loginFailures10m: failures,
      loginFailures1h: failures,
      consecutiveFailures: failures,
      failedLoginRatio10m: failures > 0 ? 1 : 0,
      distinctIps10m: 1,
    });

  it('challenges an account after thirty failures in a row', () => {
    const f = findingOf('credential-cracking', account(30));
    expect(enforced(f)).toBe(true);
    expect(f!.action).toBe('challenge');
    expect(f!.target).toEqual({ scope: 'principal', value: 'p-1' });
  });

  it('finds nothing in a customer mistyping twice', () => {
    expect(findingOf('credential-cracking', account(2))).toBeNull();
  });

  it('never scores lower for more failures', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 100 }), (n, more) => {
        expect(scoreOf(principalLoginFailures, account(n + more))).toBeGreaterThanOrEqual(
          scoreOf(principalLoginFailures, account(n)),
        );
      }),
    );
  });
});

describe('account takeover (principal-takeover)', () => {
  const account = (o: Record<string, number>) =>
    vector('principal', 'p-1', { knownDevices30d: 2, knownAsns30d: 2, loginSuccesses1h: 1, ...o });
  const impossibleTravel = { maxTravelSpeedKmh1h: 9000, distinctCountries24h: 2, newCountry1h: 1, newAsn1h: 1 };

  // Alert only: a traveller who mistypes abroad and then pays looks the same to these counts (the
  // seed-3003 traveller trap did); enforcement comes from login-from-flagged-source or a model score.
  it('alerts, at its highest score, on a login after a run of failures from the other side of the world, then money moved', () => {
    const f = findingOf(
      'account-takeover',
      account({ ...impossibleTravel, failuresBeforeLastSuccess: 6, sensitiveAfterLogin10m: 2, sensitiveActions10m: 2 }),
    );
    expect(f).toBeDefined();
    expect(enforced(f)).toBe(false);
    expect(f!.action).toBe('step_up');
  });

  it('only alerts on a traveller: impossible travel without failures, even before a payment', () => {
    const f = findingOf('account-takeover', account({ ...impossibleTravel, sensitiveAfterLogin10m: 1 }));
    expect(alertedOnly(f)).toBe(true);
  });

  it('only alerts on a login from a new place after failures, with no sensitive action after it', () => {
    const f = findingOf('account-takeover', account({ failuresBeforeLastSuccess: 4, newCountry1h: 1, newAsn1h: 1 }));
    expect(alertedOnly(f)).toBe(true);
  });

  it('finds nothing in a customer on a new phone', () => {
    expect(findingOf('account-takeover', account({ newDevice1h: 1, newDevice10m: 1, newUserAgent1h: 1 }))).toBeNull();
  });

  it('scores the takeover above the traveller', () => {
    const takeover = account({ ...impossibleTravel, failuresBeforeLastSuccess: 6, sensitiveAfterLogin10m: 2 });
    const traveller = account({ ...impossibleTravel, sensitiveAfterLogin10m: 2 });
    expect(scoreOf(principalTakeover, takeover)).toBeGreaterThan(scoreOf(principalTakeover, traveller));
  });
});

describe('session hijack (session-two-places)', () => {
  const session = (ips: number, uas: number, sensitive = 0) =>
    vector('session', 's-1', {
      requests10m: 20,
      requests1h: 40,
      distinctIps1h: ips,
      distinctUserAgents1h: uas,
      sensitiveActions10m: sensitive,
    });

  it('revokes a session seen from two addresses with two browsers (a copied cookie)', () => {
    const f = findingOf('session-hijack', session(2, 2));
    expect(enforced(f)).toBe(true);
    expect(f!.action).toBe('revoke_session');
  });

  it('finds nothing in a phone moving between networks', () => {
    expect(findingOf('session-hijack', session(2, 1))).toBeNull();
    expect(findingOf('session-hijack', session(1, 1, 3))).toBeNull();
  });

  it('flags a moving phone that makes a payment, no more strongly than a copied cookie', () => {
    const moving = findingOf('session-hijack', session(2, 1, 1));
    expect(moving?.alert).toBe(true);
    expect(moving!.score).toBeLessThanOrEqual(findingOf('session-hijack', session(2, 2, 1))!.score);
  });

  it('never scores lower for more addresses or browsers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.nat(3), (ips, uas, s) => {
        const base = scoreOf(sessionTwoPlaces, session(ips, uas, s));
        expect(scoreOf(sessionTwoPlaces, session(ips + 1, uas, s))).toBeGreaterThanOrEqual(base);
        expect(scoreOf(sessionTwoPlaces, session(ips, uas + 1, s))).toBeGreaterThanOrEqual(base);
      }),
    );
  });
});

describe('scraping (ip-enumeration, ip-regular-breadth)', () => {
  const reader = (o: Record<string, number>) => vector('ip', '192.0.2.77', o);

  it('blocks an address stepping through account ids, answered mostly 404', () => {
    const v = reader({
      requests10m: 300,
      distinctResources10m: 300,
      sequentialIdRatio10m: 0.95,
      status404Ratio10m: 0.75,
    });
    const f = findingOf('scraping', v);
    expect(enforced(f)).toBe(true);
    expect(f!.action).toBe('block');
  });

  it('blocks an address guessing ids, nearly all denied', () => {
    const v = reader({ requests10m: 300, distinctResources10m: 290, status404Ratio10m: 0.6, status403Ratio10m: 0.35 });
    expect(enforced(findingOf('scraping', v))).toBe(true);
  });

  it('blocks metronomic reading of many resources with no page assets', () => {
    const v = reader({
      requests10m: 250,
      distinctResources10m: 200,
      interArrivalCv10m: 0.02,
      meanInterArrivalMs10m: 2000,
    });
    expect(enforced(findingOf('scraping', v))).toBe(true);
  });

  it.each([
    [
      'a person browsing (irregular, with page assets, a few 404s)',
      { requests10m: 60, distinctResources10m: 25, interArrivalCv10m: 1.3, meanInterArrivalMs10m: 9000 },
      { staticAssetRatio10m: 0.4, status404Ratio10m: 0.03, sequentialIdRatio10m: 0.1 },
    ],
    [
      'a health monitor polling one path every 30 s',
      { requests10m: 20, distinctResources10m: 1, interArrivalCv10m: 0.01, meanInterArrivalMs10m: 30_000 },
      {},
    ],
    [
      'a customer reading their own statements in order (all answered)',
      { requests10m: 30, distinctResources10m: 30, interArrivalCv10m: 0.9, meanInterArrivalMs10m: 8000 },
      { sequentialIdRatio10m: 0.8, staticAssetRatio10m: 0.2 },
    ],
    ['a client too new to have an inter-arrival time', { requests10m: 2, distinctResources10m: 2 }, {}],
  ])('finds nothing in %s', (_, a, b) => {
    expect(findingOf('scraping', reader({ ...a, ...b }))).toBeNull();
  });

  it('never scores lower for more requests stepping through denied ids', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 400 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, more, sequential, denied) => {
          const v = (requests: number) =>
            reader({
              requests10m: requests,
              distinctResources10m: requests,
              sequentialIdRatio10m: sequential,
              status404Ratio10m: denied,
            });
          expect(scoreOf(ipEnumeration, v(n + more))).toBeGreaterThanOrEqual(scoreOf(ipEnumeration, v(n)));
        },
      ),
    );
  });
});

describe('API-key abuse (api-key-fleet)', () => {
  const key = (ips: number, resources = 500) =>
    vector('apiKey', 'k-1', {
      requests10m: resources,
      distinctIps10m: ips,
      distinctResources10m: resources,
      sequentialIdRatio10m: 0.7,
      status404Ratio10m: 0.2,
    });

  it('blocks a key shared by a fleet of 40 addresses reading through ids', () => {
    const f = findingOf('api-key-abuse', key(40));
    expect(enforced(f)).toBe(true);
    expect(f!.target).toEqual({ scope: 'api_key', value: 'k-1' });
  });

  it("finds nothing in a partner's key used from its two registered addresses", () => {
    expect(findingOf('api-key-abuse', key(2))).toBeNull();
  });

  it('never scores lower for more addresses or resources', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 600 }), fc.nat(60), (ips, res, more) => {
        const base = scoreOf(apiKeyFleet, key(ips, res));
        expect(scoreOf(apiKeyFleet, key(ips + more, res))).toBeGreaterThanOrEqual(base);
        expect(scoreOf(apiKeyFleet, key(ips, res + more))).toBeGreaterThanOrEqual(base);
      }),
    );
  });
});

describe('every baseline rule', () => {
  const RULES: readonly [EntityRule, EntityType][] = [
    [ipLoginFailures, 'ip'],
    [ipEnumeration, 'ip'],
    [ipRegularBreadth, 'ip'],
    [principalLoginFailures, 'principal'],
    [principalTakeover, 'principal'],
    [sessionTwoPlaces, 'session'],
    [apiKeyFleet, 'apiKey'],
  ];
  const value = fc.oneof(
    fc.constant(-1),
    fc.constant(0),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.integer({ min: 0, max: 100_000 }),
  );

  it.each(RULES.map(([r, e]) => [r.name, r, e] as const))(
    '%s scores any vector in [0, 1], with reasons and audit features named after its own entity',
    (_, rule, entity) => {
      const n = FEATURE_REGISTRY.byEntity[entity].length;
      fc.assert(
        fc.property(fc.array(value, { minLength: n, maxLength: n }), (values) => {
          const v: FeatureVector = { entity, id: 'x', at: VECTOR_T0, values: Float64Array.from(values) };
          const batch = new BatchView([], [v], VECTOR_T0);
          const r = rule.evaluate(v, batch);
          if (r === null) return;
          expect(r.score).toBeGreaterThanOrEqual(0);
          expect(r.score).toBeLessThanOrEqual(1);
          expect(r.reasons.length).toBeGreaterThan(0);
          for (const reason of r.reasons) expect(reason.feature.startsWith(`${entity}.`)).toBe(true);
          for (const name of Object.keys(rule.features(v, batch))) expect(name.startsWith(`${entity}.`)).toBe(true);
        }),
      );
    },
  );
});
