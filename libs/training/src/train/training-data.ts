/**
 * Where training and evaluation data come from: simulations (by seed and parameters), and a bank's
 * history — many gateway log files read as one stream in event-time order, with its label sets and
 * optional simulated overlays (attack campaigns, benign look-alikes) merged in. Every source is replayed
 * through the decoders and a fresh window store into the per-detector datasets; rows remember their
 * origin (`history` or `simulated`), which is what the training mix weighs.
 */
import type { SourceDecoder } from '@vigil/events';
import type { LabelsFile } from '@vigil/simulator';
import { DatasetBuilder, DEFAULT_TICK_MS, type DatasetBuilderOptions } from '../dataset/dataset-builder';
import type { Dataset } from '../dataset/dataset';
import { DEFAULT_ROW_SAMPLING, type RowSampling, type SamplingStatus } from '../dataset/row-sampling';
import type { DetectorId } from '../detectors/detector-definitions';
import type { GroupingOptions } from '../labels/campaign-grouping';
import type { IncidentFile } from '../labels/incidents';
import { LabelIndex, type LabelSetSummary } from '../labels/label-index';
import {
  historySpan,
  HistoryStream,
  type HistoryFile,
  type HistorySpan,
  type TimeWindow,
} from '../sources/history-stream';
import { simulatedOverlay, type OverlayOptions, type SimulatedOverlay } from '../sources/injected-events';
import { SimulatedRun, type SimulatedRunOptions } from '../sources/simulated-events';

/** One label file of a history: a simulator labels file or an incident-format file. */
export interface LabelSetInput {
  readonly name: string;
  readonly labels?: LabelsFile;
  readonly incidents?: IncidentFile;
}

/** Simulated traffic to merge into the history, sized by its volume (see `simulatedOverlay`). */
export type OverlaySpec = Pick<OverlayOptions, 'seed' | 'kind' | 'proportion' | 'profile'>;

export type DataSource =
  | { readonly kind: 'simulation'; readonly options: SimulatedRunOptions }
  | {
      readonly kind: 'history';
      /** Scanned log files (`scanHistoryFile`), merged by event time. */
      readonly files: readonly HistoryFile[];
      readonly decoder: SourceDecoder;
      readonly labelSets: readonly LabelSetInput[];
      readonly overlays?: readonly OverlaySpec[];
      readonly window?: TimeWindow;
      readonly grouping?: GroupingOptions;
      /** The HMAC key the history's principals are hashed with, so simulated principals hash alike. */
      readonly hashKey?: string;
      /** Names the replay in entity keys (default `history`). */
      readonly name?: string;
    };

export interface SourceSummary {
  readonly [key: string]: unknown;
  readonly source: string;
  readonly events: number;
  readonly campaigns: number;
  readonly rows: Readonly<Record<string, number>>;
  readonly seconds: number;
  /** Its feature windows at the end (entities held, estimated bytes, evictions). */
  readonly windows: WindowSummary | null;
}

/** What a history source was made of: recorded in the manifests of models trained on it. */
export interface HistorySummary extends SourceSummary {
  readonly origin: 'history';
  readonly span: { readonly from: string; readonly to: string; readonly hours: number };
  readonly window: { readonly from: string | null; readonly to: string | null };
  readonly files: readonly {
    readonly path: string;
    readonly bytes: number;
    readonly from: string;
    readonly to: string;
    readonly events: number;
    readonly deadLetters: number;
    readonly read: boolean;
  }[];
  readonly labelSets: readonly LabelSetSummary[];
  readonly overlays: readonly Readonly<Record<string, number | string>>[];
  readonly historyEvents: number;
  readonly overlayEvents: number;
}

export interface TrainingData {
  readonly datasets: Map<DetectorId, Dataset>;
  readonly labels: LabelIndex;
  readonly sources: SourceSummary[];
  readonly seconds: number;
}

