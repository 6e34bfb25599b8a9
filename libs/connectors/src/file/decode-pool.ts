/**
 * Decoding on worker threads, in one process. JSON.parse of a ~2 KB gateway record is most of the
 * decode cost and cannot be made cheaper from JavaScript, so on a multi-core machine the pool spreads
 * batches over worker threads while the main thread reads the input and writes results. Batches come
 * back in input order (a reorder buffer keyed by sequence number), so output is identical to the
 * single-threaded path, byte for byte.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { type GatewayKind, type SourceConfig, type SourceDecoder } from '@vigil/events';
import type { DecodeRequest, DecodeResponse, DecodeWorkerData } from './decode-protocol';
import { oversizedDeadLetter, type EventBatch, type EventSourceOptions } from './event-file-source';
import { readLineBatches } from './line-reader';

export interface DecodePoolOptions {
  readonly gateway: GatewayKind;
  readonly config: SourceConfig;
  readonly workers: number;
  readonly maxDeadLetterRawBytes?: number;
}

/** An EventBatch whose events were serialized by the worker (for writing straight to a file). */
export interface SerializedEventBatch extends Omit<EventBatch, 'events'> {
  readonly eventsNdjson: string;
  readonly eventCount: number;
}

function workerScript(): string {
  // Compiled JS beside this file; under ts-jest/swc the sources run from src/, the worker from dist/.
  const here = join(__dirname, 'decode-worker.js');
  if (existsSync(here)) return here;
  const built = join(__dirname, '..', '..', 'dist', 'file', 'decode-worker.js');
  if (existsSync(built)) return built;
  throw new Error('decode worker is not built: run `npm run build` first');
}

export class DecodePool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (r: DecodeResponse) => void; reject: (e: Error) => void }>();
  private nextWorker = 0;
  private failed: Error | null = null;

  constructor(options: DecodePoolOptions) {
    if (options.workers < 1) throw new Error('a DecodePool needs at least one worker');
    const data: DecodeWorkerData = {
      gateway: options.gateway,
      config: options.config,
      maxDeadLetterRawBytes: options.maxDeadLetterRawBytes,
    };
    for (let i = 0; i < options.workers; i++) {
      const w = new Worker(workerScript(), { workerData: data });
      w.on('message', (res: DecodeResponse) => {
        const p = this.pending.get(res.seq);
        this.pending.delete(res.seq);
        p?.resolve(res);
      });
      w.on('error', (err) => this.crash(err));
      w.on('exit', (code) => {
        if (code !== 0) this.crash(new Error(`decode worker exited with code ${code}`));
      });
      this.workers.push(w);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  decode(req: DecodeRequest): Promise<DecodeResponse> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.pending.set(req.seq, { resolve, reject });
      const w = this.workers[this.nextWorker++ % this.workers.length]!;
      w.postMessage(req);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private crash(err: Error): void {
    this.failed = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /**
   * Reads `input` and yields batches in order, keeping up to two batches per worker in flight so the
   * workers never wait for the reader. Oversized lines are dead-lettered on the main thread, where
   * only their head is held.
   */
  async *readSerialized(
    input: Readable,
    decoder: SourceDecoder,
    options: EventSourceOptions & { readonly countOnly?: boolean },
  ): AsyncGenerator<SerializedEventBatch> {
    const inFlight: Array<{
      promise: Promise<DecodeResponse>;
      rest: Omit<SerializedEventBatch, 'eventsNdjson' | 'eventCount'>;
    }> = [];
    const maxInFlight = this.workers.length * 2;
    let seq = 0;
    const settle = async (): Promise<SerializedEventBatch> => {
      const head = inFlight.shift()!;
      const res = await head.promise;
      return {
        ...head.rest,
        eventsNdjson: res.eventsNdjson ?? '',
        eventCount: res.eventCount,
        deadLetters: head.rest.deadLetters.length
          ? [...res.deadLetters, ...head.rest.deadLetters].sort((a, b) => lineOf(a.position) - lineOf(b.position))
          : res.deadLetters,
      };
    };
    for await (const batch of readLineBatches(input, {
      maxLineBytes: decoder.maxRecordBytes,
      batchLines: options.batchLines ?? 4096,
    })) {
      const oversized = batch.oversized.map((big) => oversizedDeadLetter(big, decoder.maxRecordBytes, options));
      const promise = batch.lines.length
        ? this.decode({
            seq: seq++,
            lines: batch.lines,
            lineNumbers: batch.lineNumbers,
            sourceName: options.sourceName,
            output: options.countOnly ? 'count' : 'ndjson',
          })
        : Promise.resolve<DecodeResponse>({ seq: -1, events: null, eventsNdjson: '', eventCount: 0, deadLetters: [] });
      inFlight.push({
        promise,
        rest: {
          deadLetters: oversized,
          records: batch.lines.length + batch.oversized.length,
          blankLines: batch.blankLines,
          bytesRead: batch.bytesRead,
        },
      });
      if (inFlight.length >= maxInFlight) yield await settle();
    }
    while (inFlight.length) yield await settle();
  }
}

/** Positions from files are `line N`. */
function lineOf(position: string): number {
  return Number(position.slice(5));
}
