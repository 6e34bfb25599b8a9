/**
 * The detection path for one (topic, partition): the same DetectionPipeline as `vigil replay`, cutting
 * the partition's events into event-time batches that may span several Kafka fetches. The pipeline's
 * store is wrapped so that every batch it closes is applied with the Kafka offsets of exactly its events
 * (a BatchPosition with explicit offsets: dead-lettered records leave gaps), which is what makes the
 * Redis windows idempotent per offset. Events still held by the pipeline are not committed:
 * `commitOffset` is the offset of the first of them, so a restart reads them again.
 */
import { DetectionPipeline, type Alert, type Decision, type DetectionEngine } from '@vigil/detection';
import type { AccessEvent } from '@vigil/events';
import type { ApplyResult, WindowStore } from '@vigil/features';

export interface PartitionOutputs {
  readonly decisions: Decision[];
  readonly alerts: Alert[];
}

export interface PartitionDetectionOptions {
  readonly topic: string;
  readonly partition: number;
  readonly store: WindowStore;
  readonly engine: DetectionEngine;
  readonly batchSpanMs: number;
  /** After each detection batch: events, wall seconds from windows to findings. */
  readonly onBatch?: (events: number, seconds: number, result: ApplyResult) => void;
}

export class PartitionDetection {
  readonly pipeline: DetectionPipeline;
  /** Offsets of the events pushed and not yet detected, from `head` on. */
  private offsets: number[] = [];
  private head = 0;
  private outputs: PartitionOutputs = { decisions: [], alerts: [] };
  /** The next offset after the last record seen (events and dead letters). */
  private consumedTo = -1;
  private committedTo = -1;

  constructor(private readonly o: PartitionDetectionOptions) {
    const store = o.store;
    const wrapped: WindowStore = {
      kind: store.kind,
      applyBatch: async (events) => {
        const offsets = this.offsets.slice(this.head, this.head + events.length);
        this.head += events.length;
        if (this.head === this.offsets.length) {
          this.offsets = [];
          this.head = 0;
        }
        const started = performance.now();
        const result = await store.applyBatch(events, {
          topic: o.topic,
          partition: o.partition,
          firstOffset: offsets[0]!,
          offsets,
        });
        o.onBatch?.(events.length, (performance.now() - started) / 1000, result);
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
    });
  }

  /** Events of one fetch with their offsets; `nextOffset` is the offset after the fetch's last record. */
  async push(events: readonly AccessEvent[], offsets: readonly number[], nextOffset: number): Promise<void> {
    for (const off of offsets) this.offsets.push(off);
    await this.pipeline.push(events);
    this.consumedTo = Math.max(this.consumedTo, nextOffset);
  }

  /** Detects what the pipeline holds (the partition went quiet, or the service stops). */
  flush(): Promise<void> {
    return this.pipeline.flush();
  }

  get pendingEvents(): number {
    return this.offsets.length - this.head;
  }

  /** What may be committed once the outputs taken so far are acknowledged; null when nothing new. */
  commitOffset(): number | null {
    const to = this.pendingEvents > 0 ? this.offsets[this.head]! : this.consumedTo;
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

  takeOutputs(): PartitionOutputs {
    const out = this.outputs;
    this.outputs = { decisions: [], alerts: [] };
    return out;
  }

  close(): Promise<void> {
    return this.o.store.close();
  }
}
