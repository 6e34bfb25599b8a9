/**
 * `vigil train`: trains the three detector models (credential stuffing, account takeover, scraping) and
 * writes them to models/<detector>/<version>/. By default on simulated traffic (seeds 1-8, an hour each);
 * with --input on a customer's own logs, with simulated campaigns injected (--inject-attacks) and/or
 * labels (--labels: a simulator labels.json or a confirmed-incident file). Every source goes through the
 * same decoders and feature windows as live traffic. With --eval-seeds the models are also evaluated on
 * fresh simulations (seeds and parameter draws never used in training) and the figures written into
 * their manifests.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEVELOPMENT_HASH_KEY, IdHasher } from '@vigil/events';
import { describeRuntime, tfRuntime, type BackendName } from '@vigil/models';
import type { LabelsFile } from '@vigil/simulator';
import {
  buildTrainingData,
  evaluateDetector,
  parseDetectorIds,
  parseIncidents,
  saveDetectorModel,
  trainDetectorModel,
  type ConfirmedIncident,
  type DataSource,
  type DetectorEvaluation,
  type DetectorId,
  type LayoutSpec,
  type TrainingData,
} from '@vigil/training';
import { UsageError } from '../errors';
import { formatCount, formatDuration, Progress } from '../progress';
import { loadSource } from '../source-options';
import { printEvaluation } from './evaluate';

interface TrainOptions {
  out: string;
  modelVersion: string;
  detectors?: string;
  seeds: string;
  minutes: string;
  scale: string;
  input?: string;
  source?: string;
  config?: string;
  injectAttacks?: string | boolean;
  labels?: string;
  epochs: string;
  evalSeeds?: string;
  evalScales: string;
  backend?: string;
  summaryJson?: string;
  progress: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train the detector models on simulated traffic or your own logs; write models/<detector>/<version>/')
    .option('-o, --out <dir>', 'models directory to write into', 'models')
    .option('--model-version <version>', 'version folder name of the new models', '1.0.0')
    .option('--detectors <list>', 'comma-separated: credential-stuffing,account-takeover,scraping (default: all)')
    .option('--seeds <list>', 'simulation seeds to train on, e.g. 1-8 or 1,4,9 (ignored with --input)', '1-8')
    .option('--minutes <m>', 'minutes of traffic per simulation', '60')
    .option('--scale <s>', 'benign volume of each simulation (1 ≈ 10,000 customers, 120 visits a minute)', '1')
    .option('-i, --input <file>', "train on this gateway log (a customer's history) instead of simulations")
    .option('-s, --source <format>', 'gateway log format of --input (kong, envoy, nginx, nginx-json, apigw, vigil)')
    .option('-c, --config <file>', 'source mapping config of --input (YAML or JSON)')
    .option(
      '--inject-attacks [seed]',
      'inject simulated attack campaigns (drawn with this seed, default 1) into --input',
    )
    .option(
      '--labels <file>',
      'labels for --input: a labels.json from vigil simulate, or confirmed incidents (JSON/NDJSON)',
    )
    .option('--epochs <n>', 'training epochs per model', '20')
    .option('--eval-seeds <list>', 'also evaluate on fresh simulations with these seeds (e.g. 1001-1003)')
    .option('--eval-scales <list>', 'benign scale per evaluation seed, cycled', '0.7,1,1.5')
    .option('--backend <name>', 'TF.js backend to start from: tensorflow, wasm or cpu (default: best available)')
    .option('--summary-json <file>', 'also write the training summary as JSON')
    .option('--no-progress', 'do not print progress on stderr')
    .addHelpText(
      'after',
      `
Examples:
  vigil train                                            # simulated traffic, seeds 1-8, an hour each
  vigil train --eval-seeds 1001-1003 --model-version 1.1.0
  vigil train -i history.kong.ndjson -s kong --inject-attacks 7 --out my-models
  vigil train -i sim/traffic.kong.log -s kong --labels sim/labels.json

Datasets: one row per entity touched in each 60 s event-time tick (a decision point), labeled from the
campaigns' entities and time spans; the train/validation split is by campaign, never by row.
Thresholds: alert at entity-level precision 0.99, block at 0.999 and above every benign trap's score.
Set VIGIL_HASH_KEY to the key your logs' principals are hashed with.`,
    )
    .action(async (opts: TrainOptions) => {
      await train(opts);
    });
}

export function parseNumberList(value: string, what: string): number[] {
  const out: number[] = [];
  for (const part of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(-?\d+(?:\.\d+)?)(?:-(\d+))?$/.exec(part);
    if (!m) throw new UsageError(`${what}: "${part}" is not a number or a range like 1-8`);
    const a = Number(m[1]);
    if (m[2] === undefined) out.push(a);
    else for (let x = a; x <= Number(m[2]); x++) out.push(x);
  }
  if (!out.length) throw new UsageError(`${what} is empty`);
  return out;
}

export function positive(value: string, what: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new UsageError(`${what} must be a positive number, got "${value}"`);
  return n;
}

export function detectorList(value: string | undefined): DetectorId[] {
  try {
    return parseDetectorIds(value);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function backendOption(value: string | undefined): { prefer?: BackendName } {
  if (value === undefined) return {};
  if (value !== 'tensorflow' && value !== 'wasm' && value !== 'cpu')
    throw new UsageError(`--backend must be tensorflow, wasm or cpu, got "${value}"`);
  return { prefer: value };
}

/** Simulations for these seeds, scales cycled. */
export function simulationSources(seeds: readonly number[], minutes: number, scales: readonly number[]): DataSource[] {
  return seeds.map((seed, i) => ({
    kind: 'simulation',
    options: { seed, minutes, scale: scales[i % scales.length]! },
  }));
}

