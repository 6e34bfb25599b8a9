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
    expect(total((r) => ds.origin[r] === 'history') / all).toBeCloseTo(0.6, 6);
    expect(total((r) => ds.origin[r] === 'history' && ds.labels[r] === 1) / all).toBeCloseTo(0.3, 6);
    expect(total((r) => ds.origin[r] === 'simulated' && ds.labels[r] === 0) / all).toBeCloseTo(0.2, 6);
  });

  it('refuses a mix that weighs none of the origins present', () => {
    expect(() => mixWeights(ds, { bank: 1 })).toThrow(/no weight to the origins present/);
  });
});
