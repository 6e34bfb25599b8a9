/**
 * A bank's history — many log files, hours or days of them — as one stream of decoded events in event
 * time order, read in one pass with bounded memory.
 *
 * A cheap scan of each file first (its first and last records, its size; a `.gz` file is decompressed
 * once without decoding) gives the history's span and volume, which is what injected simulated traffic
 * is sized by, and the total for progress. The stream then merges the files (and any simulated overlay)
 * by event time: a file is opened only when the merge reaches its first event, so consecutive hourly
 * files are read one after the other and overlapping ones (two gateways) are interleaved. Events outside
 * `fromMs`..`toMs` are dropped, and files wholly outside it are never opened: held-back hours are a time
 * window over the same files.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { openInput, readEventBatches, readLineBatches } from '@vigil/connectors';
import type { AccessEvent, SourceDecoder } from '@vigil/events';

export interface HistoryFile {
  readonly path: string;
  /** Bytes on disk. */
  readonly bytes: number;
  readonly compressed: boolean;
  readonly firstTs: number;
  readonly lastTs: number;
  /** Records: counted for a `.gz` file, estimated from the size and the head's line length otherwise. */
  readonly records: number;
  readonly recordsExact: boolean;
}

const SAMPLE_BYTES = 512 * 1024;
/** How many decodable records at each end the span is taken over (logs are only roughly sorted). */
const SAMPLE_RECORDS = 200;

/** First and last event time and the size of one log file. Throws when no record in it decodes. */
export async function scanHistoryFile(path: string, decoder: SourceDecoder): Promise<HistoryFile> {
  const bytes = statSync(path).size;
  if (path.endsWith('.gz')) return scanCompressed(path, bytes, decoder);
  const head = readBytes(path, 0, Math.min(bytes, SAMPLE_BYTES));
  const headLines = completeLines(head, false, bytes <= SAMPLE_BYTES);
  const firstTs = minTs(headLines.slice(0, SAMPLE_RECORDS * 4), decoder);
  const tailStart = Math.max(0, bytes - SAMPLE_BYTES);
  const tail = tailStart === 0 ? head : readBytes(path, tailStart, bytes - tailStart);
  const tailLines = completeLines(tail, tailStart > 0, true);
  const lastTs = maxTs(tailLines.slice(-SAMPLE_RECORDS * 4), decoder);
  if (firstTs === null || lastTs === null) throw new Error(`${path}: no record in its first or last 512 KB decodes`);
  const headBytes = headLines.reduce((a, l) => a + Buffer.byteLength(l) + 1, 0);
  const records =
    bytes <= SAMPLE_BYTES
      ? headLines.length
      : Math.round(bytes / Math.max(1, headBytes / Math.max(1, headLines.length)));
  return {
    path,
    bytes,
    compressed: false,
    firstTs,
    lastTs: Math.max(lastTs, firstTs),
    records,
    recordsExact: bytes <= SAMPLE_BYTES,
  };
}

async function scanCompressed(path: string, bytes: number, decoder: SourceDecoder): Promise<HistoryFile> {
  const input = openInput(path);
  let firstTs: number | null = null;
  let records = 0;
  let last: string[] = [];
  for await (const b of readLineBatches(input.stream, { maxLineBytes: decoder.maxRecordBytes, batchLines: 4096 })) {
    if (firstTs === null) firstTs = minTs(b.lines.slice(0, SAMPLE_RECORDS * 4), decoder);
    records += b.lines.length;
    if (b.lines.length) last = b.lines.slice(-SAMPLE_RECORDS * 4);
  }
  const lastTs = maxTs(last, decoder);
  if (firstTs === null || lastTs === null) throw new Error(`${path}: no record decodes`);
  return { path, bytes, compressed: true, firstTs, lastTs: Math.max(lastTs, firstTs), records, recordsExact: true };
}

function readBytes(path: string, start: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, start);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Lines of a byte window: the first dropped when the window starts mid-line, the last unless it ends the file. */
function completeLines(buf: Buffer, dropFirst: boolean, endsFile: boolean): string[] {
  const lines = buf.toString('utf8').split('\n');
  if (dropFirst) lines.shift();
  if (!endsFile) lines.pop();
  return lines.filter((l) => l.trim().length > 0);
}

function minTs(lines: readonly string[], decoder: SourceDecoder): number | null {
  let m: number | null = null;
  let seen = 0;
  for (const l of lines) {
    const d = decoder.decode(l);
    if (!d.ok) continue;
    if (m === null || d.value.ts < m) m = d.value.ts;
    if (++seen >= SAMPLE_RECORDS) break;
  }
  return m;
}

function maxTs(lines: readonly string[], decoder: SourceDecoder): number | null {
  let m: number | null = null;
  let seen = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const d = decoder.decode(lines[i]!);
    if (!d.ok) continue;
    if (m === null || d.value.ts > m) m = d.value.ts;
    if (++seen >= SAMPLE_RECORDS) break;
  }
  return m;
}

/** The span and volume of a scanned history: what injected traffic is sized by. */
export interface HistorySpan {
  readonly startMs: number;
  readonly endMs: number;
  readonly records: number;
  readonly hours: number;
  readonly recordsPerMinute: number;
}

