import fc from 'fast-check';
import { Readable } from 'node:stream';
import { readLineBatches, type LineBatch } from './line-reader';

/** A stream that delivers `text` in the given chunk sizes, to exercise every split position. */
function chunked(data: Buffer, sizes: number[]): Readable {
  const chunks: Buffer[] = [];
  let pos = 0;
  let i = 0;
  while (pos < data.length) {
    const n = Math.max(1, sizes[i++ % sizes.length] ?? 1);
    chunks.push(data.subarray(pos, pos + n));
    pos += n;
  }
  return Readable.from(chunks);
}

async function collect(input: Readable, maxLineBytes = 1024): Promise<LineBatch[]> {
  const out: LineBatch[] = [];
  for await (const b of readLineBatches(input, { maxLineBytes, headBytes: 16, batchLines: 3 })) out.push(b);
  return out;
}

const lines = (batches: LineBatch[]) => batches.flatMap((b) => b.lines);
const numbers = (batches: LineBatch[]) => batches.flatMap((b) => b.lineNumbers);

describe('line reader', () => {
  it('splits lines, strips CR, skips blank lines but keeps line numbers', async () => {
    const b = await collect(Readable.from([Buffer.from('a\r\n\nb\nc')]));
    expect(lines(b)).toEqual(['a', 'b', 'c']);
    expect(numbers(b)).toEqual([1, 3, 4]);
    expect(b.reduce((n, x) => n + x.blankLines, 0)).toBe(1);
  });

  it('gives the same lines whatever the chunk boundaries (multi-byte characters included)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((s) => !/[\r\n]/.test(s)),
          { maxLength: 20 },
        ),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 5 }),
        async (ls, sizes) => {
          const data = Buffer.from(ls.map((l) => `${l}\n`).join(''));
          const b = await collect(chunked(data, sizes));
          expect(lines(b)).toEqual(ls);
          expect(b.reduce((n, x) => n + x.invalidUtf8, 0)).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reports an oversized line with its size and head, and carries on with the next', async () => {
    const huge = 'H'.repeat(50_000);
    const b = await collect(chunked(Buffer.from(`ok1\n${huge}\nok2\n`), [4096]), 1024);
    expect(lines(b)).toEqual(['ok1', 'ok2']);
    const big = b.flatMap((x) => x.oversized);
    expect(big).toHaveLength(1);
    expect(big[0]!.line).toBe(2);
    expect(big[0]!.bytes).toBe(50_000);
    expect(big[0]!.head.toString()).toBe('H'.repeat(16));
    expect(numbers(b)).toEqual([1, 3]);
  });

  it('reports an oversized last line without a newline', async () => {
    const b = await collect(Readable.from([Buffer.from('a\n'), Buffer.from('x'.repeat(3000))]), 1024);
    expect(b.flatMap((x) => x.oversized).map((o) => o.bytes)).toEqual([3000]);
  });

  it('counts lines that are not valid UTF-8', async () => {
    const b = await collect(Readable.from([Buffer.from([0x61, 0x0a, 0xff, 0xfe, 0x0a])]));
    expect(lines(b)).toHaveLength(2);
    expect(b.reduce((n, x) => n + x.invalidUtf8, 0)).toBe(1);
  });
});
