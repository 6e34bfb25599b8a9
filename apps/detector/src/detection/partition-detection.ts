/**
 * The detection path for one (topic, partition), owned by whichever instance Kafka assigns it to: the
 * same DetectionPipeline as `vigil replay`, with the partition's own engine (its policy decisions,
 * offenders and population counts) and its windows in Redis. Everything a restart or a new owner needs
 * is outside the process:
 *   - windows: applied idempotently per offset (the store's per-entity offsets), every batch with the
 *     Kafka offsets of exactly its events (dead-lettered records leave gaps);
 *   - the engine's state and the watermark: a checkpoint after every detection batch, written once the
 *     batch's outputs are acknowledged (PartitionCheckpoints).
 * `open` restores the checkpoint; records below its offset are already in it and are skipped. Events
 * still held by the pipeline (a batch not yet closed) are not committed: `commitOffset` is the offset of
 * the first of them, so whoever reads the partition next reads them again and cuts the same batches.
 *
 * At most one batch is applied to the windows beyond the checkpoint (the one in flight when a crash
 * came); replayed, its entities report the state that batch left, so the vectors, and hence the
 * decisions, are the ones the uninterrupted run had. Outputs of that batch may be produced twice: their
 * ids are deterministic, so a reader keyed by id (the compacted decisions topic) sees them once.
 */
import { DetectionPipeline, type Alert, type Decision, type DetectionEngine } from '@vigil/detection';
import type { AccessEvent } from '@vigil/events';
import type { ApplyResult, WindowStore } from '@vigil/features';
import { SourceDeduplicator } from './key-router';
import type { CheckpointStore } from './partition-checkpoints';

export interface PartitionOutputs {
  readonly decisions: Decision[];
  readonly alerts: Alert[];
}

/** What `open` restored, for the log line. */
export interface RestoredCheckpoint {
  readonly offset: number;
  readonly watermark: number;
  readonly configDigest: string;
}

export interface BatchReport {
  readonly events: number;
  /** Wall seconds from windows to findings. */
  readonly detectSeconds: number;
  /** Wall seconds to produce the outputs and write the checkpoint (or start writing it: `overlap`). */
  readonly emitSeconds: number;
  /** Kafka timestamp (ms) of the batch's oldest record: produce-to-decision latency is measured from it. */
  readonly oldestRecordTs: number;
  readonly result: ApplyResult;
}

export interface PartitionDetectionOptions {
  readonly topic: string;
  readonly partition: number;
  readonly store: WindowStore;
  readonly engine: DetectionEngine;
  readonly batchSpanMs: number;
  readonly checkpoints: CheckpointStore;
  /**
   * How often the checkpoint is written: after every batch (default), or once `batches` closed batches
   * or `ms` of wall time have passed since the last one. Between two checkpoints nothing past the last
   * is committed, so a new owner replays those batches (outputs again, under the same ids).
   */
  readonly checkpointEvery?: {
    readonly batches?: number;
    readonly ms?: number;
    /**
     * Let the write run while the next batches are detected (it is awaited before the next write and
     * before anything past it is committed). Only where the windows are written with the checkpoint
     * (redis.windows: partition): windows written on their own could then get more than a batch ahead.
     */
    readonly overlap?: boolean;
  };
  readonly configDigest: string;
  /** Produces a closed batch's outputs; resolves once they are acknowledged. */
  readonly emit: (outputs: PartitionOutputs) => Promise<void>;
  readonly onBatch?: (report: BatchReport) => void;
  /** A checkpoint is durable; `bytes` is the size of its engine state. */
  readonly onCheckpoint?: (bytes: number) => void;
}

