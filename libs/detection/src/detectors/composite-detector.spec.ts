import type { FeatureVector } from '@vigil/features';
import { ipLoginVector, vector, VECTOR_T0 } from '../../../../test/fixtures/builders/feature-vector';
import type { Reason } from '../records/records';
import { ipFacts, ownLoginEvidence } from './baseline-rules';
import { CompositeDetector, RULES_VERSION, type CompositeDetectorOptions, type EntityRule } from './composite-detector';
import { BatchView, type Finding } from './finding';
import type { ModelRow, ModelScorer } from './model-scorer';

const THRESHOLDS = { alert: 0.5, enforce: 0.9 };

/** A rule that scores every entity `score`, for one reason of its own. */
function fixedRule(name: string, score: number, reason: string): EntityRule {
  const why: Reason = { feature: `ip.${reason}`, value: 1, baseline: 0 };
  return {
    name,
    evaluate: () => ({ score, reasons: [why] }),
    features: () => ({ [`ip.${reason}`]: 1 }),
  };
}

/** What CompositeDetector reads of a ModelScorer: its rows for a batch, version, digest and thresholds. */
function fakeModel(
  version: string,
  rows: readonly Pick<ModelRow, 'id' | 'score'>[],
  thresholds = { alert: 0.5, enforce: 0.8 },
): ModelScorer {
  const scored: ModelRow[] = rows.map((r) => ({
    ...r,
    alert: r.score >= thresholds.alert,
    enforce: r.score >= thresholds.enforce,
    explain: () => [{ feature: 'ip.model_input', value: r.score, baseline: 0 }],
    features: { 'ip.model_input': r.score },
  }));
  return {
    version,
    manifestDigest: `digest-${version}`,
    thresholds,
    score: (_batch: unknown, keep?: (id: string) => boolean) => scored.filter((r) => !keep || keep(r.id)),
  } as unknown as ModelScorer;
}

function detect(o: Partial<CompositeDetectorOptions>, vectors: readonly FeatureVector[]): Finding[] {
  return new CompositeDetector({
    id: 'credential-stuffing',
    entity: 'ip',
    action: 'block',
    rules: [],
    ruleThresholds: THRESHOLDS,
    ...o,
  }).detect(new BatchView([], vectors, VECTOR_T0));
}

const A = '192.0.2.1';
const B = '192.0.2.2';

describe('CompositeDetector', () => {
  it('makes one finding per entity when several rules fire: the stronger one, with both reasons', () => {
    const strong = fixedRule('strong', 0.95, 'strongSignal');
    const weak = fixedRule('weak', 0.6, 'weakSignal');
    for (const rules of [
      [strong, weak],
      [weak, strong],
    ]) {
      const found = detect({ rules }, [vector('ip', A)]);
      expect(found).toHaveLength(1);
      const f = found[0]!;
      expect(f.score).toBe(0.95);
      expect(f.enforce).toBe(true);
      expect(f.rule).toContain('strong');
      expect(f.rule).toContain('weak');
      expect(f.reasons[0]!.feature).toBe('ip.strongSignal');
      expect(f.reasons.map((r) => r.feature)).toContain('ip.weakSignal');
      expect(Object.keys(f.features)).toEqual(expect.arrayContaining(['ip.strongSignal', 'ip.weakSignal']));
      expect(f.modelVersion).toBe(RULES_VERSION);
    }
  });

  it('lets an enforcing part win over a higher-scoring part that only alerts', () => {
    const model = fakeModel('m-1', [{ id: A, score: 0.85 }], { alert: 0.5, enforce: 0.8 });
    const f = detect({ model, rules: [fixedRule('rule', 0.88, 'ruleSignal')] }, [ipLoginVector(A, { failures: 40 })]);
    expect(f).toHaveLength(1);
    expect(f[0]!.enforce).toBe(true);
    expect(f[0]!.reasons.map((r) => r.feature)).toEqual(expect.arrayContaining(['ip.model_input', 'ip.ruleSignal']));
  });

  it('finds nothing where no rule reaches the alert threshold', () => {
    expect(detect({ rules: [fixedRule('faint', 0.3, 'faint')] }, [vector('ip', A)])).toEqual([]);
  });

  it("drops a model score on an entity that lacks its own evidence (an address scored for others' failures)", () => {
    const model = fakeModel('m-1', [
      { id: A, score: 0.99 },
      { id: B, score: 0.99 },
      { id: '192.0.2.3', score: 0.99 },
    ]);
    const vectors = [ipLoginVector(A, { failures: 12 }), ipLoginVector(B, { failures: 0, successes: 3 })];
    const guarded = detect({ model, modelEvidence: ownLoginEvidence }, vectors);
    expect(guarded.map((f) => f.entity.id)).toEqual([A]);
    expect(guarded[0]).toMatchObject({
      rule: 'model',
      modelVersion: 'm-1',
      manifestDigest: 'digest-m-1',
      enforce: true,
    });
    const unguarded = detect({ model }, vectors);
    expect(unguarded.map((f) => f.entity.id).sort()).toEqual([A, B, '192.0.2.3']);
  });

  it('keeps a shadow model beside the active one: its findings are shadow, never merged into the active ones', () => {
    const model = fakeModel('m-1', [{ id: A, score: 0.9 }]);
    const shadowModel = fakeModel('m-2', [
      { id: A, score: 0.95 },
      { id: B, score: 0.95 },
    ]);
    const found = detect({ model, shadowModel }, [
      ipLoginVector(A, { failures: 12 }),
      ipLoginVector(B, { failures: 12 }),
    ]);
    const active = found.filter((f) => !f.shadow);
    const shadow = found.filter((f) => f.shadow);
    expect(active.map((f) => [f.entity.id, f.modelVersion, f.score])).toEqual([[A, 'm-1', 0.9]]);
    expect(shadow.map((f) => f.entity.id).sort()).toEqual([A, B]);
    expect(shadow.every((f) => f.modelVersion === 'm-2')).toBe(true);
  });

  it("attaches the policy guards' facts to each finding", () => {
    const v = ipLoginVector(A, { failures: 40, successes: 4 });
    const [f] = detect({ rules: [fixedRule('rule', 0.95, 'x')], facts: ipFacts }, [v]);
    expect(f!.facts).toEqual(ipFacts(v, new BatchView([], [v], VECTOR_T0)));
  });

  it('scores only entities of its own type', () => {
    const found = detect({ rules: [fixedRule('rule', 0.95, 'x')] }, [vector('principal', A), vector('ip', B)]);
    expect(found.map((f) => f.entity)).toEqual([{ type: 'ip', id: B }]);
    expect(found[0]!.target).toEqual({ scope: 'ip', value: B });
  });

  it('refuses to run on an entity no decision can be scoped to', () => {
    expect(() => detect({ entity: 'route' }, [])).toThrow(/decision scope/);
  });
});