export interface BuildDataOptions {
  readonly detectors: readonly DetectorId[];
  readonly layouts?: DatasetBuilderOptions['layouts'];
  readonly tickMs?: number;
  /**
   * Caps on each detector's rows (benign sampled by entity beyond them, see dataset/row-sampling.ts):
   * default DEFAULT_ROW_SAMPLING; null keeps every row, however many.
   */
  readonly sampling?: RowSampling | null;
  /**
   * `events`: done so far in this source; `total`: its estimate (histories), when known; `status()`: what
   * each detector's dataset and the feature windows hold so far (computed when called: a progress line
   * asks every few seconds).
   */
  readonly onProgress?: (source: string, events: number, total: number | undefined, status: () => BuildStatus) => void;
}

export interface BuildStatus {
  readonly rows: ReadonlyMap<DetectorId, SamplingStatus>;
  /** The current source's feature windows. */
  readonly windows: WindowSummary | null;
}

/** The feature windows of a replay: bounded by entity TTLs and their cap (MemoryWindowStore's 500,000). */
export interface WindowSummary {
  readonly [key: string]: number;
  readonly entities: number;
  readonly estimatedBytes: number;
  readonly evictedByTtl: number;
  readonly evictedByCap: number;
}

function windowSummary(b: DatasetBuilder | null): WindowSummary | null {
  if (!b) return null;
  const s = b.windowStats();
  return {
    entities: s.entities ?? 0,
    estimatedBytes: s.estimatedBytes ?? 0,
    evictedByTtl: s.evictedByTtl ?? 0,
    evictedByCap: s.evictedByCap ?? 0,
  };
}

