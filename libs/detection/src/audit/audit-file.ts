/**
 * Audit trails in NDJSON files: the file sink, opening a trail to append to across runs, and reading a
 * trail's lines for verification.
 *
 * The sink is not the connectors' NdjsonWriter: that one's flush() resolves once a stream has accepted the
 * bytes, and an audit line must be in the file (with `fsync`, on the disk) before the decision it records
 * is emitted, so `flush()` here resolves only after the write (and datasync) completed.
 *
 * Resuming reads only the start line and the tail back to the last checkpoint (at most
 * `checkpointEvery` + 1 lines, read backwards), verifies them — the checkpoint's MAC vouches for the chain
 * before it — and continues from the last line's seq and hash. A trail whose tail does not verify, or whose
 * last line has no newline (a write cut by a crash), is not appended to: that is for a person to look at
 * (`vigil audit verify`), and a fresh trail file can be started meanwhile.
 */
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { readLineBatches } from '@vigil/connectors';
import type { AuditKey, AuditStartRecord } from './audit-record';
import { AuditTrail, type AuditSink, type AuditTrailHead, type AuditTrailOptions } from './audit-trail';
import { AuditVerifier, type AuditBreakReason } from './verify-audit-trail';

/** Longer lines are reported as malformed rather than held in memory. */
export const MAX_AUDIT_LINE_BYTES = 16 << 20;

export interface AuditFileOptions {
  /** datasync after every flush: the lines survive a power loss, not only a crash of the process. */
  readonly fsync?: boolean;
}

/** Appends lines to a file; `flush()` resolves when they are written (and synced with `fsync`). */
export class FileAuditSink implements AuditSink {
  private buffer: string[] = [];
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly fh: FileHandle,
    private readonly fsync: boolean,
    readonly path: string,
  ) {}

  static async open(path: string, options: AuditFileOptions = {}): Promise<FileAuditSink> {
    await mkdir(dirname(path), { recursive: true });
    return new FileAuditSink(await open(path, 'a'), options.fsync ?? false, path);
  }

  write(line: string): void {
    this.buffer.push(line);
  }

  flush(): Promise<void> {
    if (this.buffer.length) {
      const bytes = Buffer.from(this.buffer.join('\n') + '\n', 'utf8');
      this.buffer = [];
      // One write at a time, in order: concurrent writes on one handle may land in any order.
      this.writing = this.writing.then(() => this.writeAll(bytes));
    }
    return this.writing;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.fh.close();
  }

  private async writeAll(bytes: Buffer): Promise<void> {
    for (let done = 0; done < bytes.length;) {
      const { bytesWritten } = await this.fh.write(bytes, done, bytes.length - done);
      done += bytesWritten;
    }
    if (this.fsync) await this.fh.datasync();
  }
}

/** A trail file that cannot be appended to; `reason` as in verification, or `torn_tail`. */
export class AuditTrailError extends Error {
  constructor(
    readonly reason: AuditBreakReason | 'torn_tail',
    message: string,
  ) {
    super(message);
    this.name = 'AuditTrailError';
  }
}

/**
 * Opens the trail at `path` for appending: a new trail when the file is missing or empty, else the
 * existing one resumed after its tail verified (throws AuditTrailError when it does not).
 */
export async function openAuditTrailFile(
  path: string,
  options: AuditTrailOptions & AuditFileOptions,
): Promise<AuditTrail> {
  const size = await fileSize(path);
  if (size === 0) return AuditTrail.start(await FileAuditSink.open(path, options), options);
  const head = await readAuditTrailHead(path, options.key);
  return AuditTrail.resume(await FileAuditSink.open(path, options), head, options);
}

/** Verifies a trail file's start line and tail (see the file comment) and says where its chain stands. */
export async function readAuditTrailHead(path: string, key: AuditKey): Promise<AuditTrailHead> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size === 0) throw new AuditTrailError('start_missing', `audit trail ${path} is empty`);
    const lastByte = Buffer.alloc(1);
    await readFully(fh, lastByte, size - 1);
    if (lastByte[0] !== NL) {
      throw new AuditTrailError(
        'torn_tail',
        `audit trail ${path} ends in a line without a newline (a write cut short?); not appending to it`,
      );
    }
    const startLine = await readFirstLine(fh, path);
    const start = JSON.parse(startLineOrThrow(startLine, key, path)) as AuditStartRecord;
    const tail = await readTailLines(fh, size, start.checkpointEvery, path);

    const verifier = new AuditVerifier({ key });
    if (!tail.reachedStart) {
      verifier.push(startLine);
      verifier.anchorAtNextLine();
    }
    for (const line of tail.lines) if (verifier.push(line)) break;
    const result = verifier.result();
    const broken = result.firstBreak;
    if (broken) {
      const where = tail.reachedStart ? `line ${broken.line}` : `seq ${broken.seq ?? '?'} (in the tail)`;
      throw new AuditTrailError(
        broken.reason,
        `audit trail ${path} is broken at ${where}: ${broken.reason} ${broken.detail}; not appending to it`,
      );
    }
    return {
      trailId: start.trailId,
      keyId: start.keyId,
      checkpointEvery: start.checkpointEvery,
      seq: result.head!.seq,
      hash: result.head!.hash,
      lastCheckpointSeq: result.lastCheckpoint?.seq ?? -1,
    };
  } finally {
    await fh.close();
  }
}

