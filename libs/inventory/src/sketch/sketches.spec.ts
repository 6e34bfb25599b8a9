import { HyperLogLog } from './hyperloglog';
import { bucketOf, quantilesOf } from './quantile-sketch';

describe('HyperLogLog', () => {
  it.each([10, 1_000, 50_000])('counts %i distinct values within 3 %', (n) => {
    const hll = new HyperLogLog();
    for (let i = 0; i < n; i++) hll.add(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    for (let i = 0; i < n; i++) hll.add(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    expect(Math.abs(hll.count() - n) / n).toBeLessThan(0.03);
  });

  it('merges to the count of the union', () => {
    const a = new HyperLogLog();
    const b = new HyperLogLog();
    for (let i = 0; i < 6000; i++) (i < 4000 ? a : b).add(`u${i}`);
    for (let i = 2000; i < 4000; i++) b.add(`u${i}`);
    a.merge(b);
    expect(Math.abs(a.count() - 6000) / 6000).toBeLessThan(0.03);
  });
});

describe('quantile sketch', () => {
  it('gives quantiles within 1 % relative error, and zero for zero', () => {
    const buckets = new Map<number, number>();
    for (let v = 1; v <= 10_000; v++) buckets.set(bucketOf(v), (buckets.get(bucketOf(v)) ?? 0) + 1);
    const q = quantilesOf(buckets)!;
    expect(Math.abs(q.p50 - 5000) / 5000).toBeLessThan(0.011);
    expect(Math.abs(q.p99 - 9900) / 9900).toBeLessThan(0.011);
    expect(quantilesOf([[bucketOf(0), 3]])!.p50).toBe(0);
  });
});
