import fc from 'fast-check';
import { parseInventoryConfig, RISK_FACTORS } from '../config';
import type { DocumentationMatch } from '../spec/spec-comparison';
import { reportOf } from '../test-events';
import { rateRisk } from './risk';

const shadow: DocumentationMatch = { status: 'shadow', spec: null, reason: 'in no loaded OpenAPI spec for this host' };
const zombie: DocumentationMatch = { status: 'zombie', spec: null, reason: 'deprecated in A 2 but still called' };

/** A public, unauthenticated payment endpoint that leaked card numbers: every factor but probing. */
const risky = Array.from({ length: 30 }, () => ({
  routeTemplate: '/v1/payments',
  method: 'POST',
  routeClass: 'payment' as const,
  authType: 'none' as const,
  sensitive: ['pan' as const],
}));

async function profileOf(events: Parameters<typeof reportOf>[0]) {
  const r = await reportOf(events);
  return r.endpoints[0]!;
}

describe('rateRisk', () => {
  it('sums the weighted factors, names each with its reason, largest first', async () => {
    const p = await profileOf(risky);
    const r = rateRisk(p, shadow, parseInventoryConfig({}));
    expect(r.factors.map((f) => [f.name, f.weight, f.value, f.contribution])).toEqual([
      ['auth_gap', 2.5, 1, 2.5],
      ['sensitive_flow', 2, 1, 2],
      ['sensitive_data', 2, 1, 2],
      ['public_exposure', 1.5, 1, 1.5],
      ['shadow', 1.5, 1, 1.5],
    ]);
    expect(r.score).toBe(9.5);
    expect(r.factors.find((f) => f.name === 'sensitive_data')!.reason).toBe('card numbers in 30 requests');
    expect(r.factors.find((f) => f.name === 'auth_gap')!.reason).toBe('0% of served requests authenticated (missing)');
  });

  it('caps the score at 10 and takes configured weights; a weight of 0 removes the factor', async () => {
    const p = await profileOf(risky);
    expect(rateRisk(p, zombie, parseInventoryConfig({}), 25).score).toBe(10);
    const quiet = parseInventoryConfig({ risk: { weights: { auth_gap: 0, public_exposure: 0.5 } } });
    const r = rateRisk(p, shadow, quiet);
    expect(r.factors.map((f) => f.name)).not.toContain('auth_gap');
    expect(r.factors.find((f) => f.name === 'public_exposure')!.contribution).toBe(0.5);
    expect(r.score).toBe(6);
  });

  it('scales probing linearly between probingFrom and probingFull, and ignores small samples', async () => {
    const mix = (n404: number, n200: number) => [
      ...Array.from({ length: n404 }, () => ({ routeTemplate: '/v1/accounts/{id}', status: 404 })),
      ...Array.from({ length: n200 }, () => ({ routeTemplate: '/v1/accounts/{id}', status: 200 })),
    ];
    const config = parseInventoryConfig({});
    const probing = async (n404: number, n200: number) =>
      rateRisk(await profileOf([...mix(0, 1), ...mix(n404, n200 - 1)]), null, config).factors.find(
        (f) => f.name === 'probing',
      );
    expect(await probing(10, 90)).toBeUndefined(); // 10 % < probingFrom 20 %
    expect((await probing(45, 55))!.value).toBeCloseTo(0.5, 3); // 45 %: halfway from 20 % to 70 %
    expect((await probing(90, 10))!.value).toBe(1);
    expect(await probing(9, 1)).toBeUndefined(); // 10 requests < probingMinRequests
  });

  it('gives no auth_gap on pre-authentication routes and 0.5 for partial coverage', async () => {
    const login = await profileOf([{ routeTemplate: '/auth/login', routeClass: 'login', authType: 'none' }]);
    expect(rateRisk(login, null, parseInventoryConfig({})).factors.map((f) => f.name)).not.toContain('auth_gap');
    const half = await profileOf([
      { routeTemplate: '/v1/cards', authType: 'none' },
      { routeTemplate: '/v1/cards', authType: 'bearer' },
    ]);
    expect(rateRisk(half, null, parseInventoryConfig({})).factors.find((f) => f.name === 'auth_gap')).toMatchObject({
      value: 0.5,
      contribution: 1.25,
    });
  });

  it('stays within 0–10 and equals the sum of contributions (capped) for any weights', async () => {
    const p = await profileOf(risky);
    const weight = fc.double({ min: 0, max: 10, noNaN: true });
    fc.assert(
      fc.property(
        fc.record(Object.fromEntries(RISK_FACTORS.map((f) => [f, weight]))),
        fc.nat(50),
        fc.constantFrom(shadow, zombie, null),
        (weights, detections, doc) => {
          const r = rateRisk(p, doc, parseInventoryConfig({ risk: { weights } }), detections);
          const sum = r.factors.reduce((a, f) => a + f.contribution, 0);
          return r.score >= 0 && r.score <= 10 && Math.abs(r.score - Math.min(10, Math.round(sum * 10) / 10)) < 1e-9;
        },
      ),
    );
  });
});
