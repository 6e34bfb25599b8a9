/**
 * Streams newline-delimited records out of a byte stream in batches, in constant memory whatever the
 * input size: a multi-megabyte (or multi-gigabyte) line is never held whole, only its head is kept for
 * the dead-letter record while the rest is skipped up to the next newline.
 *
 * Works on Buffers (indexOf(0x0a) is memchr) and decodes each line once; batches amortise the async
 * iteration cost, so the caller's per-record loop stays synchronous.
 */
import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';

export interface OversizedLine {
  /** 1-based line number. */
  readonly line: number;
  /** Full size of the line in bytes. */
  readonly bytes: number;
  /** Its first `headBytes` bytes, for the dead-letter record. */
  readonly head: Buffer;
}

export interface LineBatch {
  /** Line number of `lines[0]` is `lineNumbers[0]`; blank lines are skipped but counted in numbering. */
  readonly lines: string[];
  readonly lineNumbers: number[];
  readonly oversized: OversizedLine[];
  /** Lines in this batch that were not valid UTF-8 (decoded with U+FFFD replacements). */
  readonly invalidUtf8: number;
  /** Bytes consumed from the stream so far, for progress. */
  readonly bytesRead: number;
  readonly blankLines: number;
}

export interface LineReaderOptions {
  /** A line longer than this is reported in `oversized` instead of `lines`. */
  readonly maxLineBytes: number;
  /** How many bytes of an oversized line to keep. */
  readonly headBytes?: number;
  /** Yield a batch once it has this many lines (default 4096). */
  readonly batchLines?: number;
  /** Number of the first line (default 1), when the stream is a block from the middle of a file. */
  readonly firstLine?: number;
}

const NL = 0x0a;
const CR = 0x0d;

export async function* readLineBatches(input: Readable, options: LineReaderOptions): AsyncGenerator<LineBatch> {
  const maxLine = options.maxLineBytes;
  const headBytes = options.headBytes ?? 8192;
  const batchLines = options.batchLines ?? 4096;

  let lines: string[] = [];
  let lineNumbers: number[] = [];
  let oversized: OversizedLine[] = [];
  let invalidUtf8 = 0;
  let blankLines = 0;
  let bytesRead = 0;
  let lineNo = (options.firstLine ?? 1) - 1;

  // A line split across chunks: the parts seen so far (bounded by maxLine), or, once it is known to be
  // oversized, only its head and a running byte count.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  let skipHead: Buffer | null = null;

  // Checking a whole chunk is one SIMD pass; single lines are checked only in a chunk that failed.
  let chunkIsUtf8 = true;
  const emitLine = (buf: Buffer, start: number, end: number, knownUtf8: boolean) => {
    lineNo++;
    if (end > start && buf[end - 1] === CR) end--;
    if (end === start) {
      blankLines++;
      return;
    }
    if (!knownUtf8 && !isUtf8(buf.subarray(start, end))) invalidUtf8++;
    lines.push(buf.toString('utf8', start, end));
    lineNumbers.push(lineNo);
  };

  const take = (): LineBatch => {
    const batch = { lines, lineNumbers, oversized, invalidUtf8, bytesRead, blankLines };
    lines = [];
    lineNumbers = [];
    oversized = [];
    invalidUtf8 = 0;
    blankLines = 0;
    return batch;
  };

  for await (const raw of input) {
    const chunk: Buffer = typeof raw === 'string' ? Buffer.from(raw) : (raw as Buffer);
    bytesRead += chunk.length;
    chunkIsUtf8 = isUtf8(chunk);
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(NL, pos);
      const end = nl < 0 ? chunk.length : nl;
      const segBytes = end - pos;

      if (skipping) {
        pendingBytes += segBytes;
      } else if (pendingBytes + segBytes > maxLine) {
        // Becomes oversized now: keep the head, drop the rest.
        const parts = [...pending, chunk.subarray(pos, end)];
        skipHead = Buffer.concat(parts).subarray(0, headBytes);
        skipHead = Buffer.from(skipHead); // detach from the large chunk
        pendingBytes += segBytes;
        pending = [];
        skipping = true;
      } else if (nl < 0) {
        pending.push(Buffer.from(chunk.subarray(pos, end)));
        pendingBytes += segBytes;
      }

      if (nl < 0) break;

      if (skipping) {
        lineNo++;
        oversized.push({ line: lineNo, bytes: pendingBytes, head: skipHead ?? Buffer.alloc(0) });
        skipping = false;
        skipHead = null;
      } else if (pending.length) {
        pending.push(chunk.subarray(pos, end));
        const whole = Buffer.concat(pending);
        emitLine(whole, 0, whole.length, false);
      } else {
        emitLine(chunk, pos, end, chunkIsUtf8);
      }
      pending = [];
      pendingBytes = 0;
      pos = nl + 1;
      if (lines.length >= batchLines) yield take();
    }
    if (lines.length || oversized.length) yield take();
  }
  // Last line without a trailing newline.
  if (skipping) {
    lineNo++;
    oversized.push({ line: lineNo, bytes: pendingBytes, head: skipHead ?? Buffer.alloc(0) });
  } else if (pending.length) {
    const whole = Buffer.concat(pending);
    emitLine(whole, 0, whole.length, false);
  }
  if (lines.length || oversized.length || blankLines) yield take();
}
