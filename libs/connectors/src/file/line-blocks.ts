/**
 * Cuts a byte stream into blocks of whole lines without decoding anything, for the decode workers:
 * the main thread only finds newlines (memchr) and hands each block over as a transferable buffer;
 * the worker splits and decodes it with readLineBatches. A line longer than `maxLineBytes` that spans
 * chunks is never accumulated: the main thread keeps its head and reports it as oversized itself.
 * (A long line inside one block is found by the worker's reader, with the same limit.)
 */
import type { Readable } from 'node:stream';
import type { OversizedLine } from './line-reader';

export interface LineBlock {
  /** Whole lines (each ending in `\n`, except possibly the input's last), or empty. */
  readonly block: Buffer;
  /** Line number of the block's first line (1-based). */
  readonly firstLine: number;
  /** Set instead of `block` for an oversized line cut here. */
  readonly oversized: OversizedLine | null;
  readonly bytesRead: number;
}

const NL = 0x0a;
const EMPTY = Buffer.alloc(0);

function countNewlines(buf: Buffer): number {
  let n = 0;
  let p = buf.indexOf(NL);
  while (p >= 0) {
    n++;
    p = buf.indexOf(NL, p + 1);
  }
  return n;
}

export async function* readLineBlocks(
  input: Readable,
  options: { readonly maxLineBytes: number; readonly headBytes?: number },
): AsyncGenerator<LineBlock> {
  const max = options.maxLineBytes;
  const headBytes = options.headBytes ?? 8192;
  let lineNo = 0; // lines completed so far
  let bytesRead = 0;
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let skipping = false;
  let skipHead: Buffer = EMPTY;
  let skipBytes = 0;

  const oversized = (): LineBlock => {
    lineNo++;
    const o: LineBlock = {
      block: EMPTY,
      firstLine: lineNo,
      oversized: { line: lineNo, bytes: skipBytes, head: skipHead },
      bytesRead,
    };
    skipping = false;
    skipHead = EMPTY;
    skipBytes = 0;
    return o;
  };

  for await (const raw of input) {
    const chunk: Buffer = typeof raw === 'string' ? Buffer.from(raw) : (raw as Buffer);
    bytesRead += chunk.length;
    let start = 0;
    if (skipping) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        skipBytes += chunk.length;
        continue;
      }
      skipBytes += nl;
      yield oversized();
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last < start) {
      carry.push(Buffer.from(chunk.subarray(start)));
      carryBytes += chunk.length - start;
      if (carryBytes > max) {
        skipping = true;
        skipHead = Buffer.from(Buffer.concat(carry).subarray(0, headBytes));
        skipBytes = carryBytes;
        carry = [];
        carryBytes = 0;
      }
      continue;
    }
    const body = chunk.subarray(start, last + 1);
    const block = carry.length ? Buffer.concat([...carry, body]) : Buffer.from(body);
    const firstLine = lineNo + 1;
    lineNo += countNewlines(body);
    carry = last + 1 < chunk.length ? [Buffer.from(chunk.subarray(last + 1))] : [];
    carryBytes = chunk.length - (last + 1);
    yield { block, firstLine, oversized: null, bytesRead };
  }
  if (skipping) yield oversized();
  else if (carryBytes > 0) yield { block: Buffer.concat(carry), firstLine: lineNo + 1, oversized: null, bytesRead };
}
