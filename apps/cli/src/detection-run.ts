/**
 * The detection path of one CLI run, built once and fed batches of events: the setup (policy, models,
 * engine), feature windows in memory, the pipeline that cuts event-time batches, and the outputs
 * (decisions and alerts as NDJSON, the audit trail), with a tally of what was found. `vigil replay` feeds
 * it a file as fast as it can, `vigil run` a live source; both decide exactly the same way. With
 * shadow models (`--shadow-models`) the decisions also feed the champion/challenger comparison
 * (`shadowComparison()`), which both print at the end.
 */
import { NdjsonWriter } from '@vigil/connectors';
import {
  DetectionPipeline,
  shadowComparisonForSetup,
  type Alert,
  type Decision,
  type SetupShadowComparison,
  type ShadowReport,
} from '@vigil/detection';
import type { AccessEvent, SourceConfig } from '@vigil/events';
import { MemoryWindowStore, type WindowStore } from '@vigil/features';
import { openAudit, type AuditHandle } from './audit-setup';
import { setupDetection, type DetectionSetup } from './detection-setup';
import { DetectionTally, type TallySummary } from './detection-tally';
import { UsageError } from './errors';
import { backendOption } from './commands/train';

export interface DetectionRunOptions {
  /** Models root, or `none`; default the bundled models. */
  readonly models?: string;
  readonly shadowModels?: readonly string[];
  readonly backend?: string;
  /** NDJSON files (`-` for stdout); none: not written. */
  readonly decisions?: string;
  readonly alerts?: string;
  readonly audit?: string;
  /** Event-time span of a batch, in seconds (text, as given on the command line); default 10. */
  readonly batchSeconds?: string;
  /** Cap on entities held in the windows (text, as given); default the store's 500,000. */
  readonly maxEntities?: string;
  /** Append to the decisions and alerts files instead of replacing them (a service that restarts). */
  readonly append?: boolean;
  readonly onDecisions?: (ds: readonly Decision[]) => void;
  readonly onAlerts?: (as: readonly Alert[]) => void;
  /** After every batch: how many events it held, how long it took (wall clock), its watermark. */
  readonly onBatch?: (batch: { events: number; seconds: number; watermark: number }) => void;
}

/** The comparison of a run with shadow models, and why some detectors could not be compared. */
export interface ShadowComparisonSummary extends ShadowReport {
  readonly note?: string;
}

export class DetectionRun {
  private constructor(
    readonly tally: DetectionTally,
    readonly setup: DetectionSetup,
    readonly pipeline: DetectionPipeline,
    readonly audit: AuditHandle | null,
    readonly decisionsOut: NdjsonWriter | null,
    readonly alertsOut: NdjsonWriter | null,
    private readonly shadow: SetupShadowComparison | null,
  ) {}

  /** `policyRaw`: the config file's `policy:` section; `source`: the validated source config. */
  static async open(
    policyRaw: unknown,
    source: SourceConfig,
    opts: DetectionRunOptions,
    env: NodeJS.ProcessEnv,
  ): Promise<DetectionRun> {
    const batchSeconds = Number(opts.batchSeconds ?? '10');
    if (!(batchSeconds > 0 && batchSeconds <= 600)) throw new UsageError('--batch-seconds must be in (0, 600]');
    const append = opts.append ?? false;
    const decisionsOut = opts.decisions ? NdjsonWriter.open(opts.decisions, { append }) : null;
    const alertsOut = opts.alerts ? NdjsonWriter.open(opts.alerts, { append }) : null;
    let audit: AuditHandle | null = null;
    const setup = await setupDetection(policyRaw, source, {
      models: opts.models,
      shadowModels: opts.shadowModels,
      backend: backendOption(opts.backend),
      onRecord: (r, watermark) => audit?.append(r, watermark),
    });
    if (opts.audit) audit = await openAudit(opts.audit, setup, env);
    const tally = new DetectionTally();
    const shadow = shadowComparisonForSetup(setup);
    let batchStarted = 0;
    const maxEntities = opts.maxEntities === undefined ? undefined : Number(opts.maxEntities);
    if (maxEntities !== undefined && !(Number.isInteger(maxEntities) && maxEntities >= 1000))
      throw new UsageError('--max-entities must be a whole number of at least 1000');
    const memory = new MemoryWindowStore(maxEntities === undefined ? {} : { maxEntities });
    // Timing a batch from the moment its events reach the windows until its decisions are out.
    const store: WindowStore = opts.onBatch
      ? {
          kind: memory.kind,
          applyBatch: (events, position) => {
            batchStarted = performance.now();
            return memory.applyBatch(events, position);
          },
          stats: () => memory.stats(),
          close: () => memory.close(),
        }
      : memory;
    const pipeline = new DetectionPipeline({
      store,
      engine: setup.engine,
      batchSpanMs: batchSeconds * 1000,
      sinks: {
        decisions: (ds: readonly Decision[]) => {
          tally.decisions(ds);
          shadow?.comparison.addAll(ds);
          if (decisionsOut) for (const d of ds) decisionsOut.write(d);
          opts.onDecisions?.(ds);
        },
        alerts: (as: readonly Alert[]) => {
          tally.alerts(as);
          if (alertsOut) for (const a of as) alertsOut.write(a);
          opts.onAlerts?.(as);
        },
      },
      afterBatch: opts.onBatch
        ? (events, watermark) =>
            opts.onBatch!({ events: events.length, seconds: (performance.now() - batchStarted) / 1000, watermark })
        : undefined,
    });
    return new DetectionRun(tally, setup, pipeline, audit, decisionsOut, alertsOut, shadow);
  }

  /** Events in arrival order; batches that close on the way are detected and written out. */
  async push(events: readonly AccessEvent[]): Promise<void> {
    await this.pipeline.push(events);
    await this.flushOutputs();
  }

  /** Detects the batch held so far (end of input, or a live source gone quiet). */
  async flush(): Promise<void> {
    await this.pipeline.flush();
    await this.flushOutputs();
  }

  /** Event time of the last batch detected; -Infinity before the first. */
  get watermark(): number {
    return this.pipeline.totals.watermark;
  }

  summary(): TallySummary {
    return this.tally.summary(this.setup.engine.policy.counters);
  }

  /** Champion against the shadow challengers so far; null without shadow models. */
  shadowComparison(): ShadowComparisonSummary | null {
    if (!this.shadow) return null;
    const report = this.shadow.comparison.report();
    return this.shadow.note ? { ...report, note: this.shadow.note } : report;
  }

  /** Closes the outputs; the audit trail writes its closing checkpoint. */
  async close(): Promise<void> {
    await this.decisionsOut?.close();
    await this.alertsOut?.close();
    await this.audit?.close();
  }

  private async flushOutputs(): Promise<void> {
    await this.decisionsOut?.flush();
    await this.alertsOut?.flush();
    await this.audit?.flush();
  }
}
