/**
 * Where training and evaluation data come from: simulations (by seed and parameters), gateway log files
 * (optionally with simulated attacks injected), simulator labels files and confirmed-incident files. Each
 * source is replayed through the decoders and a fresh window store into the per-detector datasets.
 */
import { openInput, readEventBatches } from '@vigil/connectors';
import type { AccessEvent, SourceDecoder } from '@vigil/events';
import type { LabelsFile } from '@vigil/simulator';
import { DatasetBuilder, DEFAULT_TICK_MS, type DatasetBuilderOptions } from '../dataset/dataset-builder';
import type { Dataset } from '../dataset/dataset';
import type { DetectorId } from '../detectors/detector-definitions';
import { LabelIndex, type ConfirmedIncident } from '../labels/label-index';
import { mergeByTime, simulateAttacks } from '../sources/injected-events';
import { SimulatedRun, type SimulatedRunOptions } from '../sources/simulated-events';

export type DataSource =
  | { readonly kind: 'simulation'; readonly options: SimulatedRunOptions }
  | {
      readonly kind: 'file';
      readonly path: string;
      readonly decoder: SourceDecoder;
      /** Simulator labels (labels.json of `vigil simulate`). */
      readonly labels?: LabelsFile;
      readonly incidents?: readonly ConfirmedIncident[];
      /** Inject simulated campaigns drawn with this seed. */
      readonly injectSeed?: number;
      readonly injectScale?: number;
      readonly hashKey?: string;
    };

export interface SourceSummary {
  readonly [key: string]: unknown;
  readonly source: string;
  readonly events: number;
  readonly campaigns: number;
  readonly rows: Readonly<Record<string, number>>;
  readonly seconds: number;
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
  readonly onProgress?: (source: string, events: number) => void;
}

export async function buildTrainingData(
  sources: readonly DataSource[],
  options: BuildDataOptions,
): Promise<TrainingData> {
  const started = Date.now();
  const labels = new LabelIndex();
  const datasets = new Map<DetectorId, Dataset>();
  const summaries: SourceSummary[] = [];
  // One builder per source, all filling the same datasets with the same labels.
  const builderFor = (source: string): DatasetBuilder =>
    new DatasetBuilder({ ...options, labels, source, into: datasets, tickMs: options.tickMs ?? DEFAULT_TICK_MS });
  for (const [i, src] of sources.entries()) {
    const t0 = Date.now();
    const before = new Map([...datasets].map(([k, d]) => [k, d.rows]));
    let name: string;
    let events = 0;
    let campaigns = 0;
    let extra: Record<string, unknown> = {};
    if (src.kind === 'simulation') {
      const run = new SimulatedRun(src.options);
      name = run.name;
      // Rows are labeled as they are built, and a simulation's labels are complete only at its end: a
      // first pass generates the requests without writing or decoding them, just for the labels.
      const file = SimulatedRun.labelsOf(src.options);
      labels.addLabelsFile(file, name);
      campaigns = file.campaigns.length;
      const builder = builderFor(name);
      for (const chunk of run.events()) {
        builder.push(chunk);
        events += chunk.length;
        options.onProgress?.(name, events);
      }
      builder.finish();
      extra = { seed: src.options.seed, minutes: src.options.minutes, scale: src.options.scale, format: run.format };
    } else {
      name = `${src.path}#${i}`;
      if (src.labels) {
        labels.addLabelsFile(src.labels, name);
        campaigns += src.labels.campaigns.length;
      }
      src.incidents?.forEach((inc, k) => labels.addIncident(inc, `${name}:i${k + 1}`));
      campaigns += src.incidents?.length ?? 0;
      let stream: AsyncIterable<readonly AccessEvent[]> = fileBatches(src.path, src.decoder);
      if (src.injectSeed !== undefined) {
        const span = await timeSpan(src.path, src.decoder);
        const attacks = simulateAttacks({
          seed: src.injectSeed,
          startMs: span.startMs,
          endMs: span.endMs,
          scale: src.injectScale ?? 1,
          ...(src.hashKey ? { hashKey: src.hashKey } : {}),
        });
        labels.addLabelsFile(attacks.labels, `${name}+inject${src.injectSeed}`);
        campaigns += attacks.labels.campaigns.length;
        stream = mergeByTime(stream, attacks.events);
        extra = { injectedSeed: src.injectSeed, injectedEvents: attacks.events.length };
      }
      const builder = builderFor(name);
      for await (const chunk of stream) {
        builder.push(chunk);
        events += chunk.length;
        options.onProgress?.(name, events);
      }
      builder.finish();
      extra = { ...extra, input: src.path, labelsFile: Boolean(src.labels), incidents: src.incidents?.length ?? 0 };
    }
    const rows: Record<string, number> = {};
    for (const [k, d] of datasets) rows[k] = d.rows - (before.get(k) ?? 0);
    summaries.push({ source: name, events, campaigns, rows, seconds: (Date.now() - t0) / 1000, ...extra });
  }
  return { datasets, labels, sources: summaries, seconds: (Date.now() - started) / 1000 };
}

async function* fileBatches(path: string, decoder: SourceDecoder): AsyncGenerator<AccessEvent[]> {
  const input = openInput(path);
  for await (const b of readEventBatches(input.stream, decoder, { sourceName: input.name })) yield b.events;
}

async function timeSpan(path: string, decoder: SourceDecoder): Promise<{ startMs: number; endMs: number }> {
  let startMs = Infinity;
  let endMs = -Infinity;
  for await (const events of fileBatches(path, decoder)) {
    for (const e of events) {
      if (e.ts < startMs) startMs = e.ts;
      if (e.ts > endMs) endMs = e.ts;
    }
  }
  if (!Number.isFinite(startMs)) throw new Error(`${path} has no decodable events to inject attacks into`);
  return { startMs, endMs };
}
