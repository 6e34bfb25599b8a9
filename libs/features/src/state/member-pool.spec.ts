import fc from 'fast-check';
import { MEMBERS_PER_CHUNK, MemberPool, byCodePoints } from './entity-table';

interface Entry {
  member: string;
  last: number;
  batch: number;
  batchMin: number;
  before: number;
}

/** The member list as the old per-entity arrays kept it: insertion order, pruned by time then (last, member). */
class ModelList {
  entries: Entry[] = [];
  see(member: string, ts: number, seq: number): void {
    const e = this.entries.find((x) => x.member === member);
    if (!e) {
      this.entries.push({ member, last: ts, batch: seq, batchMin: ts, before: NaN });
      return;
    }
    if (e.batch !== seq) {
      e.batch = seq;
      e.before = e.last;
      e.batchMin = ts;
    } else if (ts < e.batchMin) e.batchMin = ts;
    if (ts > e.last) e.last = ts;
  }
  prune(oldest: number, cap: number): void {
    this.entries = this.entries.filter((e) => e.last >= oldest);
    if (this.entries.length <= cap) return;
    const byAge = [...this.entries].sort((a, b) => a.last - b.last || (a.member < b.member ? -1 : 1));
    const drop = new Set(byAge.slice(0, this.entries.length - cap));
    this.entries = this.entries.filter((e) => !drop.has(e));
  }
}

function read(pool: MemberPool, list: number): Entry[] {
  const out: Entry[] = [];
  const indexes: number[] = [];
  let c = pool.heads[list]!;
  let left = pool.sizes[list]!;
  let chunks = 0;
  for (; c >= 0; c = pool.next[c]!, left -= MEMBERS_PER_CHUNK) {
    chunks++;
    const base = c * MEMBERS_PER_CHUNK;
    for (let i = base; i < base + Math.min(left, MEMBERS_PER_CHUNK); i++) {
      indexes.push(i);
      out.push({
        member: pool.members[i]!,
        last: pool.last[i]!,
        batch: pool.batch[i]!,
        batchMin: pool.batchMin[i]!,
        before: pool.before[i]!,
      });
    }
  }
  // Packed: exactly as many chunks as the members need, the tail being the last of the chain.
  expect(chunks).toBe(Math.ceil(pool.sizes[list]! / MEMBERS_PER_CHUNK));
  if (chunks > 0) expect(pool.next[pool.tails[list]!]).toBe(-1);
  // entries() walks the same chain.
  const walked: number[] = [];
  expect(walked.slice(0, pool.entries(list, walked))).toEqual(indexes);
  return out;
}

// Mostly sightings, so that lists grow over several chunks before a prune cuts them.
const op = fc.oneof(
  {
    weight: 40,
    arbitrary: fc.record({
      kind: fc.constant('see' as const),
      list: fc.integer({ min: 0, max: 2 }),
      member: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEF'.split('')),
      ts: fc.integer({ min: 0, max: 100 }),
      nextBatch: fc.boolean(),
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('prune' as const),
      list: fc.integer({ min: 0, max: 2 }),
      oldest: fc.integer({ min: 0, max: 30 }),
      cap: fc.integer({ min: 0, max: 24 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), list: fc.integer({ min: 0, max: 2 }) }) },
);

describe('MemberPool (the memory store long memories)', () => {
  it('keeps each list exactly as a plain member list would, through sightings, pruning and clears', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 50, maxLength: 300 }), (ops) => {
        // Three lists sharing one small pool: chunks freed by one are reused by the others.
        const pool = new MemberPool(3, 1);
        const models = [new ModelList(), new ModelList(), new ModelList()];
        let seq = 1;
        for (const o of ops) {
          if (o.kind === 'see') {
            if (o.nextBatch) seq++;
            pool.see(o.list, o.member, o.ts, seq);
            models[o.list]!.see(o.member, o.ts, seq);
          } else if (o.kind === 'prune') {
            pool.prune(o.list, o.oldest, o.cap);
            models[o.list]!.prune(o.oldest, o.cap);
          } else {
            pool.clear(o.list);
            models[o.list]!.entries = [];
          }
          expect(read(pool, o.list)).toEqual(models[o.list]!.entries);
        }
        for (let l = 0; l < 3; l++) expect(read(pool, l)).toEqual(models[l]!.entries);
      }),
      { numRuns: 100 },
    );
  });

  it('breaks ties at the cap in UTF-8 byte order, as Redis does, not in UTF-16 order', () => {
    const pool = new MemberPool(1, 1);
    // U+1F600 is F0 9F 98 80 in UTF-8 (after U+FF5E, EF BD 9E) but D83D DE00 in UTF-16 (before FF5E).
    pool.see(0, '\u{1F600}', 5, 1);
    pool.see(0, '\uFF5E', 5, 1);
    pool.prune(0, 0, 1);
    expect(read(pool, 0).map((e) => e.member)).toEqual(['\u{1F600}']);
    const words = ['b', '\uFF5E', 'a\u{1F600}', '\u{1F600}', 'ab', 'a', '\uE000', '\u00E9'];
    const byBytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...words].sort(byCodePoints)).toEqual(byBytes);
  });

  it('lets go of member strings it no longer holds', () => {
    const pool = new MemberPool(1, 1);
    for (let i = 0; i < 9; i++) pool.see(0, `m${i}`, i, 1);
    pool.prune(0, 6, 64);
    expect(read(pool, 0).map((e) => e.member)).toEqual(['m6', 'm7', 'm8']);
    expect(pool.members.filter((m) => m !== undefined).sort()).toEqual(['m6', 'm7', 'm8']);
    pool.clear(0);
    expect(pool.members.every((m) => m === undefined)).toBe(true);
  });
});