export class PartitionDetection {
  readonly pipeline: DetectionPipeline;
  /** Offsets and Kafka timestamps of the events pushed and not yet detected, from `head` on. */
  private offsets: number[] = [];
  private timestamps: number[] = [];
  /** kafka.repartition: each pushed event's source position (null: not routed), beside `offsets`. */
  private sources: ({ key: string; offset: number } | null)[] = [];
  /** kafka.repartition: the source offsets seen and applied, for a router retry's duplicates. */
  dedup = new SourceDeduplicator();
  private head = 0;
  private outputs: PartitionOutputs = { decisions: [], alerts: [] };
  /** The next offset after the last record seen (events and dead letters). */
  private consumedTo = -1;
  private committedTo = -1;
  /** Offset after the last event the stored checkpoint covers. */
  private checkpointedTo = -1;
  private highWatermark: number | null = null;
  private batchInFlight: { lastOffset: number; oldestTs: number; started: number; result: ApplyResult } | null = null;
  /** The end of the last closed batch (offset after its last event, its watermark), checkpointed or not. */
  private boundary: { offset: number; watermark: number } | null = null;
  /** Closed batches since the last checkpoint, and when that was written (performance.now()). */
  private unsaved = 0;
  private savedAt = performance.now();
  /** The checkpoint write under way (`overlap`), and its failure, rethrown at the next push or write. */
  private writing: Promise<void> | null = null;
  private writeError: unknown = null;

  /** Restores the partition's checkpoint (if any) into a new PartitionDetection. */
  static async open(
    o: PartitionDetectionOptions,
  ): Promise<{ part: PartitionDetection; restored: RestoredCheckpoint | null }> {
    const part = new PartitionDetection(o);
    const c = await o.checkpoints.load(o.topic, o.partition);
    if (!c) return { part, restored: null };
    o.engine.restore(c.engine);
    o.store.resumeWatermark?.(c.watermark);
    part.checkpointedTo = c.offset;
    part.consumedTo = c.offset;
    part.dedup = new SourceDeduplicator(c.sources);
    return { part, restored: { offset: c.offset, watermark: c.watermark, configDigest: c.configDigest } };
  }

  private constructor(private readonly o: PartitionDetectionOptions) {
    const store = o.store;
    const wrapped: WindowStore = {
      kind: store.kind,
      applyBatch: async (events) => {
        const offsets = this.offsets.slice(this.head, this.head + events.length);
        this.dedup.markApplied(this.sources.slice(this.head, this.head + events.length));
        let oldestTs = Infinity;
        for (let i = this.head; i < this.head + events.length; i++) oldestTs = Math.min(oldestTs, this.timestamps[i]!);
        this.head += events.length;
        if (this.head === this.offsets.length) {
          this.offsets = [];
          this.timestamps = [];
          this.sources = [];
          this.head = 0;
        }
        const started = performance.now();
        const result = await store.applyBatch(events, {
          topic: o.topic,
          partition: o.partition,
          firstOffset: offsets[0]!,
          offsets,
        });
        this.batchInFlight = { lastOffset: offsets[offsets.length - 1]!, oldestTs, started, result };
        return result;
      },
      stats: () => store.stats(),
      close: () => store.close(),
    };
    this.pipeline = new DetectionPipeline({
      store: wrapped,
      engine: o.engine,
      batchSpanMs: o.batchSpanMs,
      sinks: {
        decisions: (ds) => void this.outputs.decisions.push(...ds),
        alerts: (as) => void this.outputs.alerts.push(...as),
      },
      afterBatch: (events, watermark) => this.afterBatch(events.length, watermark),
    });
  }

  /** A closed batch: its outputs produced, then the checkpoint past it, before the next batch starts. */
  private async afterBatch(events: number, watermark: number): Promise<void> {
    const b = this.batchInFlight!;
    this.batchInFlight = null;
    const detected = performance.now();
    const out = this.outputs;
    this.outputs = { decisions: [], alerts: [] };
    await this.o.emit(out);
    this.boundary = { offset: b.lastOffset + 1, watermark };
    this.unsaved++;
    const every = this.o.checkpointEvery;
    const due =
      this.unsaved >= (every?.batches ?? 1) ||
      (every?.ms !== undefined && performance.now() - this.savedAt >= every.ms);
    if (due) {
      await this.settle();
      this.startCheckpoint();
      if (!every?.overlap) await this.settle();
    }
    this.o.onBatch?.({
      events,
      detectSeconds: (detected - b.started) / 1000,
      emitSeconds: (performance.now() - detected) / 1000,
      oldestRecordTs: b.oldestTs,
      result: b.result,
    });
  }

