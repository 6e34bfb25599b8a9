/**
 * `/metrics` of `vigil run`: prom-client on a registry of its own (never the global one), with the
 * default process metrics. Counters move as batches are detected; the active-decision and watermark
 * gauges are read from the run when Prometheus scrapes.
 */
import type { Alert, Decision } from '@vigil/detection';
import { Counter, createMetricsRegistry, Gauge, Histogram, type Registry } from '@vigil/platform';

export interface ModelInfo {
  readonly detector: string;
  readonly version: string;
  readonly backend: string;
  readonly shadow: boolean;
}

export interface RunGauges {
  /** Active, non-shadow decisions at the watermark (what `GET /v1/decisions` serves). */
  activeDecisions(): number;
  /** Event time (ms) of the last batch detected; -Infinity before the first. */
  watermark(): number;
}

export type ReloadOutcome = 'success' | 'failure';

export class RunMetrics {
  readonly registry: Registry;
  private readonly events: Counter<'outcome'>;
  private readonly decisionsTotal: Counter<'detector' | 'action' | 'scope'>;
  private readonly alertsTotal: Counter<'detector' | 'severity'>;
  private readonly batchSeconds: Histogram;
  private readonly modelInfo: Gauge<'detector' | 'version' | 'backend'>;
  private readonly reloads: Counter<'outcome'>;

  constructor(gauges: RunGauges) {
    const registers = [(this.registry = createMetricsRegistry())];
    this.events = new Counter({
      name: 'vigil_events_total',
      help: 'Input records by outcome: decoded into an event, or dead-lettered',
      labelNames: ['outcome'],
      registers,
    });
    this.decisionsTotal = new Counter({
      name: 'vigil_decisions_total',
      help: 'Decision records emitted (new decisions and extensions, shadow ones included)',
      labelNames: ['detector', 'action', 'scope'],
      registers,
    });
    this.alertsTotal = new Counter({
      name: 'vigil_alerts_total',
      help: 'Alerts emitted',
      labelNames: ['detector', 'severity'],
      registers,
    });
    new Gauge({
      name: 'vigil_active_decisions',
      help: 'Active, non-shadow decisions at the watermark',
      registers,
      collect() {
        this.set(gauges.activeDecisions());
      },
    });
    new Gauge({
      name: 'vigil_watermark_seconds',
      help: 'Event time of the last detected batch, in Unix seconds (0 before the first)',
      registers,
      collect() {
        const w = gauges.watermark();
        this.set(Number.isFinite(w) ? w / 1000 : 0);
      },
    });
    this.batchSeconds = new Histogram({
      name: 'vigil_batch_seconds',
      help: 'Wall-clock time of one detection batch: windows, detectors, policy, outputs handed over',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.modelInfo = new Gauge({
      name: 'vigil_model_info',
      help: 'Models in use, active and shadow (1 per detector, version and TF.js backend)',
      labelNames: ['detector', 'version', 'backend'],
      registers,
    });
    this.reloads = new Counter({
      name: 'vigil_model_reload_total',
      help: 'Model reloads after a change under the models root, by outcome (a failure keeps the models in use)',
      labelNames: ['outcome'],
      registers,
    });
    // Series that exist from the start, so a dashboard sees 0 rather than nothing.
    for (const outcome of ['decoded', 'dead_letter']) this.events.inc({ outcome }, 0);
    for (const outcome of ['success', 'failure']) this.reloads.inc({ outcome }, 0);
  }

  intake(decoded: number, deadLettered: number): void {
    if (decoded) this.events.inc({ outcome: 'decoded' }, decoded);
    if (deadLettered) this.events.inc({ outcome: 'dead_letter' }, deadLettered);
  }

  decisions(ds: readonly Decision[]): void {
    for (const d of ds) this.decisionsTotal.inc({ detector: d.detector, action: d.action, scope: d.scope });
  }

  alerts(as: readonly Alert[]): void {
    for (const a of as) this.alertsTotal.inc({ detector: a.detector, severity: a.severity });
  }

  batch(seconds: number): void {
    this.batchSeconds.observe(seconds);
  }

  models(models: readonly ModelInfo[]): void {
    this.modelInfo.reset();
    for (const m of models) this.modelInfo.set({ detector: m.detector, version: m.version, backend: m.backend }, 1);
  }

  reload(outcome: ReloadOutcome): void {
    this.reloads.inc({ outcome });
  }
}
