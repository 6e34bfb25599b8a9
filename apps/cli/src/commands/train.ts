/**
 * `vigil train`: trains the three detector models (credential stuffing, account takeover, scraping) and
 * writes them to models/<detector>/<version>/. By default on simulated traffic (seeds 1-8, an hour each);
 * with --input on a bank's own history — many files, folders or globs read as one stream, with their
 * label files (simulator labels or the incident format, campaigns and benign look-alikes) — optionally
 * with simulated campaigns and benign look-alikes merged in at the history's volume, and simulated runs
 * mixed into the loss in a stated proportion. Every source goes through the same decoders and feature
 * windows as live traffic. Before any model is trained, each detector's validation split is checked:
 * too few validation campaigns or entities to set a threshold is refused, naming the detector, the style
 * and the count, unless --accept-thin-validation. With --eval-seeds the models are also evaluated on
 * fresh simulations and the figures written into their manifests. Memory is bounded whatever the
 * history's length: each detector keeps every attack row (up to --max-attack-rows), and benign
 * look-alike and plain benign rows up to --max-lookalike-rows / --max-benign-rows, sampled by entity
 * beyond (dataset/row-sampling.ts), recorded in the manifests; progress lines show rows held, the
 * sampling rates and RSS, the summary the peak RSS.
 */
import type { Command } from 'commander';
import { describeRuntime, tfRuntime, type BackendName } from '@vigil/models';
import type { BankProfileId } from '@vigil/simulator';
import {
  buildTrainingData,
  DEFAULT_ROW_SAMPLING,
  evaluateDetector,
  groupFindings,
  parseDetectorIds,
  planSplit,
  RowBudgetError,
  samplingRecord,
  saveDetectorModel,
  ThinValidationError,
  trainDetectorModel,
  DEFAULT_THRESHOLD_OPTIONS,
  DEFAULT_VALIDATION_MINIMUMS,
  type DataSource,
  type DetectorEvaluation,
  type DetectorId,
  type HistorySummary,
  type LayoutSpec,
  type BuildStatus,
  type RowSampling,
  type SplitSpec,
  type ThinValidation,
  type ThresholdEvidence,
  type TrainingData,
  type ValidationCounts,
} from '@vigil/training';
import { UsageError } from '../errors';
import { formatCount, formatDuration, Progress } from '../progress';
import { printEvaluation } from './evaluate';
import {
  LABELS_HELP,
  loadHistory,
  parseTime,
  SIM_PROFILE_HELP,
  simProfileOf,
  type HistoryOptions,
} from './history-options';