/**
 * A trail's lines for `verifyAuditTrail`, in constant memory: blank lines are kept (as '') so that line
 * numbers stay right and a blank line breaks the trail; a line over MAX_AUDIT_LINE_BYTES comes as its
 * head, which does not verify. A trailing CR is dropped by the line reader.
 */
export async function* readAuditLines(input: Readable): AsyncGenerator<string> {
  let next = 1;
  for await (const batch of readLineBatches(input, { maxLineBytes: MAX_AUDIT_LINE_BYTES, headBytes: 1024 })) {
    const { lines, lineNumbers, oversized } = batch;
    let o = 0;
    for (let i = 0; i <= lines.length; i++) {
      const lineNo = i < lines.length ? lineNumbers[i]! : Infinity;
      for (; o < oversized.length && oversized[o]!.line < lineNo; o++) {
        for (; next < oversized[o]!.line; next++) yield '';
        next++;
        yield oversized[o]!.head.toString('utf8');
      }
      if (i === lines.length) break;
      for (; next < lineNo; next++) yield '';
      next++;
      yield lines[i]!;
    }
  }
}

const NL = 0x0a;
const TAIL_CHUNK = 1 << 16;
const CHECKPOINT_LINE = /^\{"seq":\d+,"kind":"checkpoint",/;

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** The start line must verify on its own (hash, fields, key id) before its checkpointEvery is trusted. */
function startLineOrThrow(line: string, key: AuditKey, path: string): string {
  const broken = new AuditVerifier({ key }).push(line);
  if (broken) {
    throw new AuditTrailError(
      broken.reason,
      `audit trail ${path} is broken at line 1: ${broken.reason} ${broken.detail}`,
    );
  }
  return line;
}

async function readFully(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

async function readFirstLine(fh: FileHandle, path: string): Promise<string> {
  const parts: Buffer[] = [];
  for (let position = 0; position < MAX_AUDIT_LINE_BYTES; position += TAIL_CHUNK) {
    const chunk = Buffer.alloc(TAIL_CHUNK);
    const { bytesRead } = await fh.read(chunk, 0, TAIL_CHUNK, position);
    const nl = chunk.subarray(0, bytesRead).indexOf(NL);
    if (nl >= 0) return Buffer.concat([...parts, chunk.subarray(0, nl)]).toString('utf8');
    parts.push(chunk.subarray(0, bytesRead));
  }
  throw new AuditTrailError('malformed', `audit trail ${path}: line 1 is longer than ${MAX_AUDIT_LINE_BYTES} bytes`);
}

/**
 * Lines from the end of the file back to the last checkpoint line (included), or to the first line when
 * there is no checkpoint (`reachedStart`). More than `checkpointEvery` lines without one is a break.
 */
async function readTailLines(
  fh: FileHandle,
  size: number,
  checkpointEvery: number,
  path: string,
): Promise<{ readonly lines: string[]; readonly reachedStart: boolean }> {
  const reversed: string[] = [];
  let carry = Buffer.alloc(0);
  let pos = size - 1; // before the final newline
  while (pos > 0) {
    const len = Math.min(TAIL_CHUNK, pos);
    pos -= len;
    const chunk = Buffer.alloc(len);
    await readFully(fh, chunk, pos);
    const data = carry.length ? Buffer.concat([chunk, carry]) : chunk;
    let end = data.length;
    while (end > 0) {
      const nl = data.lastIndexOf(NL, end - 1);
      if (nl < 0) break;
      const line = data.toString('utf8', nl + 1, end);
      reversed.push(line);
      if (CHECKPOINT_LINE.test(line)) return { lines: reversed.reverse(), reachedStart: false };
      if (reversed.length > checkpointEvery) {
        throw new AuditTrailError(
          'checkpoint_missing',
          `audit trail ${path}: the last ${reversed.length} lines have no checkpoint, the trail checkpoints every ${checkpointEvery}; not appending to it`,
        );
      }
      end = nl;
    }
    carry = Buffer.from(data.subarray(0, end));
    if (carry.length > MAX_AUDIT_LINE_BYTES) {
      throw new AuditTrailError(
        'malformed',
        `audit trail ${path}: a line is longer than ${MAX_AUDIT_LINE_BYTES} bytes`,
      );
    }
  }
  reversed.push(carry.toString('utf8'));
  return { lines: reversed.reverse(), reachedStart: true };
}
