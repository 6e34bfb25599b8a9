import { newDataset } from '../dataset/dataset-builder';
import { DETECTOR_DEFINITIONS } from '../detectors/detector-definitions';
import { datasetOf } from '../test-builders';
import { mixWeights } from './train-detector';

describe('mixWeights', () => {
  const ds = datasetOf([
    ...Array.from({ length: 90 }, (_, i) => ({ entity: `h${i}`, at: 0 })),
    ...Array.from({ length: 10 }, (_, i) => ({ entity: `h+${i}`, at: 0, campaign: 'soc:a' })),
    ...Array.from({ length: 380 }, (_, i) => ({ entity: `s${i}`, at: 0, origin: 'simulated' as const })),
    ...Array.from({ length: 20 }, (_, i) => ({
      entity: `s+${i}`,
      at: 0,
      campaign: 'sim:c',
      origin: 'simulated' as const,
    })),
  ]);

  it('gives each origin its share of the total weight, classes balanced within it', () => {
    const w = mixWeights(ds, { history: 0.6, simulated: 0.4 });
    const total = (pred: (r: number) => boolean) => {
      let t = 0;
      for (let r = 0; r < ds.rows; r++) if (pred(r)) t += w(r);
      return t;
    };
    const all = total(() => true);
    expect(total((r) => ds.origin(r) === 'history') / all).toBeCloseTo(0.6, 6);
    expect(total((r) => ds.origin(r) === 'history' && ds.labels[r] === 1) / all).toBeCloseTo(0.3, 6);
    expect(total((r) => ds.origin(r) === 'simulated' && ds.labels[r] === 0) / all).toBeCloseTo(0.2, 6);
  });

  it('refuses a mix that weighs none of the origins present', () => {
    expect(() => mixWeights(ds, { bank: 1 })).toThrow(/no weight to the origins present/);
  });
});

describe('mixWeights on a sampled dataset', () => {
  it('counts a kept benign row as the rows it stands for, so plain traffic keeps its share of the benign side', () => {
    const ds = newDataset(DETECTOR_DEFINITIONS['credential-stuffing'], undefined, {
      maxBenignRows: 100,
      maxLookalikeRows: 1_000,
      maxAttackRows: 1_000,
      refill: 0.8,
      seed: 1,
    });
    const row = new Float32Array(ds.width);
    const push = (entityKey: string, o: { label?: number; trap?: string; campaign?: string } = {}) =>
      ds.push(row, 0, {
        label: o.label ?? 0,
        entityKey,
        at: 0,
        campaign: o.campaign ?? null,
        style: o.campaign ? 'burst' : null,
        trap: o.trap ?? null,
        splitKey: o.campaign ?? entityKey,
        origin: 'history',
      });
    // 2,000 plain customers, 50 NAT addresses, 20 attackers: one row each.
    for (let i = 0; i < 2_000; i++) push(`h|c${i}`);
    for (let i = 0; i < 50; i++) push(`h|nat${i}`, { trap: 'carrier_nat' });
    for (let i = 0; i < 20; i++) push(`h|bot${i}`, { label: 1, campaign: 'soc:a' });
    expect(ds.sampled).toBe(true);
    expect(ds.status().benignRowsKept).toBeLessThanOrEqual(100);
    const w = mixWeights(ds, { history: 1 });
    const total = (pred: (r: number) => boolean) => {
      let t = 0;
      for (let r = 0; r < ds.rows; r++) if (pred(r)) t += w(r);
      return t;
    };
    const plain = total((r) => ds.labels[r] === 0 && ds.trap(r) === null);
    const nat = total((r) => ds.trap(r) === 'carrier_nat');
    // Plain against look-alike weight is the full data's 2,000 : 50, give or take the sample.
    expect(plain / nat).toBeGreaterThan(40 * 0.8);
    expect(plain / nat).toBeLessThan(40 * 1.25);
    // The classes are still balanced.
    expect(total((r) => ds.labels[r] === 1)).toBeCloseTo(plain + nat, 6);
  });
});
