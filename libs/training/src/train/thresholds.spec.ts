import type { EntityScore } from '../metrics/entity-scores';
import { chooseThresholds, DEFAULT_THRESHOLD_OPTIONS } from './thresholds';

function entities(pos: readonly number[], neg: readonly number[]): EntityScore[] {
  const e = (label: number, score: number, i: number): EntityScore => ({
    key: `${label}:${i}`,
    label,
    score,
    campaign: label ? 'c' : null,
    style: label ? 's' : null,
    trap: null,
    weight: 1,
    points: [],
  });
  return [...pos.map((s, i) => e(1, s, i)), ...neg.map((s, i) => e(0, s, i))];
}

const spread = (n: number, lo: number, hi: number) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / n);

describe('chooseThresholds', () => {
  it('keeps an alert threshold below the floor only with evidence', () => {
    // Attacks score 0.02–0.05, benign 0–0.01: a clean cut at ~0.015 — on 3 attackers and 20 benign entities.
    const thin = chooseThresholds(entities([0.02, 0.03, 0.05], spread(20, 0, 0.01)), []);
    expect(thin.alert.score).toBe(DEFAULT_THRESHOLD_OPTIONS.alertFloor);
    expect(thin.alert.setBy).toBe('floor');
    expect(thin.alert.reason).toMatch(/20 benign validation entities, needs 200/);
    // The same cut on 300 attackers and 500 benign entities is evidence.
    const rich = chooseThresholds(entities(spread(300, 0.02, 0.05), spread(500, 0, 0.01)), []);
    expect(rich.alert.score).toBeLessThan(0.02);
    expect(rich.alert.setBy).toBe('precision');
    expect(rich.alert.precisionInterval.low).toBeGreaterThan(0.9);
  });

  it('blocks above every benign look-alike, and says which one set it', () => {
    const ev = chooseThresholds(entities(spread(300, 0.9, 1), spread(500, 0, 0.5)), [
      { key: 'nat1', cls: 'carrier_nat', score: 0.97 },
      { key: 'crawler', cls: 'search_crawler', score: 0.6 },
    ]);
    expect(ev.block.score).toBeGreaterThanOrEqual(0.98);
    expect(ev.block.score).toBeLessThan(0.99);
    expect(ev.block.setBy).toBe('lookalike-guard');
    expect(ev.block.reason).toMatch(/carrier_nat 0.9700/);
    expect(ev.lookalikes).toMatchObject({
      entities: 2,
      maxClass: 'carrier_nat',
      byClass: { carrier_nat: 1, search_crawler: 1 },
    });
    expect(ev.block.score).toBeGreaterThanOrEqual(ev.alert.score);
  });

  it('does not let the block threshold fall below its floor without benign look-alikes to test it', () => {
    const ev = chooseThresholds(entities(spread(300, 0.6, 0.8), spread(500, 0, 0.55)), []);
    expect(ev.alert.score).toBeGreaterThan(0.5);
    expect(ev.block.score).toBe(DEFAULT_THRESHOLD_OPTIONS.blockFloor);
    expect(ev.block.reason).toMatch(/0 benign look-alike entities, needs 10/);
  });

  it('counts a sampled benign entity as the entities it stands for', () => {
    // 100 attackers at 0.70–0.90; 401 benign entities, one of them at 0.75.
    const ents = entities(spread(100, 0.7, 0.9), [...spread(400, 0, 0.5), 0.75]);
    const unsampled = chooseThresholds(ents, []);
    // One false positive in 101 is precision 0.99: the alert threshold may go below 0.70.
    expect(unsampled.alert.score).toBeLessThan(0.7);
    // Sampled at rate 0.1, that benign entity is ten: 100 / 110 falls short, so the cut moves above it.
    const sampled = chooseThresholds(
      ents.map((e) => (e.label ? e : { ...e, weight: 10 })),
      [],
    );
    expect(sampled.alert.score).toBeGreaterThan(0.75);
    expect(sampled.alert.fp).toBe(0);
    expect(sampled.validationEntities).toEqual({ positive: 100, benign: 401, benignWeighted: 4010 });
    expect(unsampled.validationEntities).toEqual({ positive: 100, benign: 401 });
  });
});