interface TrainOptions extends HistoryOptions {
  out: string;
  modelVersion: string;
  detectors?: string;
  seeds: string;
  minutes: string;
  scale: string;
  mixSimulated?: string;
  split?: string;
  validationFrom?: string;
  validationShare: string;
  acceptThinValidation?: boolean;
  minValidationCampaigns: string;
  minValidationEntities: string;
  alertFloor: string;
  blockFloor: string;
  epochs: string;
  maxBenignRows: string;
  maxLookalikeRows: string;
  maxAttackRows: string;
  evalSeeds?: string;
  evalScales: string;
  backend?: string;
  summaryJson?: string;
  progress: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(
      'train the detector models on simulated traffic or your own history; write models/<detector>/<version>/',
    )
    .option('-o, --out <dir>', 'models directory to write into', 'models')
    .option('--model-version <version>', 'version folder name of the new models', '1.0.0')
    .option('--detectors <list>', 'comma-separated: credential-stuffing,account-takeover,scraping (default: all)')
    .option('--seeds <list>', 'simulation seeds, e.g. 1-8 or 1,4,9 (with --input: only with --mix-simulated)', '1-8')
    .option('--minutes <m>', 'minutes of traffic per simulation', '60')
    .option('--scale <s>', 'benign volume of each simulation (1 ≈ 10,000 customers, 120 visits a minute)', '1')
    .option('-i, --input <paths...>', "a bank's history: log files, folders or globs (repeatable)")
    .option('-s, --source <format>', 'gateway log format of --input (kong, envoy, nginx, nginx-json, apigw, vigil)')
    .option('-c, --config <file>', 'source mapping config of --input (YAML or JSON)')
    .option(
      '-l, --labels <files...>',
      'label files: labels.json from vigil simulate, or the incident format (repeatable)',
    )
    .option('--no-discover-labels', 'do not pick up label files found beside the logs')
    .option('--from <time>', 'only the history from this time (ISO 8601 or epoch ms)')
    .option('--to <time>', 'only the history before this time')
    .option('--group-gap <minutes>', 'incidents without a campaign id: join records this close in time', '10')
    .option('--inject-attacks [seed]', 'merge simulated attack campaigns (seed, default 1) into --input at its volume')
    .option('--attack-rate <x>', 'campaigns per hour relative to a simulated bank of the history’s volume', '1')
    .option(
      '--inject-benign [seed]',
      'merge simulated benign look-alikes (NATs, partners, crawlers, monitors, travellers)',
    )
    .option('--benign-share <x>', 'their requests as a share of the history’s', '0.1')
    .option('--sim-profile <name>', SIM_PROFILE_HELP, 'bank')
    .option('--mix-simulated <share>', 'mix simulated runs (--seeds) into training with this share of the loss weight')
    .option('--split <mode>', 'train/validation split: campaign or time (default: time with --input, else campaign)')
    .option('--validation-from <time>', 'time split: validation from this time (default: the last --validation-share)')
    .option('--validation-share <x>', 'share of campaigns (or of the history’s time) held out for validation', '0.3')
    .option('--accept-thin-validation', 'set thresholds even when validation is too thin (recorded in the manifest)')
    .option(
      '--min-validation-campaigns <n>',
      'validation campaigns each attack style needs',
      String(DEFAULT_VALIDATION_MINIMUMS.campaignsPerStyle),
    )
    .option(
      '--min-validation-entities <n>',
      'attacking validation entities each style needs (the detector: 10; benign: 100)',
      String(DEFAULT_VALIDATION_MINIMUMS.entitiesPerStyle),
    )
    .option(
      '--alert-floor <score>',
      'lowest alert threshold without evidence',
      String(DEFAULT_THRESHOLD_OPTIONS.alertFloor),
    )
    .option(
      '--block-floor <score>',
      'lowest block threshold without evidence',
      String(DEFAULT_THRESHOLD_OPTIONS.blockFloor),
    )
    .option('--epochs <n>', 'training epochs per model', '20')
    .option(
      '--max-benign-rows <n>',
      'plain benign rows kept per detector; beyond it benign entities are sampled (0: no caps at all)',
      String(DEFAULT_ROW_SAMPLING.maxBenignRows),
    )
    .option(
      '--max-lookalike-rows <n>',
      'benign look-alike rows kept per detector; beyond it the largest class is sampled by entity',
      String(DEFAULT_ROW_SAMPLING.maxLookalikeRows),
    )
    .option(
      '--max-attack-rows <n>',
      'attack rows kept per detector (never sampled); beyond it training stops',
      String(DEFAULT_ROW_SAMPLING.maxAttackRows),
    )
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
  vigil train -i history/ -s kong --labels soc/incidents.ndjson soc/allowlist.ndjson --out my-models
  vigil train -i 'history/2026-03-0{1,2,3}/*.log.gz' -s kong --inject-attacks 7 --inject-benign 7 \\
              --mix-simulated 0.4 --seeds 1-4 --split time --out my-models
${LABELS_HELP}

Mix: --inject-attacks merges simulated campaigns into the history over its span, as many per hour as a
simulated bank of the history's volume meets (× --attack-rate); --inject-benign merges the simulator's
benign look-alikes at --benign-share of the history's requests; --mix-simulated S adds whole simulated
runs (--seeds, --minutes, --scale) and gives them the share S of the loss weight (the history 1 − S,
classes balanced within each). The shares, the overlays and their measured share of requests go into
the manifests (training.provenance, training.data).

Split: by campaign (30 % of each style's campaigns and of benign entities held out), or by time (the
history from --validation-from, default its last --validation-share, is validation; a campaign goes
whole to the side where it started; simulated runs are split by campaign). Datasets: one row per entity
touched in each 60 s event-time tick (a decision point).

Validation: per detector and style, the validation campaigns and entities are counted and printed; fewer
than --min-validation-campaigns / --min-validation-entities (or under 10 attacking, 100 benign entities
for a detector) refuses to write models, naming detector, style and count, unless
--accept-thin-validation. Figures are printed with 95 % Wilson intervals.

Memory: bounded whatever the history's length. Each detector keeps every attack row (a campaign's, and
its entities' other rows) up to --max-attack-rows (more stops with a message); benign look-alike rows up
to --max-lookalike-rows, beyond which the largest class is sampled first (a NAT pool thinned, every
monitor and crawler kept: the block guard is then over the sampled look-alikes, and says so); plain
benign rows up to --max-benign-rows, beyond which they are sampled. Sampling keeps whole entities —
those whose seeded hash is below the stratum's rate, all their rows from every hour — and the rate is
lowered as rows arrive; a kept row of a sampled stratum counts 1/rate in the loss and in the precision
thresholds are chosen at. A row takes 4 bytes a feature + 31 (190 B for stuffing, 158 takeover, 239
scraping): at the defaults the three datasets hold at most 4.8M rows (~900 MB), typically far fewer.
The caps, rows offered and kept and the rates go into the manifests (training.provenance.sampling);
progress lines show the rows held, the rates and RSS; the summary gives wall time and peak RSS.

Thresholds: alert at entity-level precision 0.99, block at 0.999, never below the alert threshold and
always above every benign look-alike's score; neither goes below its floor (--alert-floor,
--block-floor) without evidence (200 benign validation entities and a precision lower bound of 0.9 /
0.95; 10 look-alikes for block). Why each threshold is where it is goes into manifest thresholds.evidence.
Set VIGIL_HASH_KEY to the key your logs' principals are hashed with.`,
    )
    .action(async (opts: TrainOptions) => {
      try {
        await train(opts);
      } catch (err) {
        if (!(err instanceof ThinValidationError || err instanceof RowBudgetError)) throw err;
        process.stderr.write(`vigil train: refused: ${err.message}\n`);
        process.exitCode = 1;
      }
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

function unitInterval(value: string, what: string, open = false): number {
  const n = Number(value);
  if (!(open ? n > 0 && n < 1 : n >= 0 && n <= 1))
    throw new UsageError(`${what} must be a number ${open ? 'between 0 and 1' : 'in [0, 1]'}, got "${value}"`);
  return n;
}

function count(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${what} must be a whole number, got "${value}"`);
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
export function simulationSources(
  seeds: readonly number[],
  minutes: number,
  scales: readonly number[],
  profile: BankProfileId = 'bank',
): DataSource[] {
  return seeds.map((seed, i) => ({
    kind: 'simulation',
    options: { seed, minutes, scale: scales[i % scales.length]!, ...(profile !== 'bank' ? { profile } : {}) },
  }));
}

/** The row caps as a sampling policy (--max-benign-rows 0: no caps, every row kept). */
export function samplingOption(opts: {
  maxBenignRows: string;
  maxLookalikeRows: string;
  maxAttackRows: string;
}): RowSampling | null {
  const benign = count(opts.maxBenignRows, '--max-benign-rows');
  if (benign === 0) return null;
  const at = (v: string, flag: string) => {
    const n = count(v, flag);
    if (n === 0) throw new UsageError(`${flag} must be at least 1 (--max-benign-rows 0 lifts every cap)`);
    return n;
  };
  return {
    ...DEFAULT_ROW_SAMPLING,
    maxBenignRows: benign,
    maxLookalikeRows: at(opts.maxLookalikeRows, '--max-lookalike-rows'),
    maxAttackRows: at(opts.maxAttackRows, '--max-attack-rows'),
  };
}

/**
 * `rows 1.2M (benign 1 in 4.1, look-alikes 1 in 2.0), store 240 MiB, windows 310k entities ~540 MiB,
 * RSS 1.2 GiB`: what the datasets and the feature windows hold, for progress lines (the lowest rates of
 * any detector).
 */
export function describeRows({ rows, windows }: BuildStatus): string {
  let held = 0;
  let bytes = 0;
  let benign = 1;
  let lookalike = 1;
  for (const s of rows.values()) {
    held += s.rows;
    bytes += s.bytes;
    benign = Math.min(benign, s.benignRate);
    for (const l of Object.values(s.lookalikes)) lookalike = Math.min(lookalike, l.rate);
  }
  const rates = [
    benign < 1 ? `benign 1 in ${(1 / benign).toFixed(1)}` : '',
    lookalike < 1 ? `look-alikes 1 in ${(1 / lookalike).toFixed(1)}` : '',
  ].filter(Boolean);
  const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
  const win = windows
    ? `, windows ${formatCount(windows.entities)} entities ~${Math.round(windows.estimatedBytes / 2 ** 20)} MiB`
    : '';
  return `rows ${formatCount(held)}${rates.length ? ` (${rates.join(', ')})` : ''}, store ${Math.round(bytes / 2 ** 20)} MiB${win}, RSS ${rss} MiB`;
}

export async function buildData(
  sources: DataSource[],
  detectors: DetectorId[],
  showProgress: boolean,
  label: string,
  layouts?: Partial<Record<DetectorId, LayoutSpec>>,
  sampling?: RowSampling | null,
): Promise<TrainingData> {
  let progress: Progress | null = null;
  let current = '';
  try {
    return await buildTrainingData(sources, {
      detectors,
      ...(layouts ? { layouts } : {}),
      ...(sampling !== undefined ? { sampling } : {}),
      onProgress: (source, events, total, status) => {
        if (source !== current) {
          progress?.finish();
          current = source;
          progress = new Progress({
            label: `${label} ${source}`,
            unit: 'events',
            enabled: showProgress,
            ...(total ? { total } : {}),
          });
        }
        progress!.update(events, total ? events : undefined, () => describeRows(status()));
      },
    });
  } finally {
    (progress as Progress | null)?.finish();
  }
}

export interface TrainSummary {
  readonly backend: string;
  readonly seconds: number;
  readonly dataSeconds: number;
  readonly peakRssMiB: number;
  readonly sources: TrainingData['sources'];
  readonly split: string;
  readonly acceptedThinValidation: readonly ThinValidation[];
  readonly models: {
    readonly detector: string;
    readonly dir: string;
    readonly rows: { train: number; validation: number; positive: number };
    readonly sampling: Record<string, unknown>;
    readonly seconds: number;
    readonly thresholds: { alert: number; block: number };
    readonly counts: ValidationCounts;
    readonly evidence: ThresholdEvidence;
    readonly validation: DetectorEvaluation;
    readonly heldOut?: DetectorEvaluation;
  }[];
}

export async function train(opts: TrainOptions): Promise<TrainSummary> {
  const started = Date.now();
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 500);
  rssTimer.unref();
  try {
    return await trainAll(opts, started, () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)));
  } finally {
    clearInterval(rssTimer);
  }
}

async function trainAll(opts: TrainOptions, started: number, rss: () => number): Promise<TrainSummary> {
  const detectors = detectorList(opts.detectors);
  const epochs = positive(opts.epochs, '--epochs');
  const sampling = samplingOption(opts);
  if (!/^[0-9A-Za-z][0-9A-Za-z.+-]*$/.test(opts.modelVersion))
    throw new UsageError(`--model-version "${opts.modelVersion}" is not a version like 1.0.0`);
  const history = opts.input?.length ? await loadHistory(opts) : null;
  if (history && !history.source.labelSets.length && !history.source.overlays?.length)
    throw new UsageError('--input has no attacks to learn from: add --labels and/or --inject-attacks');
  const mix = opts.mixSimulated === undefined ? null : unitInterval(opts.mixSimulated, '--mix-simulated', true);
  if (mix !== null && !history) throw new UsageError('--mix-simulated mixes simulated runs into --input: give --input');
  const simulated =
    !history || mix !== null
      ? simulationSources(
          parseNumberList(opts.seeds, '--seeds'),
          positive(opts.minutes, '--minutes'),
          [positive(opts.scale, '--scale')],
          simProfileOf(opts.simProfile),
        )
      : [];
  const mode = opts.split ?? (history ? 'time' : 'campaign');
  if (mode !== 'campaign' && mode !== 'time') throw new UsageError(`--split must be campaign or time, got "${mode}"`);
  if (mode === 'time' && !history) throw new UsageError('--split time splits a history by time: give --input');
  const validationShare = unitInterval(opts.validationShare, '--validation-share', true);
  const cutMs = parseTime(opts.validationFrom, '--validation-from');
  const split: SplitSpec =
    mode === 'time'
      ? { mode, validationShare, seed: 1, ...(cutMs !== undefined ? { cutMs } : {}) }
      : { mode, validationShare, seed: 1 };
  const minimums = {
    ...DEFAULT_VALIDATION_MINIMUMS,
    campaignsPerStyle: count(opts.minValidationCampaigns, '--min-validation-campaigns'),
    entitiesPerStyle: count(opts.minValidationEntities, '--min-validation-entities'),
  };
  const thresholds = {
    alertFloor: unitInterval(opts.alertFloor, '--alert-floor'),
    blockFloor: unitInterval(opts.blockFloor, '--block-floor'),
  };
  if (thresholds.blockFloor < thresholds.alertFloor)
    throw new UsageError('--block-floor must not be below --alert-floor');

  const rt = await tfRuntime(backendOption(opts.backend));
  process.stderr.write(`train: ${describeRuntime(rt)}\n`);
  if (history) {
    const h = history.files;
    const bytes = h.reduce((a, f) => a + f.bytes, 0);
    process.stderr.write(
      `train: history of ${h.length} file${h.length === 1 ? '' : 's'} (${(bytes / 1e6).toFixed(0)} MB, ` +
        `${new Date(Math.min(...h.map((f) => f.firstTs))).toISOString()} – ${new Date(Math.max(...h.map((f) => f.lastTs))).toISOString()}), ` +
        `${history.labelFiles.length} label file${history.labelFiles.length === 1 ? '' : 's'}${history.labelFiles.length ? `: ${history.labelFiles.join(', ')}` : ''}\n`,
    );
  }
  const sources: DataSource[] = [...(history ? [history.source] : []), ...simulated];
  const data = await buildData(sources, detectors, opts.progress, 'train data', undefined, sampling);
  rss();
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
        undefined,
        sampling,
      )
    : null;

  // Every detector's split is checked before any model is trained: a refusal costs no training time.
  // Only the counts are kept: each detector's split is made again when it is trained (the same split,
  // by seed), so that one detector's copies of its rows are held at a time, not all three.
  const plans = new Map(
    detectors.map((id) => {
      const { split: planned, counts, thin } = planSplit(id, data.datasets.get(id)!, split, minimums);
      return [id, { counts, thin, description: describeSplit(planned) }];
    }),
  );
  printValidationCounts([...plans.values()].map((p) => p.counts));
  const thin = [...plans.values()].flatMap((p) => p.thin);
  if (thin.length && !opts.acceptThinValidation) throw new ThinValidationError(thin);
  for (const line of groupFindings(thin)) process.stderr.write(`train: accepted thin validation: ${line}\n`);

  const originShares = mix !== null ? { history: 1 - mix, simulated: mix } : undefined;
  const provenance = provenanceOf(data, { originShares, simulated, split, thin });
  const models: TrainSummary['models'][number][] = [];
  for (const id of detectors) {
    const ds = data.datasets.get(id)!;
    const positives = ds.positives();
    const sampled = samplingRecord(ds);
    const stage = new Progress({ label: `train ${id}`, unit: 'epochs', enabled: opts.progress });
    let epoch = 0;
    const trained = await trainDetectorModel(rt, id, ds, data.labels, {
      modelVersion: opts.modelVersion,
      sources: data.sources,
      split,
      thresholds,
      provenance,
      acceptedThinValidation: thin,
      train: { epochs, ...(originShares ? { originShares } : {}) },
      onStage: (_d, s) => {
        if (s.startsWith('epoch')) epoch++;
        stage.update(epoch, undefined, s);
      },
    });
    stage.finish();
    // Its rows are in the model now: the next detector's split is made without them in memory.
    data.datasets.delete(id);
    rss();
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
      rows: { train: trained.trainRows, validation: trained.validationRows, positive: positives },
      sampling: sampled,
      seconds: trained.seconds,
      thresholds: { alert: model.manifest.thresholds.alert.score, block: model.manifest.thresholds.block.score },
      counts: trained.counts,
      evidence: trained.evidence,
      validation: trained.validation,
      ...(held ? { heldOut: held } : {}),
    });
  }
  const summary: TrainSummary = {
    backend: rt.backend,
    seconds: (Date.now() - started) / 1000,
    dataSeconds: data.seconds,
    peakRssMiB: Math.round(rss() / 2 ** 20),
    sources: data.sources,
    split: plans.values().next().value?.description ?? '-',
    acceptedThinValidation: thin,
    models,
  };
  printTrainSummary(summary);
  if (opts.summaryJson) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(opts.summaryJson, `${JSON.stringify(summary, null, 2)}\n`);
  }
  return summary;
}

function describeSplit(split: { mode: string; cutMs: number | null } | null): string {
  if (!split) return '-';
  return split.mode === 'time'
    ? `by time: validation from ${split.cutMs === null ? '-' : new Date(split.cutMs).toISOString()} (campaigns whole)`
    : 'by campaign and benign entity';
}

/** The manifest's training.provenance: what the data was, in a few lines (training.data has the details). */
function provenanceOf(
  data: TrainingData,
  o: {
    originShares: Record<string, number> | undefined;
    simulated: readonly DataSource[];
    split: SplitSpec;
    thin: readonly ThinValidation[];
  },
): Record<string, unknown> {
  const history = data.sources.find((s): s is HistorySummary => s['origin'] === 'history');
  return {
    ...(history
      ? {
          history: {
            files: history.files.length,
            readFiles: history.files.filter((f) => f.read).length,
            hours: history.span.hours,
            from: history.span.from,
            to: history.span.to,
            window: history.window,
            events: history.historyEvents,
            deadLetters: history.files.reduce((a, f) => a + f.deadLetters, 0),
          },
          labelSets: history.labelSets.map((l) => ({
            name: l.name,
            kind: l.kind,
            campaigns: l.campaigns,
            benignRecords: l.benignRecords,
          })),
        }
      : {}),
    mix: {
      originShares: o.originShares ?? 'by row count',
      overlays: history?.overlays ?? [],
      simulatedRuns: o.simulated.map((s) => (s.kind === 'simulation' ? s.options : null)).filter(Boolean),
    },
    thinValidationAccepted: o.thin.length > 0,
  };
}

/** `attack 41.2k; look-alikes 240k of 812k (carrier_nat 1 in 3.4); plain benign 240k of 1.90M (1 in 7.9)`. */
function describeSampling(r: Record<string, unknown>): string | null {
  const benign = r['benign'] as { rowsSeen: number; rowsKept: number; rate: number } | undefined;
  if (!benign) return null;
  const looks = Object.entries(r['lookalikes'] as Record<string, { rowsSeen: number; rowsKept: number; rate: number }>);
  const lookKept = looks.reduce((a, [, l]) => a + l.rowsKept, 0);
  const lookSeen = looks.reduce((a, [, l]) => a + l.rowsSeen, 0);
  const thinned = looks.filter(([, l]) => l.rate < 1).map(([c, l]) => `${c} 1 in ${(1 / l.rate).toFixed(1)}`);
  return (
    `attack ${formatCount(Number(r['attackRows']))}; look-alikes ${formatCount(lookKept)} of ${formatCount(lookSeen)}` +
    `${thinned.length ? ` (${thinned.join(', ')})` : ''}; plain benign ${formatCount(benign.rowsKept)} of ${formatCount(benign.rowsSeen)}` +
    `${benign.rate < 1 ? ` (1 in ${(1 / benign.rate).toFixed(1)})` : ''}`
  );
}

const pct = (x: number) => x.toFixed(2);
/** A count, or an estimate from sampled entities (weighted): one decimal then. */
const estimate = (x: number) => (Number.isInteger(x) ? String(x) : `≈${x.toFixed(1)}`);
const ci = (d: { low: number; high: number }) => `[${pct(d.low)}–${pct(d.high)}]`;

function printValidationCounts(all: readonly ValidationCounts[]): void {
  const out = [
    'validation split, per detector and attack style (campaigns and attacking entities, train / validation):',
    `${'detector'.padEnd(20)} ${'style'.padEnd(22)} ${'campaigns'.padStart(11)} ${'entities'.padStart(11)}`,
  ];
  for (const c of all) {
    for (const s of c.byStyle) {
      out.push(
        `${c.detector.padEnd(20)} ${s.style.padEnd(22)} ${`${s.trainCampaigns} / ${s.validationCampaigns}`.padStart(11)} ${`${s.trainEntities} / ${s.validationEntities}`.padStart(11)}`,
      );
    }
    const look = Object.entries(c.lookalikes.validation)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    out.push(
      `${c.detector.padEnd(20)} ${'(all)'.padEnd(22)} ${''.padStart(11)} ${`${c.validationPositiveEntities} attacking, ${c.validationBenignEntities} benign`}${look ? `; look-alikes ${look}` : ''}`,
    );
  }
  process.stderr.write(`${out.join('\n')}\n`);
}

function printTrainSummary(s: TrainSummary): void {
  const events = s.sources.reduce((a, x) => a + x.events, 0);
  const lines = [
    `trained ${s.models.length} models in ${formatDuration(s.seconds)} (${s.seconds.toFixed(1)} s; data ${s.dataSeconds.toFixed(1)} s, ${formatCount(events)} events from ${s.sources.length} sources; peak RSS ${s.peakRssMiB} MiB; backend ${s.backend}; split ${s.split})`,
  ];
  for (const src of s.sources) {
    if (src['origin'] !== 'history') continue;
    const h = src as HistorySummary;
    lines.push(
      `  history: ${h.files.filter((f) => f.read).length}/${h.files.length} files, ${h.span.hours.toFixed(2)} h, ${formatCount(h.historyEvents)} events` +
        `${h.overlays.length ? `, + ${h.overlays.map((o) => `${o['kind']} ${formatCount(Number(o['requests']))} (${(Number(o['shareOfHistory']) * 100).toFixed(1)} %)`).join(', ')}` : ''}` +
        `; label sets ${h.labelSets.map((l) => `${l.name} (${l.campaigns} campaigns, ${l.benignRecords} benign)`).join(', ') || 'none'}` +
        (h.windows
          ? `; windows at the end ${formatCount(h.windows.entities)} entities ~${Math.round(h.windows.estimatedBytes / 2 ** 20)} MiB (evicted: ${formatCount(h.windows.evictedByTtl)} by TTL, ${formatCount(h.windows.evictedByCap)} by the cap)`
          : ''),
    );
  }
  for (const m of s.models) {
    lines.push(
      `  ${m.detector.padEnd(20)} ${m.dir}  rows train ${m.rows.train} / validation ${m.rows.validation} (${m.rows.positive} attack)  ${m.seconds.toFixed(1)} s  alert ≥ ${m.thresholds.alert.toFixed(3)}  block ≥ ${m.thresholds.block.toFixed(3)}`,
    );
    const rowsLine = describeSampling(m.sampling);
    if (rowsLine) lines.push(`      rows kept: ${rowsLine}`);
    for (const [what, d] of [
      ['alert', m.evidence.alert],
      ['block', m.evidence.block],
    ] as const) {
      lines.push(
        `      ${what}: precision ${pct(d.precision)} ${ci(d.precisionInterval)}, recall ${pct(d.recall)} ${ci(d.recallInterval)} (tp ${d.tp}, fp ${estimate(d.fp)}, fn ${d.fn}); set by ${d.setBy}: ${d.reason}`,
      );
    }
  }
  process.stderr.write(`${lines.join('\n')}\n`);
  process.stdout.write('validation (held-out campaigns; 95 % Wilson intervals):\n');
  printEvaluation(s.models.map((m) => m.validation));
  const held = s.models.flatMap((m) => (m.heldOut ? [m.heldOut] : []));
  if (held.length) {
    process.stdout.write('held-out simulations (seeds and parameter draws never used in training):\n');
    printEvaluation(held);
  }
}
