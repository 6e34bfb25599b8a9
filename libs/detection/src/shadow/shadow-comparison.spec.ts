import type { DetectorModel } from '@vigil/models';
import { parsePolicyConfig } from '../policy/policy-config';
import type { Decision } from '../records/records';
import { compareShadowDecisions, ShadowComparison, shadowComparisonForSetup } from './shadow-comparison';

/** A decision in one line: side by `shadow`, the model version `1.0.0` unless said otherwise. */
function decision(o: Partial<Decision> & Pick<Decision, 'value' | 'ts' | 'score'>): Decision {
  const shadow = o.shadow ?? false;
  return {
    id: o.id ?? `${shadow ? 's' : 'c'}-${String(o.value)}-${o.ts}`,
    action: 'block',
    scope: 'ip',
    ttlSeconds: 600,
    detector: 'credential-stuffing',
    reasons: [],
    modelVersion: shadow ? '2.0.0' : '1.0.0',
    shadow,
    ...o,
  };
}

const champion = (o: Parameters<typeof decision>[0]) => decision({ ...o, shadow: false });
const challenger = (o: Parameters<typeof decision>[0]) => decision({ ...o, shadow: true });

// Six addresses for credential stuffing: A and F decided alike by both, B by both with other actions,
// C and D by the champion only (its model, its baselines), E by the challenger only.
const stream: Decision[] = [
  challenger({ value: '10.0.0.1', ts: 0, score: 0.95 }),
  champion({ id: 'A', value: '10.0.0.1', ts: 1000, score: 0.9 }),
  champion({ value: '10.0.0.2', ts: 2000, score: 0.8, modelVersion: 'baseline-1' }),
  challenger({ value: '10.0.0.2', ts: 2000, score: 0.6, action: 'monitor' }),
  champion({ value: '10.0.0.3', ts: 3000, score: 0.99 }),
  champion({ value: '10.0.0.4', ts: 3000, score: 0.7, action: 'monitor', modelVersion: 'baseline-1' }),
  challenger({ value: '10.0.0.5', ts: 4000, score: 0.92 }),
  champion({ value: '10.0.0.6', ts: 4000, score: 0.9 }),
  // An extension of A: the same id, later, with a higher score.
  champion({ id: 'A', value: '10.0.0.1', ts: 5000, score: 0.97 }),
  challenger({ value: '10.0.0.6', ts: 10_000, score: 0.93 }),
  // Account takeover: the champion's baselines only. Neither side: another detector, baselines in shadow.
  champion({ value: 'p1', scope: 'principal', detector: 'account-takeover', action: 'step_up', ts: 0, score: 0.9 }),
  champion({ value: '10.0.0.9', detector: 'login-population', ts: 0, score: 0.9 }),
  decision({ value: '10.0.0.7', ts: 0, score: 0.9, shadow: true, modelVersion: 'baseline-1' }),
];

const labels: Record<string, string> = {
  '10.0.0.1': 'attack:credential_stuffing/residential_botnet',
  '10.0.0.5': 'attack:credential_stuffing/residential_botnet',
  '10.0.0.2': 'benign:carrier_nat',
};

