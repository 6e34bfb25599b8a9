import fc from 'fast-check';
import { Readable } from 'node:stream';
import { readLineBatches } from './line-reader';
import { readLineBlocks } from './line-blocks';

function chunked(data: Buffer, sizes: number[]): Readable {
  const chunks: Buffer[] = [];
  for (let pos = 0, i = 0; pos < data.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]!);
    chunks.push(data.subarray(pos, pos + n));
    pos += n;
  }
  return Readable.from(chunks);
}

/** Lines and oversized reports as the block path sees them: blocks re-split with readLineBatches. */
async function viaBlocks(data: Buffer, sizes: number[], max: number) {
  const lines: Array<[number, string]> = [];
  const big: Array<[number, number]> = [];
  for await (const b of readLineBlocks(chunked(data, sizes), { maxLineBytes: max, headBytes: 4 })) {
    if (b.oversized) {
      big.push([b.oversized.line, b.oversized.bytes]);
      continue;
    }
    for await (const x of readLineBatches(Readable.from([b.block]), {
      maxLineBytes: max,
      headBytes: 4,
      firstLine: b.firstLine,
    })) {
      x.lines.forEach((l, i) => lines.push([x.lineNumbers[i]!, l]));
      x.oversized.forEach((o) => big.push([o.line, o.bytes]));
    }
  }
  return { lines, big: big.sort((a, b) => a[0] - b[0]) };
}

async function direct(data: Buffer, sizes: number[], max: number) {
  const lines: Array<[number, string]> = [];
  const big: Array<[number, number]> = [];
  for await (const x of readLineBatches(chunked(data, sizes), { maxLineBytes: max, headBytes: 4 })) {
    x.lines.forEach((l, i) => lines.push([x.lineNumbers[i]!, l]));
    x.oversized.forEach((o) => big.push([o.line, o.bytes]));
  }
  return { lines, big };
}

describe('line blocks', () => {
  it('give the same numbered lines and oversized reports as reading lines directly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc
            .oneof(fc.string({ maxLength: 8 }), fc.string({ minLength: 30, maxLength: 60 }))
            .map((s) => s.replace(/[\r\n]/g, '')),
          { maxLength: 30 },
        ),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (ls, sizes, trailingNewline) => {
          const data = Buffer.from(ls.join('\n') + (trailingNewline ? '\n' : ''));
          expect(await viaBlocks(data, sizes, 24)).toEqual(await direct(data, sizes, 24));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never holds a line longer than the limit that spans many chunks', async () => {
    const data = Buffer.from(`a\n${'x'.repeat(100_000)}\nb\n`);
    const blocks = [];
    for await (const b of readLineBlocks(chunked(data, [1000]), { maxLineBytes: 4096 })) blocks.push(b);
    expect(Math.max(...blocks.map((b) => b.block.length))).toBeLessThan(4096 + 1000);
    expect(blocks.find((b) => b.oversized)?.oversized).toMatchObject({ line: 2, bytes: 100_000 });
  });
});