/** --input (+ --labels, --inject-attacks) as a data source. */
export function fileSource(opts: {
  input: string;
  source?: string;
  config?: string;
  labels?: string;
  injectAttacks?: string | boolean;
}): DataSource {
  if (!opts.source) throw new UsageError('--input needs --source <format>');
  const { config, decoder } = loadSource({
    input: opts.input,
    source: opts.source,
    ...(opts.config ? { config: opts.config } : {}),
  });
  const hashKey = config.hashing.key ?? DEVELOPMENT_HASH_KEY;
  let labels: LabelsFile | undefined;
  let incidents: ConfirmedIncident[] | undefined;
  if (opts.labels) {
    let text: string;
    try {
      text = readFileSync(opts.labels, 'utf8');
    } catch {
      throw new UsageError(`labels file ${opts.labels} cannot be read`);
    }
    const first = text.trimStart();
    let parsed: unknown = null;
    if (first.startsWith('{')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { campaigns?: unknown }).campaigns)) {
      labels = parsed as LabelsFile;
    } else {
      try {
        incidents = parseIncidents(text, new IdHasher(hashKey, config.hashing.hexChars), opts.labels);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
  }
  const inject =
    opts.injectAttacks === undefined || opts.injectAttacks === false
      ? undefined
      : opts.injectAttacks === true
        ? 1
        : parseNumberList(opts.injectAttacks, '--inject-attacks')[0]!;
  return {
    kind: 'file',
    path: opts.input,
    decoder,
    ...(labels ? { labels } : {}),
    ...(incidents ? { incidents } : {}),
    ...(inject !== undefined ? { injectSeed: inject } : {}),
    hashKey,
  };
}

export async function buildData(
  sources: DataSource[],
  detectors: DetectorId[],
  showProgress: boolean,
  label: string,
  layouts?: Partial<Record<DetectorId, LayoutSpec>>,
): Promise<TrainingData> {
  const progress = new Progress({ label, unit: 'events', enabled: showProgress });
  let done = 0;
  let current = '';
  let base = 0;
  try {
    return await buildTrainingData(sources, {
      detectors,
      ...(layouts ? { layouts } : {}),
      onProgress: (source, events) => {
        if (source !== current) {
          base = done;
          current = source;
        }
        done = base + events;
        progress.update(done, undefined, source);
      },
    });
  } finally {
    progress.finish();
  }
}

export interface TrainSummary {
  readonly backend: string;
  readonly seconds: number;
  readonly dataSeconds: number;
  readonly sources: TrainingData['sources'];
  readonly models: {
    readonly detector: string;
    readonly dir: string;
    readonly rows: { train: number; validation: number; positive: number };
    readonly seconds: number;
    readonly thresholds: { alert: number; block: number };
    readonly validation: DetectorEvaluation;
    readonly heldOut?: DetectorEvaluation;
  }[];
}