describe('compareShadowDecisions', () => {
  const report = compareShadowDecisions(stream, {
    detectors: ['credential-stuffing', 'account-takeover'],
    labelOf: (_scope, value) => labels[value as string] ?? null,
  });
  const cs = report.detectors[0]!;

  it('counts the targets both sides decided and those only one did', () => {
    expect(cs.detector).toBe('credential-stuffing');
    expect(cs.targets).toEqual({ champion: 5, challenger: 4, both: 3, championOnly: 2, challengerOnly: 1 });
    expect(cs.decisions).toEqual({ champion: 5, challenger: 4 });
    expect(cs.championVersions).toEqual(['1.0.0', 'baseline-1']);
    expect(cs.challengerVersions).toEqual(['2.0.0']);
    expect(report.decisions).toEqual({ champion: 6, challenger: 4, ignored: 2 });
    expect(report.detectors[1]).toMatchObject({
      detector: 'account-takeover',
      targets: { champion: 1, challenger: 0, both: 0, championOnly: 1, challengerOnly: 0 },
      championOnlyBy: { principal: { '1.0.0': 1 } },
      scoreDelta: null,
    });
  });

  it('measures agreement by strongest action, per action', () => {
    expect(cs.agreement).toEqual({ sameAction: 2, differentAction: 1, rate: 2 / 6, overlap: 3 / 6 });
    expect(cs.byAction).toEqual([
      { action: 'block', champion: 4, challenger: 3, both: 2, championOnly: 1, challengerOnly: 1 },
      { action: 'monitor', champion: 1, challenger: 1, both: 0, championOnly: 1, challengerOnly: 0 },
    ]);
    // What the challenger left alone: one the champion's model decided, one its baselines did.
    expect(cs.championOnlyBy).toEqual({ ip: { '1.0.0': 1, 'baseline-1': 1 } });
  });

  it('gives the score and first-decision differences on the targets both decided', () => {
    // A: 0.95 − 0.97 (the extension's score); B: 0.6 − 0.8; F: 0.93 − 0.9.
    expect(cs.scoreDelta!.n).toBe(3);
    expect(cs.scoreDelta!.min).toBeCloseTo(-0.2, 9);
    expect(cs.scoreDelta!.median).toBeCloseTo(-0.02, 9);
    expect(cs.scoreDelta!.max).toBeCloseTo(0.03, 9);
    expect(cs.scoreDelta!.mean).toBeCloseTo(-0.19 / 3, 9);
    // A: the challenger 1 s earlier (the extension does not move the champion's first decision); B: same; F: 6 s later.
    expect(cs.firstDecisionDeltaSec).toEqual({
      n: 3,
      mean: 5 / 3,
      median: 0,
      p10: -1,
      p90: 6,
      min: -1,
      max: 6,
      challengerEarlier: 1,
      same: 1,
      challengerLater: 1,
    });
  });

  it('says which labeled classes each side decided on', () => {
    expect(report.labeled).toBe(true);
    expect(cs.byLabel).toEqual([
      {
        label: 'attack:credential_stuffing/residential_botnet',
        champion: 1,
        challenger: 2,
        both: 1,
        championOnly: 0,
        challengerOnly: 1,
      },
      { label: 'benign:carrier_nat', champion: 1, challenger: 1, both: 1, championOnly: 0, challengerOnly: 0 },
      { label: 'unlabeled', champion: 3, challenger: 1, both: 1, championOnly: 2, challengerOnly: 0 },
    ]);
  });

  it('compares, without a list, every detector a challenger decision names', () => {
    expect(compareShadowDecisions(stream).detectors.map((d) => d.detector)).toEqual(['credential-stuffing']);
  });
});

describe('ShadowComparison as it goes', () => {
  it('says when a target becomes decided by both sides, once', () => {
    const c = new ShadowComparison();
    expect(c.add(champion({ value: '10.0.0.6', ts: 0, score: 0.9 }))).toEqual({
      detector: 'credential-stuffing',
      side: 'champion',
      newTarget: true,
      nowBoth: false,
    });
    expect(c.add(challenger({ value: '10.0.0.6', ts: 10, score: 0.9 }))).toMatchObject({
      newTarget: true,
      nowBoth: true,
    });
    expect(c.add(challenger({ value: '10.0.0.6', ts: 20, score: 0.95 }))).toMatchObject({
      newTarget: false,
      nowBoth: false,
    });
  });

  it('forgets the oldest targets beyond its cap, and says how many', () => {
    const c = new ShadowComparison({ maxTargets: 2 });
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) c.add(challenger({ value: ip, ts: 0, score: 0.9 }));
    const r = c.report();
    expect(r.detectors[0]!.targets.challenger).toBe(2);
    expect(r.forgottenTargets).toBe(1);
  });
});

describe('shadowComparisonForSetup', () => {
  const shadow = new Map([['credential-stuffing', { version: '2.0.0' } as DetectorModel]]);

  it("takes as the challenger's only shadow decisions of the challenger's version", () => {
    const c = shadowComparisonForSetup({ shadow, policy: parsePolicyConfig({}) })!;
    expect(c.note).toBeUndefined();
    c.comparison.addAll([
      champion({ value: '10.0.0.1', ts: 0, score: 0.9 }),
      challenger({ value: '10.0.0.1', ts: 0, score: 0.9 }),
      // A shadow decision of another version: not this challenger's.
      challenger({ value: '10.0.0.2', ts: 0, score: 0.9, modelVersion: '3.0.0' }),
    ]);
    expect(c.comparison.report().detectors[0]!.targets).toMatchObject({ both: 1, challenger: 1 });
  });

  it('leaves out, with a note, a detector the policy runs in shadow', () => {
    const c = shadowComparisonForSetup({ shadow, policy: parsePolicyConfig({ mode: 'shadow' }) })!;
    expect(c.note).toMatch(/credential-stuffing: the policy runs it in shadow/);
    expect(c.comparison.report().detectors).toEqual([]);
    expect(shadowComparisonForSetup({ shadow: new Map(), policy: parsePolicyConfig({}) })).toBeNull();
  });
});
