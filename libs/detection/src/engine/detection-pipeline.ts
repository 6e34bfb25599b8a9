/**
 * The whole path after decoding, for one ordered stream of events: cut into event-time batches, applied
 * to the window store, scored by the engine, decisions and alerts handed to the sinks. `vigil replay`,
 * `vigil run`, `vigil evaluate` and the detector service all drive this same class, so a replay decides
 * exactly what the live path decides on the same events.
 *
 * A batch closes when its events span `batchSpanMs` of event time or it holds `maxBatchEvents`: the
 * span bounds time-to-detect (a decision comes at the end of the batch that shows the attack), the count
 * bounds memory and latency when traffic is heavy.
 */
import type { AccessEvent } from '@vigil/events';
import type { BatchPosition, WindowStore } from '@vigil/features';
import type { Alert, Decision } from '../records/records';
import type { DetectionEngine } from './detection-engine';

export interface DetectionSinks {
  decisions(ds: readonly Decision[]): void | Promise<void>;
  alerts(as: readonly Alert[]): void | Promise<void>;
}

export interface DetectionPipelineOptions {
  readonly store: WindowStore;
  readonly engine: DetectionEngine;
  readonly sinks: DetectionSinks;
  /** Default 10 s of event time. */
  readonly batchSpanMs?: number;
  /** Default 4096. */
  readonly maxBatchEvents?: number;
  /**
   * Called after every batch with the events it held, and awaited (evaluation reading active decisions;
   * the detector service producing the batch's outputs and checkpointing before the next batch).
   */
  readonly afterBatch?: (events: readonly AccessEvent[], watermark: number) => void | Promise<void>;
}

export interface PipelineTotals {
  events: number;
  batches: number;
  late: number;
  decisions: number;
  alerts: number;
  watermark: number;
}

export const DEFAULT_BATCH_SPAN_MS = 10_000;
export const DEFAULT_MAX_BATCH_EVENTS = 4096;

/**
 * The cut of an ordered stream into event-time batches (DetectionPipeline's, and whoever must see the
 * same batches): an event closes the batch held so far when it is `spanMs` of event time past the batch's
 * first event, or when the batch holds `maxEvents`.
 */
export class EventTimeBatcher {
  private pending: AccessEvent[] = [];
  private start = Number.NaN;

  constructor(
    private readonly spanMs = DEFAULT_BATCH_SPAN_MS,
    private readonly maxEvents = DEFAULT_MAX_BATCH_EVENTS,
  ) {}

  /** True when `e` closes the batch held so far: take() it before add(e). */
  closedBy(e: AccessEvent): boolean {
    return this.pending.length > 0 && (e.ts - this.start >= this.spanMs || this.pending.length >= this.maxEvents);
  }

  add(e: AccessEvent): void {
    if (!this.pending.length) this.start = e.ts;
    this.pending.push(e);
  }

  /** The batch held so far (possibly empty), which is then no longer held. */
  take(): AccessEvent[] {
    const batch = this.pending;
    this.pending = [];
    return batch;
  }
}

export class DetectionPipeline {
  readonly totals: PipelineTotals = { events: 0, batches: 0, late: 0, decisions: 0, alerts: 0, watermark: -Infinity };
  private readonly batches: EventTimeBatcher;

  constructor(private readonly o: DetectionPipelineOptions) {
    this.batches = new EventTimeBatcher(o.batchSpanMs, o.maxBatchEvents);
  }

  /** Events in arrival order (any chunking). */
  async push(events: readonly AccessEvent[]): Promise<void> {
    for (const e of events) {
      if (this.batches.closedBy(e)) await this.flush();
      this.batches.add(e);
    }
  }

  /** Runs the batch held so far (at the end of input, or when a live source goes quiet). */
  async flush(position?: BatchPosition): Promise<void> {
    const events = this.batches.take();
    if (!events.length) return;
    const applied = await this.o.store.applyBatch(events, position);
    const outcome = this.o.engine.process(events, applied.vectors, applied.watermark);
    this.totals.events += events.length;
    this.totals.batches++;
    this.totals.late += applied.late;
    this.totals.watermark = applied.watermark;
    if (outcome.decisions.length) {
      this.totals.decisions += outcome.decisions.length;
      await this.o.sinks.decisions(outcome.decisions);
    }
    if (outcome.alerts.length) {
      this.totals.alerts += outcome.alerts.length;
      await this.o.sinks.alerts(outcome.alerts);
    }
    await this.o.afterBatch?.(events, applied.watermark);
  }
}
