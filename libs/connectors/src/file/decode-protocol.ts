import type { AccessEvent, DeadLetterRecord, GatewayKind, SourceConfig } from '@vigil/events';

/**
 * A per-worker aggregator: map-reduce over decode workers for consumers whose state merges by addition
 * (the API inventory's counters; later the feature windows' deltas). Each worker loads `module` and
 * calls its `createWorkerAggregator(options)` once; every decoded block goes through `block`, whose
 * result travels to the main thread with the block (`PooledBatch.aggregate`). When a decision must be
 * taken in input order across all workers (the inventory's endpoint admission, cap and free-slot
 * promotions), the main thread answers each block with `DecodePool.answer`, in order, and the worker
 * applies it with `answer`. `DecodePool.drain` collects every worker's partial result (`drain`).
 */
export interface WorkerAggregatorSpec {
  /** Absolute path of a CommonJS module exporting `createWorkerAggregator(options)`. */
  readonly module: string;
  /** Structured-cloneable options for it. */
  readonly options: unknown;
}

export interface WorkerAggregator {
  /** One decoded block, events in input order. The result goes to the main thread with the block. */
  block(seq: number, events: readonly AccessEvent[]): unknown;
  /** The main thread's answer to block `seq` (only when it sends one; always after `block(seq)`). */
  answer?(seq: number, message: unknown): void;
  /** This worker's partial result since the last drain. */
  drain(): unknown;
}

export interface WorkerAggregatorModule {
  createWorkerAggregator(options: unknown): WorkerAggregator;
}

/** Messages between the DecodePool and its workers (structured-cloned; blocks are transferred). */
export interface DecodeWorkerData {
  readonly gateway: GatewayKind;
  readonly config: SourceConfig;
  readonly sourceName: string;
  readonly maxDeadLetterRawBytes: number | undefined;
  /**
   * `ndjson`: the worker serializes events itself, so the main thread only writes them out;
   * `objects`: events come back as objects; `count`: events are only counted.
   */
  readonly output: 'objects' | 'ndjson' | 'count';
  readonly aggregator: WorkerAggregatorSpec | undefined;
}

export interface DecodeRequest {
  readonly type: 'block';
  readonly seq: number;
  /** Whole lines, as bytes. */
  readonly block: Uint8Array;
  readonly firstLine: number;
}

export interface AnswerRequest {
  readonly type: 'answer';
  readonly seq: number;
  readonly message: unknown;
}

export interface DrainRequest {
  readonly type: 'drain';
  readonly id: number;
}

export type WorkerRequest = DecodeRequest | AnswerRequest | DrainRequest;

export interface DecodeResponse {
  readonly type: 'block';
  readonly seq: number;
  readonly events: AccessEvent[] | null;
  readonly eventsNdjson: string | null;
  readonly eventCount: number;
  readonly deadLetters: DeadLetterRecord[];
  readonly records: number;
  readonly blankLines: number;
  /** The aggregator's result for this block (undefined without an aggregator). */
  readonly aggregate: unknown;
}

export interface DrainResponse {
  readonly type: 'drained';
  readonly id: number;
  readonly partial: unknown;
}

export type WorkerResponse = DecodeResponse | DrainResponse;