/** What each detector's dataset holds now (for progress lines and the summary). */
export function rowStatus(datasets: ReadonlyMap<DetectorId, Dataset>): Map<DetectorId, SamplingStatus> {
  return new Map([...datasets].map(([id, ds]) => [id, ds.status()]));
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function buildTrainingData(
  sources: readonly DataSource[],
  options: BuildDataOptions,
): Promise<TrainingData> {
  const started = Date.now();
  const labels = new LabelIndex();
  const datasets = new Map<DetectorId, Dataset>();
  const summaries: SourceSummary[] = [];
  // One builder per source, all filling the same datasets with the same labels.
  const sampling = options.sampling === undefined ? DEFAULT_ROW_SAMPLING : options.sampling;
  let current: DatasetBuilder | null = null;
  const progress = (source: string, events: number, total?: number) =>
    options.onProgress?.(source, events, total, () => ({ rows: rowStatus(datasets), windows: windowSummary(current) }));
  const builderFor = (source: string, origin: string): DatasetBuilder =>
    new DatasetBuilder({
      ...options,
      sampling,
      labels,
      source,
      origin,
      into: datasets,
      tickMs: options.tickMs ?? DEFAULT_TICK_MS,
    });
  for (const src of sources) {
    const t0 = Date.now();
    // Decision points this source offered each detector (before any sampling).
    let builder: DatasetBuilder | null = null;
    const rowsAdded = () => {
      const rows: Record<string, number> = {};
      for (const k of datasets.keys()) rows[k] = builder?.stats.rowsByDetector[k] ?? 0;
      return rows;
    };
    const builderOf = (source: string, origin: string) => (current = builder = builderFor(source, origin));
    if (src.kind === 'simulation') {
      const run = new SimulatedRun(src.options);
      const name = run.name;
      // Rows are labeled as they are built, and a simulation's labels are complete only at its end: a
      // first pass generates the requests without writing or decoding them, just for the labels.
      const file = SimulatedRun.labelsOf(src.options);
      labels.addLabelsFile(file, name);
      const sim = builderOf(name, 'simulated');
      let events = 0;
      for (const chunk of run.events()) {
        sim.push(chunk);
        events += chunk.length;
        progress(name, events);
      }
      sim.finish();
      summaries.push({
        source: name,
        origin: 'simulated',
        events,
        campaigns: file.campaigns.length,
        rows: rowsAdded(),
        seconds: (Date.now() - t0) / 1000,
        windows: windowSummary(sim),
        seed: src.options.seed,
        minutes: src.options.minutes,
        scale: src.options.scale,
        profile: src.options.profile ?? 'bank',
        format: run.format,
      });
      continue;
    }
    summaries.push(await replayHistory(src, labels, builderOf, progress, rowsAdded, t0));
  }
  return { datasets, labels, sources: summaries, seconds: (Date.now() - started) / 1000 };
}

/** A history's simulated overlay, with the prefix its campaigns are labeled under. */
export interface PreparedOverlay {
  readonly sim: SimulatedOverlay;
  readonly prefix: string;
  /** The overlay campaign or trap a request belongs to (exact, by request id), prefixed; else null. */
  readonly groupOf: (requestId: string | null) => string | null;
}

/**
 * A history's label sets into `labels`, and its overlays sized by its span and volume (their labels
 * added too): what training and the champion/challenger comparison both start from.
 */
export function prepareHistory(
  src: Extract<DataSource, { kind: 'history' }>,
  labels: LabelIndex,
): { span: HistorySpan; labelSets: LabelSetSummary[]; overlays: PreparedOverlay[] } {
  const name = src.name ?? 'history';
  const span = historySpan(src.files, src.window ?? {});
  const labelSets: LabelSetSummary[] = [];
  for (const set of src.labelSets) {
    if (set.labels) labelSets.push(labels.addLabelsFile(set.labels, set.name));
    if (set.incidents) labelSets.push(labels.addIncidentFile(set.incidents, set.name, src.grouping));
  }
  const overlays = (src.overlays ?? []).map((o) => {
    const sim = simulatedOverlay({
      ...o,
      startMs: span.startMs,
      endMs: span.endMs,
      historyPerMinute: span.recordsPerMinute,
      ...(src.hashKey ? { hashKey: src.hashKey } : {}),
    });
    const prefix = `${name}+${sim.run.name}`;
    labelSets.push(labels.addLabelsFile(sim.labels, prefix));
    const groupOf = (id: string | null) => {
      const g = sim.run.groupOf(id);
      return g === null ? null : `${prefix}:${g}`;
    };
    return { sim, prefix, groupOf };
  });
  return { span, labelSets, overlays };
}

async function replayHistory(
  src: Extract<DataSource, { kind: 'history' }>,
  labels: LabelIndex,
  builderFor: (source: string, origin: string) => DatasetBuilder,
  progress: (source: string, events: number, total?: number) => void,
  rowsAdded: () => Record<string, number>,
  t0: number,
): Promise<HistorySummary> {
  const name = src.name ?? 'history';
  const window = src.window ?? {};
  const { span, labelSets, overlays: prepared } = prepareHistory(src, labels);
  const overlays = prepared.map((o) => o.sim.overlay);
  const described = prepared.map((o) => o.sim.describe);
  const stream = new HistoryStream(src.files, src.decoder, overlays, window);
  const builder = builderFor(name, 'history');
  const total = span.records + described.reduce((a, d) => a + Number(d['requests'] ?? 0), 0);
  for await (const chunk of stream.batches()) {
    builder.push(chunk);
    progress(name, stream.events, total);
  }
  builder.finish();
  return {
    source: name,
    origin: 'history',
    events: stream.events,
    historyEvents: stream.events - stream.overlayEvents,
    overlayEvents: stream.overlayEvents,
    campaigns: labelSets.reduce((a, l) => a + l.campaigns, 0),
    rows: rowsAdded(),
    seconds: (Date.now() - t0) / 1000,
    windows: windowSummary(builder),
    span: { from: iso(span.startMs), to: iso(span.endMs), hours: Number(span.hours.toFixed(3)) },
    window: {
      from: window.fromMs !== undefined ? iso(window.fromMs) : null,
      to: window.toMs !== undefined ? iso(window.toMs) : null,
    },
    files: src.files.map((f, k) => {
      const st = stream.fileStats[k]!;
      return {
        path: f.path,
        bytes: f.bytes,
        from: iso(f.firstTs),
        to: iso(f.lastTs),
        events: st.events,
        deadLetters: st.deadLetters,
        read: st.opened,
      };
    }),
    labelSets,
    overlays: described,
  };
}