export async function train(opts: TrainOptions): Promise<TrainSummary> {
  const started = Date.now();
  const detectors = detectorList(opts.detectors);
  const epochs = positive(opts.epochs, '--epochs');
  if (!/^[0-9A-Za-z][0-9A-Za-z.+-]*$/.test(opts.modelVersion))
    throw new UsageError(`--model-version "${opts.modelVersion}" is not a version like 1.0.0`);
  const rt = await tfRuntime(backendOption(opts.backend));
  process.stderr.write(`train: ${describeRuntime(rt)}\n`);
  const sources: DataSource[] = opts.input
    ? [fileSource({ ...opts, input: opts.input })]
    : simulationSources(parseNumberList(opts.seeds, '--seeds'), positive(opts.minutes, '--minutes'), [
        positive(opts.scale, '--scale'),
      ]);
  if (opts.input && !opts.labels && opts.injectAttacks === undefined) {
    throw new UsageError('--input has no attacks to learn from: add --inject-attacks and/or --labels');
  }
  const data = await buildData(sources, detectors, opts.progress, 'train data');
  const evalScales = parseNumberList(opts.evalScales, '--eval-scales');
  const heldOut = opts.evalSeeds
    ? await buildData(
        simulationSources(
          parseNumberList(opts.evalSeeds, '--eval-seeds'),
          positive(opts.minutes, '--minutes'),
          evalScales,
        ),
        detectors,
        opts.progress,
        'eval data',
      )
    : null;
  const models: TrainSummary['models'][number][] = [];
  for (const id of detectors) {
    const ds = data.datasets.get(id)!;
    const stage = new Progress({ label: `train ${id}`, unit: 'epochs', enabled: opts.progress });
    let epoch = 0;
    const trained = await trainDetectorModel(rt, id, ds, data.labels, {
      modelVersion: opts.modelVersion,
      sources: data.sources,
      train: { epochs },
      onStage: (_d, s) => {
        if (s.startsWith('epoch')) epoch++;
        stage.update(epoch, undefined, s);
      },
    });
    stage.finish();
    let model = trained.model;
    let held: DetectorEvaluation | undefined;
    if (heldOut) {
      held = evaluateDetector(model, heldOut.datasets.get(id)!, heldOut.labels);
      model = model.withEvaluation({
        heldOutSimulations: { sources: heldOut.sources.map((s) => s.source), ...held, campaigns: undefined },
      });
    }
    const dir = await saveDetectorModel(opts.out, model);
    models.push({
      detector: id,
      dir,
      rows: { train: trained.trainRows, validation: trained.validationRows, positive: ds.positives() },
      seconds: trained.seconds,
      thresholds: { alert: model.manifest.thresholds.alert.score, block: model.manifest.thresholds.block.score },
      validation: trained.validation,
      ...(held ? { heldOut: held } : {}),
    });
  }
  const summary: TrainSummary = {
    backend: rt.backend,
    seconds: (Date.now() - started) / 1000,
    dataSeconds: data.seconds,
    sources: data.sources,
    models,
  };
  printTrainSummary(summary);
  if (opts.summaryJson) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(opts.summaryJson, `${JSON.stringify(summary, null, 2)}\n`);
  }
  return summary;
}

function printTrainSummary(s: TrainSummary): void {
  const events = s.sources.reduce((a, x) => a + x.events, 0);
  const lines = [
    `trained ${s.models.length} models in ${formatDuration(s.seconds)} (${s.seconds.toFixed(1)} s; data ${s.dataSeconds.toFixed(1)} s, ${formatCount(events)} events from ${s.sources.length} sources; backend ${s.backend})`,
  ];
  for (const m of s.models) {
    lines.push(
      `  ${m.detector.padEnd(20)} ${m.dir}  rows train ${m.rows.train} / validation ${m.rows.validation} (${m.rows.positive} attack)  ${m.seconds.toFixed(1)} s  alert ≥ ${m.thresholds.alert.toFixed(3)}  block ≥ ${m.thresholds.block.toFixed(3)}`,
    );
  }
  process.stderr.write(`${lines.join('\n')}\n`);
  process.stdout.write('validation (held-out campaigns):\n');
  printEvaluation(s.models.map((m) => m.validation));
  const held = s.models.flatMap((m) => (m.heldOut ? [m.heldOut] : []));
  if (held.length) {
    process.stdout.write('held-out simulations (seeds and parameter draws never used in training):\n');
    printEvaluation(held);
  }
}
