import fc from 'fast-check';
import { HyperLogLog, countPatterns, hllPattern } from './redis-hll';

describe('countPatterns (the memory store inline registers)', () => {
  it('gives the HyperLogLog estimate of the same set registers', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 8 }), (elements) => {
        const hll = new HyperLogLog();
        const byIndex = new Map<number, number>();
        for (const el of elements) {
          const p = hllPattern(el);
          hll.addPattern(p);
          const old = byIndex.get(p >> 6);
          if (old === undefined || (old & 63) < (p & 63)) byIndex.set(p >> 6, p);
        }
        const patterns = Int32Array.from([7, ...byIndex.values()]);
        expect(countPatterns(patterns, 1, byIndex.size)).toBe(hll.count());
      }),
    );
  });
});
