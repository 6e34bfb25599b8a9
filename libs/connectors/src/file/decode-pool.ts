/**
 * Decoding on worker threads, in one process. JSON.parse of a ~2 KB gateway record is most of the
 * decode cost and cannot be made cheaper from JavaScript, so on a multi-core machine the main thread
 * only cuts the input into blocks of whole lines (readLineBlocks: newline search, no decoding) and
 * transfers them to workers, which split, decode and normalize them with the same code as the
 * single-threaded path. Results come back in input order through a reorder buffer, so the output is
 * identical to decoding on the main thread, byte for byte (tested).
 *
 * An optional per-worker aggregator (WorkerAggregatorSpec) turns the pool into a map-reduce: workers
 * fold their blocks into partial state, the main thread may answer each block in input order, and
 * `drain` collects the partials.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { AccessEvent, DeadLetterRecord, GatewayKind, SourceConfig } from '@vigil/events';
import type {
  DecodeResponse,
  DecodeWorkerData,
  WorkerAggregatorSpec,
  WorkerRequest,
  WorkerResponse,
} from './decode-protocol';
import { oversizedDeadLetter } from './event-file-source';
import { readLineBlocks } from './line-blocks';

export interface DecodePoolOptions {
  readonly gateway: GatewayKind;
  readonly config: SourceConfig;
  readonly workers: number;
  /** Name recorded in dead-letter records. */
  readonly sourceName: string;
  /** What workers send back: event objects, NDJSON text, or only counts. */
  readonly output: DecodeWorkerData['output'];
  readonly maxDeadLetterRawBytes?: number;
  /** A per-worker aggregator (map-reduce); see WorkerAggregatorSpec. */
  readonly aggregator?: WorkerAggregatorSpec;
}

/** One decoded block: like EventBatch, with events as objects or NDJSON depending on `output`. */
export interface PooledBatch {
  /** Empty unless output is `objects`. */
  readonly events: AccessEvent[];
  /** Empty unless output is `ndjson`. */
  readonly eventsNdjson: string;
  readonly eventCount: number;
  readonly deadLetters: DeadLetterRecord[];
  readonly records: number;
  readonly blankLines: number;
  readonly bytesRead: number;
  /** The worker aggregator's result for this block; undefined without an aggregator. */
  readonly aggregate?: unknown;
  /** Which worker decoded it (-1: none, an oversized line), for `answer`. */
  readonly worker?: number;
  readonly seq?: number;
}

function workerScript(): string {
  // Compiled JS beside this file; when the sources run from src/ (Jest), the worker runs from dist/.
  const here = join(__dirname, 'decode-worker.js');
  if (existsSync(here)) return here;
  const built = join(__dirname, '..', '..', 'dist', 'file', 'decode-worker.js');
  if (existsSync(built)) return built;
  throw new Error('decode worker is not built: run `npm run build` first');
}

export class DecodePool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (r: DecodeResponse) => void; reject: (e: Error) => void }>();
  private readonly drains = new Map<number, { resolve: (partial: unknown) => void; reject: (e: Error) => void }>();
  private nextDrain = 0;
  private nextWorker = 0;
  private failed: Error | null = null;

  constructor(private readonly options: DecodePoolOptions) {
    if (options.workers < 1) throw new Error('a DecodePool needs at least one worker');
    const data: DecodeWorkerData = {
      gateway: options.gateway,
      config: options.config,
      sourceName: options.sourceName,
      maxDeadLetterRawBytes: options.maxDeadLetterRawBytes,
      output: options.output,
      aggregator: options.aggregator,
    };
    for (let i = 0; i < options.workers; i++) {
      const w = new Worker(workerScript(), { workerData: data });
      w.on('message', (res: WorkerResponse) => {
        if (res.type === 'drained') {
          const d = this.drains.get(res.id);
          this.drains.delete(res.id);
          d?.resolve(res.partial);
          return;
        }
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

  /** Sends the main thread's answer for a batch to the worker that decoded it (aggregators only). */
  answer(batch: PooledBatch, message: unknown): void {
    if (batch.worker === undefined || batch.worker < 0 || batch.seq === undefined) return;
    this.post(this.workers[batch.worker]!, { type: 'answer', seq: batch.seq, message });
  }

  /** Every worker's partial aggregate, in worker order; call after `read` has finished. */
  async drain(): Promise<unknown[]> {
    if (this.failed) throw this.failed;
    return Promise.all(
      this.workers.map(
        (w) =>
          new Promise<unknown>((resolve, reject) => {
            const id = this.nextDrain++;
            this.drains.set(id, { resolve, reject });
            this.post(w, { type: 'drain', id });
          }),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /**
   * Reads `input` and yields decoded blocks in order, keeping up to two blocks per worker in flight
   * so that the workers never wait for the reader.
   */
  async *read(input: Readable): AsyncGenerator<PooledBatch> {
    const maxRecordBytes = this.options.config.limits.maxRecordBytes;
    const inFlight: Array<Promise<PooledBatch>> = [];
    const maxInFlight = this.workers.length * 2;
    let seq = 0;
    for await (const b of readLineBlocks(input, { maxLineBytes: maxRecordBytes })) {
      if (b.oversized) {
        const dead = oversizedDeadLetter(b.oversized, maxRecordBytes, this.options);
        inFlight.push(Promise.resolve(batchOf(null, [dead], 1, b.bytesRead, -1)));
      } else {
        const bytesRead = b.bytesRead;
        const worker = this.nextWorker++ % this.workers.length;
        inFlight.push(
          this.decode(worker, seq++, b.block, b.firstLine).then((res) =>
            batchOf(res, res.deadLetters, res.records, bytesRead, worker),
          ),
        );
      }
      if (inFlight.length >= maxInFlight) yield await inFlight.shift()!;
    }
    while (inFlight.length) yield await inFlight.shift()!;
  }

  private decode(worker: number, seq: number, block: Buffer, firstLine: number): Promise<DecodeResponse> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      // Blocks own their memory (readLineBlocks copies), so the buffer can be moved, not copied.
      const whole = block.byteOffset === 0 && block.byteLength === block.buffer.byteLength;
      this.post(
        this.workers[worker]!,
        { type: 'block', seq, block, firstLine },
        whole ? [block.buffer as ArrayBuffer] : [],
      );
    });
  }

  private post(w: Worker, req: WorkerRequest, transfer: ArrayBuffer[] = []): void {
    w.postMessage(req, transfer);
  }

  private crash(err: Error): void {
    this.failed = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const d of this.drains.values()) d.reject(err);
    this.drains.clear();
  }
}

function batchOf(
  res: DecodeResponse | null,
  deadLetters: DeadLetterRecord[],
  records: number,
  bytesRead: number,
  worker: number,
): PooledBatch {
  return {
    events: res?.events ?? [],
    eventsNdjson: res?.eventsNdjson ?? '',
    eventCount: res?.eventCount ?? 0,
    deadLetters,
    records,
    blankLines: res?.blankLines ?? 0,
    bytesRead,
    aggregate: res?.aggregate,
    worker,
    seq: res?.seq ?? -1,
  };
}
