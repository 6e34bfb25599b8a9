import fc from 'fast-check';
import {
  HLL_REGISTERS,
  HyperLogLog,
  LISTED_REGISTERS_MAX,
  countElements,
  countPatterns,
  hllPattern,
} from './redis-hll';

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

describe('HyperLogLog patterns (what a packed copy of it lists)', () => {
  const patternsOf = (hll: HyperLogLog) => {
    const out: number[] = [];
    hll.forEachPattern((p) => out.push(p));
    return out;
  };

  // Sizes across every representation: a few registers, a Map, dense with its set registers listed, and
  // dense past the list (LISTED_REGISTERS_MAX), where the registers are listed by index.
  it.each([10, 900, 3000, 9000])(
    'lists every set register once and a copy from the list is the same (%i elements)',
    (n) => {
      const hll = new HyperLogLog();
      const firstSet: number[] = [];
      const rank = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const p = hllPattern(`element-${n}-${i}`);
        const index = Math.floor(p / 64);
        if (!rank.has(index)) firstSet.push(index);
        rank.set(index, Math.max(rank.get(index) ?? 0, p % 64));
        hll.addPattern(p);
      }
      expect(hll.setRegisters).toBe(rank.size);
      const listed = patternsOf(hll);
      expect(listed).toHaveLength(rank.size);
      expect(new Set(listed.map((p) => Math.floor(p / 64))).size).toBe(rank.size);
      for (const p of listed) expect(p % 64).toBe(rank.get(Math.floor(p / 64)));
      // In the order the registers were first set, while they are listed; by index beyond that.
      const order = rank.size <= LISTED_REGISTERS_MAX ? firstSet : [...firstSet].sort((a, b) => a - b);
      expect(listed.map((p) => Math.floor(p / 64))).toEqual(order);
      const copy = new HyperLogLog();
      for (const p of listed) copy.addPattern(p);
      expect(patternsOf(copy)).toEqual(listed);
      expect(copy.count()).toBe(hll.count());
      expect(copy.setRegisters).toBe(hll.setRegisters);
    },
  );

  it('counts the set registers of loaded dense registers and lists them by index', () => {
    const registers = new Uint8Array(HLL_REGISTERS);
    for (let i = 0; i < HLL_REGISTERS; i += 3) registers[i] = 1 + (i % 7);
    const hll = new HyperLogLog();
    hll.loadDense(registers);
    expect(hll.setRegisters).toBe(Math.ceil(HLL_REGISTERS / 3));
    expect(patternsOf(hll).slice(0, 3)).toEqual([0 * 64 + 1, 3 * 64 + 4, 6 * 64 + 7]);
    hll.addPattern(1 * 64 + 2);
    expect(hll.setRegisters).toBe(Math.ceil(HLL_REGISTERS / 3) + 1);
  });
});
