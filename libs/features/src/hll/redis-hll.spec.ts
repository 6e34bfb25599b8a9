import fc from 'fast-check';
import { HyperLogLog, countElements, countPatterns, hllPattern } from './redis-hll';

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

describe('countElements (the Redis store counts inline window elements with it)', () => {
  it('gives what a HyperLogLog holding the same elements reports, duplicates and register collisions included', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20, unit: 'binary' }), { maxLength: 12 }), (elements) => {
        const hll = new HyperLogLog();
        for (const el of elements) hll.add(el);
        expect(countElements(elements.map((el) => Buffer.from(el, 'utf8')))).toBe(hll.count());
      }),
    );
  });

  it('merges elements that fall in one register, keeping the higher rank', () => {
    // Search a pair of distinct elements sharing a register index, so the merge path is exercised.
    const byIndex = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const el = `user-${i}`;
      const other = byIndex.get(hllPattern(el) >> 6);
      if (other !== undefined) pair = [other, el];
      else byIndex.set(hllPattern(el) >> 6, el);
    }
    const hll = new HyperLogLog();
    for (const el of pair) hll.add(el);
    expect(countElements(pair.map((el) => Buffer.from(el)))).toBe(hll.count());
    expect(hll.count()).toBe(1);
  });
});