export function historySpan(files: readonly HistoryFile[], window: TimeWindow = {}): HistorySpan {
  let start = Infinity;
  let end = -Infinity;
  let records = 0;
  for (const f of files) {
    const a = Math.max(f.firstTs, window.fromMs ?? -Infinity);
    const b = Math.min(f.lastTs, window.toMs ?? Infinity);
    if (b < a) continue;
    // Records inside the window, assuming an even rate over the file.
    const share = f.lastTs > f.firstTs ? (b - a) / (f.lastTs - f.firstTs) : 1;
    records += Math.round(f.records * share);
    if (a < start) start = a;
    if (b > end) end = b;
  }
  if (!Number.isFinite(start)) throw new Error('no history inside the time window');
  const minutes = Math.max(1, (end - start) / 60_000);
  return { startMs: start, endMs: end, records, hours: (end - start) / 3_600_000, recordsPerMinute: records / minutes };
}

export interface TimeWindow {
  readonly fromMs?: number;
  /** Exclusive. */
  readonly toMs?: number;
}

/** A simulated stream merged into the history (injected attacks or benign look-alikes). */
export interface Overlay {
  readonly name: string;
  readonly startMs: number;
  readonly events: () => Iterable<AccessEvent[]> | AsyncIterable<AccessEvent[]>;
}

export interface HistoryFileStats {
  readonly path: string;
  events: number;
  deadLetters: number;
  outsideWindow: number;
  opened: boolean;
}

interface Cursor {
  readonly name: string;
  readonly iter: AsyncIterator<AccessEvent[]>;
  buf: AccessEvent[];
  i: number;
  readonly stats: HistoryFileStats | null;
}

interface Pending {
  readonly name: string;
  readonly startMs: number;
  readonly open: () => AsyncIterator<AccessEvent[]>;
  readonly stats: HistoryFileStats | null;
}

const CHUNK = 4096;

export class HistoryStream {
  readonly fileStats: HistoryFileStats[];
  /** Events yielded so far (history and overlays). */
  events = 0;
  overlayEvents = 0;

  constructor(
    private readonly files: readonly HistoryFile[],
    private readonly decoder: SourceDecoder,
    private readonly overlays: readonly Overlay[] = [],
    private readonly window: TimeWindow = {},
  ) {
    this.fileStats = files.map((f) => ({ path: f.path, events: 0, deadLetters: 0, outsideWindow: 0, opened: false }));
  }

  /** Merged batches in event-time order (each file is assumed roughly sorted, as gateways write). */
  async *batches(): AsyncGenerator<AccessEvent[]> {
    const from = this.window.fromMs ?? -Infinity;
    const to = this.window.toMs ?? Infinity;
    const pending: Pending[] = [];
    this.files.forEach((f, k) => {
      const stats = this.fileStats[k]!;
      if (f.lastTs < from || f.firstTs >= to) return;
      pending.push({ name: f.path, startMs: f.firstTs, open: () => this.fileEvents(f.path, stats), stats });
    });
    for (const o of this.overlays) {
      pending.push({
        name: o.name,
        startMs: o.startMs,
        open: () => toAsync(o.events())[Symbol.asyncIterator](),
        stats: null,
      });
    }
    pending.sort((a, b) => a.startMs - b.startMs);
    const active: Cursor[] = [];
    const head = (c: Cursor) => c.buf[c.i]!.ts;
    const refill = async (c: Cursor): Promise<boolean> => {
      for (;;) {
        const r = await c.iter.next();
        if (r.done) return false;
        if (r.value.length) {
          c.buf = r.value;
          c.i = 0;
          return true;
        }
      }
    };
    const openNext = async () => {
      const p = pending.shift()!;
      if (p.stats) p.stats.opened = true;
      const c: Cursor = { name: p.name, iter: p.open(), buf: [], i: 0, stats: p.stats };
      if (await refill(c)) active.push(c);
    };
    let out: AccessEvent[] = [];
    while (active.length || pending.length) {
      if (!active.length) await openNext();
      // Open every source whose first event the merge has reached.
      let minHead = Infinity;
      for (const c of active) minHead = Math.min(minHead, head(c));
      while (pending.length && pending[0]!.startMs <= minHead) {
        await openNext();
        for (const c of active) minHead = Math.min(minHead, head(c));
      }
      if (!active.length) continue;
      let best = 0;
      for (let k = 1; k < active.length; k++) if (head(active[k]!) < head(active[best]!)) best = k;
      const c = active[best]!;
      let limit = pending.length ? pending[0]!.startMs : Infinity;
      for (let k = 0; k < active.length; k++) if (k !== best) limit = Math.min(limit, head(active[k]!));
      while (c.i < c.buf.length) {
        const e = c.buf[c.i]!;
        if (e.ts > limit && out.length) break;
        c.i++;
        if (e.ts < from || e.ts >= to) {
          if (c.stats) c.stats.outsideWindow++;
          continue;
        }
        out.push(e);
        if (c.stats) c.stats.events++;
        else this.overlayEvents++;
        if (out.length >= CHUNK) break;
      }
      if (c.i >= c.buf.length && !(await refill(c))) active.splice(best, 1);
      if (out.length >= CHUNK || (!active.length && !pending.length && out.length)) {
        this.events += out.length;
        yield out;
        out = [];
      }
    }
    if (out.length) {
      this.events += out.length;
      yield out;
    }
  }

  private async *fileEvents(path: string, stats: HistoryFileStats): AsyncGenerator<AccessEvent[]> {
    const input = openInput(path);
    for await (const b of readEventBatches(input.stream, this.decoder, { sourceName: input.name })) {
      stats.deadLetters += b.deadLetters.length;
      yield b.events;
    }
  }
}

async function* toAsync<T>(it: Iterable<T> | AsyncIterable<T>): AsyncGenerator<T> {
  yield* it;
}