  /**
   * Writes the checkpoint at the end of the last closed batch, if a batch closed since the last one (the
   * windows hold no more than that batch left: events of an open batch are not applied yet), and waits
   * for it and for any write still under way.
   */
  async saveCheckpoint(): Promise<void> {
    await this.settle();
    this.startCheckpoint();
    await this.settle();
  }

  /**
   * Starts the write of the state as it is now (engine snapshot and the windows' changes are taken
   * before this returns, so later batches do not leak into it); `checkpointedTo` moves once it is durable.
   */
  private startCheckpoint(): void {
    if (this.unsaved === 0 || !this.boundary) return;
    const { offset, watermark } = this.boundary;
    const write = this.o.checkpoints.save(this.o.topic, this.o.partition, {
      offset,
      watermark,
      engine: this.o.engine.snapshot(),
      configDigest: this.o.configDigest,
      sources: this.dedup.snapshot(),
    });
    this.unsaved = 0;
    this.savedAt = performance.now();
    this.writing = write.then(
      (bytes) => {
        this.checkpointedTo = Math.max(this.checkpointedTo, offset);
        if (bytes > 0) this.o.onCheckpoint?.(bytes);
      },
      (err: unknown) => {
        this.writeError = err;
      },
    );
  }

  /** Waits for the write under way; throws what it failed with. */
  private async settle(): Promise<void> {
    if (this.writing) await this.writing;
    this.writing = null;
    if (this.writeError) throw this.writeError;
  }

  /** The partition's window store. */
  get store(): WindowStore {
    return this.o.store;
  }

  /**
   * Records at or past this offset are new here; below it they were seen by this owner already (Kafka
   * delivers again after a rebalance) or are covered by the restored checkpoint.
   */
  get acceptFrom(): number {
    return Math.max(this.consumedTo, this.checkpointedTo, 0);
  }

  /**
   * Events of one fetch with their offsets and Kafka timestamps; `nextOffset` is the offset after the
   * fetch's last record, `highWatermark` the partition's end when it was fetched. Closed batches are
   * detected, produced and checkpointed before this resolves.
   */
  async push(
    events: readonly AccessEvent[],
    offsets: readonly number[],
    timestamps: readonly number[],
    nextOffset: number,
    highWatermark: number | null,
    sources?: readonly ({ key: string; offset: number } | null)[],
  ): Promise<void> {
    if (this.writeError) throw this.writeError;
    for (let i = 0; i < offsets.length; i++) {
      this.offsets.push(offsets[i]!);
      this.timestamps.push(timestamps[i]!);
      this.sources.push(sources?.[i] ?? null);
    }
    this.consumedTo = Math.max(this.consumedTo, nextOffset);
    if (highWatermark !== null) this.highWatermark = highWatermark;
    await this.pipeline.push(events);
  }

  /** Detects what the pipeline holds (the partition went quiet). */
  flush(): Promise<void> {
    return this.pipeline.flush();
  }

  get pendingEvents(): number {
    return this.offsets.length - this.head;
  }

  /**
   * Read to the partition's end as last fetched: a pause here is a quiet partition, which is when an
   * idle flush may close a batch early. Behind its end, a pause is the consumer's (a rebalance, a slow
   * Redis), and closing the batch would cut it where an uninterrupted run would not.
   */
  get caughtUp(): boolean {
    return this.highWatermark === null || this.consumedTo >= this.highWatermark;
  }

  /** What may be committed now (outputs of closed batches are acknowledged); null when nothing new. */
  commitOffset(): number | null {
    let to = this.pendingEvents > 0 ? this.offsets[this.head]! : this.consumedTo;
    // Closed batches not checkpointed yet are read again by the next owner: nothing past the checkpoint.
    if (this.unsaved > 0 || this.writing) to = Math.min(to, this.checkpointedTo);
    return to > this.committedTo ? to : null;
  }

  get topic(): string {
    return this.o.topic;
  }

  get partition(): number {
    return this.o.partition;
  }

  markCommitted(offset: number): void {
    this.committedTo = Math.max(this.committedTo, offset);
  }

  async close(): Promise<void> {
    await this.writing;
    return this.o.store.close();
  }
}
