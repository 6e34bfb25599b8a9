/**
 * `vigil evaluate`: scores labeled traffic with trained models and reports, per detector: entity-level
 * precision, recall, PR-AUC and confusion matrix at the models' alert and block thresholds, row-level
 * PR-AUC, recall per attack style, time-to-detect per campaign, and alerts and blocks on the benign traps.
 * Labeled traffic is a log with a labels file (`vigil simulate` writes both), or fresh simulations.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describeRuntime, loadModel, listModelDirs, ManifestError, tfRuntime, type DetectorModel } from '@vigil/models';
import {
  DETECTOR_IDS,
  evaluateDetector,
  wilson,
  type DataSource,
  type DetectorEvaluation,
  type DetectorId,
  type LayoutSpec,
} from '@vigil/training';
import { UsageError } from '../errors';
import { evaluateWholePath } from './evaluate-path';
import { loadHistory } from './history-options';
import { backendOption, buildData, parseNumberList, positive, simulationSources } from './train';

interface EvaluateOptions {
  model: string[];
  modelsOnly?: boolean;
  requestLabels?: string;
  input?: string;
  source?: string;
  config?: string;
  labels?: string;
  injectAttacks?: string | boolean;
  simulateSeeds?: string;
  minutes: string;
  scales: string;
  json?: string;
  backend?: string;
  progress: boolean;
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description(
      'measure detection on labeled traffic: the whole path (decisions a proxy would enforce), or the models alone',
    )
    .option('-m, --model <dir...>', 'model directories (models/<detector>/<version>) or a models root', ['models'])
    .option('-i, --input <file>', 'labeled gateway log (e.g. traffic.kong.log from vigil simulate)')
    .option('-s, --source <format>', 'gateway log format of --input')
    .option('-c, --config <file>', 'source mapping config of --input')
    .option('-l, --labels <file>', 'labels of --input: labels.json from vigil simulate, or confirmed incidents')
    .option('--request-labels <file>', 'request-labels.ndjson of --input (default: beside --labels)')
    .option('--models-only', 'score the models alone at the entity level (no policy, no baselines)')
    .option(
      '--inject-attacks [seed]',
      'inject simulated campaigns into --input (benign history, its own span and volume) and evaluate on them',
    )
    .option('--simulate-seeds <list>', 'evaluate on fresh simulations with these seeds instead of --input', undefined)
    .option('--minutes <m>', 'minutes per simulation', '60')
    .option('--scales <list>', 'benign scale per simulation, cycled', '0.7,1,1.5')
    .option(
      '--partitions <n>',
      "whole path as the detector with redis.windows: partition runs it: the traffic keyed by client address over n partitions, each with its own windows and engine; requests judged against every partition's decisions",
    )
    .option(
      '--shared-windows',
      "with --partitions: one window store for every partition, as the detector's default redis.windows: scripts (engines stay per partition)",
    )
    .option(
      '--lanes',
      'with --partitions: the detection lanes (kafka.repartition.lanes): each lane (address, account, apiKey, logins) on its own n partitions keyed by its key, keeping its entity types and running its detectors',
    )
    .option('--json <file>', 'write the full report (with per-campaign results) as JSON')
    .option('--backend <name>', 'TF.js backend to start from: tensorflow, wasm or cpu')
    .option('--no-progress', 'do not print progress on stderr')
    .addHelpText(
      'after',
      `
Examples:
  vigil simulate --out sim --minutes 60 --seed 4242 --format kong
  vigil evaluate --model models --input sim/traffic.kong.log --source kong --labels sim/labels.json --json eval.json
  vigil evaluate --model models/scraping/1.0.0 --simulate-seeds 2001-2003

Whole path (default): the traffic goes through decode → windows → detectors → policy as in vigil replay,
and every request is judged against the decisions in force at its own event time. Per attack type and
style: recall (attacking entities alerted, decided on, or stopped), the share of attack requests an
enforcing proxy would have stopped (blocked, challenged, stepped up, revoked), time to detect; per trap
kind the users affected and the enforcing decisions on them; plain customers affected; block precision.
With several sources the worst value of each figure is printed last. The policy is --config's policy:.

--models-only: an entity (an IP, an account) is alerted when any of its decision points scores at or
above the model's alert threshold; precision and recall count entities, not rows. Time-to-detect runs
from a campaign's first request to its first alert.`,
    )
    .action(async (opts: EvaluateOptions) => {
      if (opts.modelsOnly) await evaluate(opts);
      else await evaluateWholePath(opts);
    });
}

function modelDirs(args: readonly string[]): string[] {
  return args.flatMap((a) => {
    if (existsSync(join(a, 'manifest.json'))) return [a];
    const dirs = listModelDirs(a);
    if (!dirs.length) throw new UsageError(`${a} is neither a model directory (with manifest.json) nor a models root`);
    return dirs;
  });
}

export async function evaluate(opts: EvaluateOptions): Promise<DetectorEvaluation[]> {
  const rt = await tfRuntime(backendOption(opts.backend));
  process.stderr.write(`evaluate: ${describeRuntime(rt)}\n`);
  const models: DetectorModel[] = [];
  for (const dir of modelDirs(opts.model)) {
    try {
      models.push(await loadModel(dir, { runtime: rt }));
    } catch (err) {
      if (err instanceof ManifestError) throw new UsageError(err.message);
      throw err;
    }
  }
  const detectors: DetectorId[] = [];
  const layouts: Partial<Record<DetectorId, LayoutSpec>> = {};
  for (const m of models) {
    if (!(DETECTOR_IDS as readonly string[]).includes(m.detector)) {
      throw new UsageError(
        `model ${m.dir} is for detector "${m.detector}"; labels exist for ${DETECTOR_IDS.join(', ')}`,
      );
    }
    const id = m.detector as DetectorId;
    if (detectors.includes(id)) throw new UsageError(`two models for ${id}: evaluate one version at a time`);
    detectors.push(id);
    layouts[id] = { entity: m.manifest.entity, features: m.manifest.features };
  }
  let sources: DataSource[];
  if (opts.simulateSeeds) {
    sources = simulationSources(
      parseNumberList(opts.simulateSeeds, '--simulate-seeds'),
      positive(opts.minutes, '--minutes'),
      parseNumberList(opts.scales, '--scales'),
    );
  } else if (opts.input) {
    if (!opts.labels && opts.injectAttacks === undefined)
      throw new UsageError('--input needs --labels and/or --inject-attacks');
    const history = await loadHistory({
      input: [opts.input],
      ...(opts.source ? { source: opts.source } : {}),
      ...(opts.config ? { config: opts.config } : {}),
      ...(opts.labels ? { labels: [opts.labels] } : {}),
      discoverLabels: false,
      ...(opts.injectAttacks !== undefined ? { injectAttacks: opts.injectAttacks } : {}),
    });
    sources = [history.source];
  } else {
    throw new UsageError('give --input with --labels, or --simulate-seeds');
  }
  const data = await buildData(sources, detectors, opts.progress, 'evaluate', layouts);
  const results = models.map((m) => evaluateDetector(m, data.datasets.get(m.detector as DetectorId)!, data.labels));
  printEvaluation(results);
  if (opts.json) {
    writeFileSync(opts.json, `${JSON.stringify({ sources: data.sources, backend: rt.backend, results }, null, 2)}\n`);
    process.stderr.write(`evaluate: report written to ${opts.json}\n`);
  }
  return results;
}

const pct = (x: number): string => x.toFixed(4);

/** The report as tables on stdout. */
export function printEvaluation(results: readonly DetectorEvaluation[]): void {
  const out: string[] = [];
  out.push(
    [
      'detector'.padEnd(20),
      'entities +/-'.padStart(13),
      'PR-AUC'.padStart(7),
      'alert P'.padStart(8),
      'alert R'.padStart(8),
      'TP/FP/FN/TN @alert'.padStart(22),
      'block P'.padStart(8),
      'block R'.padStart(8),
      'row PR-AUC'.padStart(10),
      'TTD med/p90 s'.padStart(14),
    ].join(' '),
  );
  for (const r of results) {
    const e = r.entities;
    const ttd = r.timeToDetect;
    out.push(
      [
        r.detector.padEnd(20),
        `${e.positive}/${e.negative}`.padStart(13),
        pct(e.prAuc).padStart(7),
        pct(e.alert.precision).padStart(8),
        pct(e.alert.recall).padStart(8),
        `${e.alert.tp}/${e.alert.fp}/${e.alert.fn}/${e.alert.tn}`.padStart(22),
        pct(e.block.precision).padStart(8),
        pct(e.block.recall).padStart(8),
        pct(r.rows.prAuc).padStart(10),
        `${ttd.medianSec?.toFixed(0) ?? '-'}/${ttd.p90Sec?.toFixed(0) ?? '-'}`.padStart(14),
      ].join(' '),
    );
  }
  out.push('');
  out.push(
    `${'detector'.padEnd(20)} ${'attack style'.padEnd(20)} ${'entities'.padStart(8)} ${'recall@alert'.padStart(12)} ${'95 % interval'.padStart(13)} ${'recall@block'.padStart(12)} ${'95 % interval'.padStart(13)}`,
  );
  const interval = (k: number, n: number) => {
    const i = wilson(k, n);
    return `${i.low.toFixed(2)}–${i.high.toFixed(2)}`;
  };
  for (const r of results) {
    for (const [style, s] of Object.entries(r.byStyle)) {
      out.push(
        `${r.detector.padEnd(20)} ${style.padEnd(20)} ${String(s.entities).padStart(8)} ${pct(s.recallAlert).padStart(12)} ${interval(s.alerted, s.entities).padStart(13)} ${pct(s.recallBlock).padStart(12)} ${interval(s.blocked, s.entities).padStart(13)}`,
      );
    }
  }
  out.push('');
  out.push(
    `${'detector'.padEnd(20)} ${'benign trap'.padEnd(20)} ${'entities'.padStart(8)} ${'alerts'.padStart(8)} ${'blocks'.padStart(8)}`,
  );
  for (const r of results) {
    for (const [trap, t] of Object.entries(r.traps)) {
      out.push(
        `${r.detector.padEnd(20)} ${trap.padEnd(20)} ${String(t.entities).padStart(8)} ${String(t.alerts).padStart(8)} ${String(t.blocks).padStart(8)}`,
      );
    }
  }
  process.stdout.write(`${out.join('\n')}\n\n`);
}
