/**
 * `vigil models validate DIR`: checks a model export (a notebook's or `vigil train`'s) against the running
 * feature registry before it is deployed: manifest shape, feature names/order/registry version, that
 * model.json takes the manifest's inputs and its weights load in TF.js. DIR is one model directory or a
 * models root (every version of every detector is checked). `vigil models list` shows what is installed.
 * `vigil models compare` judges a retrained set against the running one (models-compare.ts);
 * `vigil models shadow-report` compares a challenger's shadow decisions with the champion's
 * (models-shadow-report.ts).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  describeRuntime,
  loadModel,
  MANIFEST_FILE,
  tfRuntime,
  validateModelDir,
  type ModelValidation,
} from '@vigil/models';
import { DEFAULT_PROMOTION_MARGINS } from '@vigil/training';
import { UsageError } from '../errors';
import { LABELS_HELP, SIM_PROFILE_HELP } from './history-options';
import { COMPARE_HELP, compareModels, type CompareOptions } from './models-compare';
import { printShadowReport, SHADOW_REPORT_HELP, shadowReport, type ShadowReportOptions } from './models-shadow-report';
import { backendOption } from './train';

export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('inspect, validate and compare model directories (champion/challenger, in shadow too)');
  models
    .command('validate')
    .description('check model exports against the feature registry (exit code 1 if any is refused)')
    .argument('<dir>', 'a model directory (model.json, weights, manifest.json) or a models root')
    .option('--no-load', 'check files and manifest only, do not load the weights in TF.js')
    .option('--backend <name>', 'TF.js backend to start from: tensorflow, wasm or cpu')
    .option('--json', 'print the results as JSON')
    .addHelpText(
      'after',
      `
Examples:
  vigil models validate notebooks-exports/example-scraping
  vigil models validate models

Refused: a manifest that does not parse; a feature missing from the registry, listed twice or out of
registry order; another feature-registry version or fingerprint; a model whose input width differs from
the manifest's feature count; weights that do not match model.json.`,
    )
    .action(async (dir: string, opts: { load: boolean; json?: boolean; backend?: string }) => {
      const results = await validate(dir, opts);
      if (results.some((r) => !r.ok)) process.exitCode = 1;
    });
  models
    .command('compare')
    .description(
      'champion/challenger: two model sets on the whole path over held-back hours and simulated seeds, and the promotion rule (exit code 1 when refused)',
    )
    .requiredOption('--champion <dir>', 'models root of the running set')
    .requiredOption('--challenger <dir>', 'models root of the retrained set')
    .option('-i, --input <paths...>', 'held-back history: log files, folders or globs (repeatable)')
    .option('-s, --source <format>', 'gateway log format of --input')
    .option('-c, --config <file>', 'source mapping config (and policy: section) of --input')
    .option('-l, --labels <files...>', 'label files of --input: labels.json or the incident format (repeatable)')
    .option('--no-discover-labels', 'do not pick up label files found beside the logs')
    .option('--from <time>', 'only the history from this time (ISO 8601 or epoch ms)')
    .option('--to <time>', 'only the history before this time')
    .option('--group-gap <minutes>', 'incidents without a campaign id: join records this close in time', '10')
    .option('--inject-attacks [seed]', 'also merge simulated attack campaigns into --input at its volume')
    .option('--attack-rate <x>', 'campaigns per hour relative to a simulated bank of the history’s volume', '1')
    .option('--simulate-seeds <list>', 'evaluate on fresh simulations with these seeds too (e.g. 5001-5003)')
    .option('--minutes <m>', 'minutes per simulation', '60')
    .option('--scales <list>', 'benign scale per simulation, cycled', '0.7,1,1.5')
    .option('--sim-profile <name>', SIM_PROFILE_HELP, 'bank')
    .option(
      '--recall-margin <x>',
      'largest drop of a style’s entity recall allowed',
      String(DEFAULT_PROMOTION_MARGINS.recall),
    )
    .option(
      '--stopped-margin <x>',
      'largest drop of a style’s share of attack requests stopped allowed',
      String(DEFAULT_PROMOTION_MARGINS.stopped),
    )
    .option(
      '--harm-margin <x>',
      'largest rise of a benign class’s share of users affected allowed',
      String(DEFAULT_PROMOTION_MARGINS.harm),
    )
    .option('--json <file>', 'write the comparison, the verdict and both whole-path reports as JSON')
    .option('--backend <name>', 'TF.js backend to start from: tensorflow, wasm or cpu')
    .option('--no-progress', 'do not print progress on stderr')
    .addHelpText('after', `${COMPARE_HELP}\n${LABELS_HELP}`)
    .action(async (opts: CompareOptions) => {
      const verdict = await compareModels(opts);
      if (!verdict.promote) process.exitCode = 1;
    });
  models
    .command('shadow-report')
    .description(
      "champion/challenger in shadow: compare a challenger's shadow decisions with the champion's, from a decisions file or a dump of the decisions topic",
    )
    .requiredOption(
      '--decisions <file>',
      'decisions NDJSON (vigil replay/run --decisions) or a decisions-topic dump; - for stdin',
    )
    .option('-l, --labels <files...>', 'label files: labels.json or the incident format (repeatable)')
    .option('--detectors <list>', 'comma-separated detectors to compare (default: those with challenger decisions)')
    .option('--challenger-version <version>', "only shadow decisions of this model version are the challenger's")
    .option('--json', 'print the report as JSON')
    .addHelpText('after', SHADOW_REPORT_HELP)
    .action(async (opts: ShadowReportOptions) => {
      printShadowReport(await shadowReport(opts), opts.json === true);
    });
  models
    .command('list')
    .description('list the models under a models root with their thresholds and validation figures')
    .argument('[root]', 'models root', 'models')
    .action((root: string) => {
      for (const dir of modelDirsUnder(root)) {
        const v = validateModelDir(dir);
        const m = v.manifest;
        process.stdout.write(
          m
            ? `${dir}  ${m.detector} ${m.modelVersion}  ${m.features.length} features  alert ≥ ${m.thresholds.alert.score.toFixed(3)}  block ≥ ${m.thresholds.block.score.toFixed(3)}  ${v.ok ? 'ok' : 'REFUSED'}\n`
            : `${dir}  REFUSED: ${v.problems[0]}\n`,
        );
      }
    });
}

function modelDirsUnder(root: string): string[] {
  if (!existsSync(root)) throw new UsageError(`${root} does not exist`);
  if (existsSync(join(root, MANIFEST_FILE))) return [root];
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (!statSync(p).isDirectory()) continue;
      if (existsSync(join(p, MANIFEST_FILE))) out.push(p);
      else if (depth < 2) walk(p, depth + 1);
    }
  };
  walk(root, 0);
  if (!out.length) throw new UsageError(`no model directories (with ${MANIFEST_FILE}) under ${root}`);
  return out;
}

async function validate(
  dir: string,
  opts: { load: boolean; json?: boolean; backend?: string },
): Promise<ModelValidation[]> {
  const results: ModelValidation[] = [];
  for (const d of modelDirsUnder(dir)) {
    let v = validateModelDir(d);
    if (v.ok && opts.load) {
      try {
        const rt = await tfRuntime(backendOption(opts.backend));
        const m = await loadModel(d, { runtime: rt });
        // One prediction proves the weights and the topology agree.
        m.predict(new Float32Array(m.layout.width), 1);
        m.dispose();
        if (!opts.json) process.stderr.write(`models: ${describeRuntime(rt)}\n`);
      } catch (err) {
        v = { ...v, ok: false, problems: [(err as Error).message] };
      }
    }
    results.push(v);
  }
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify(
        results.map((r) => ({ dir: r.dir, ok: r.ok, problems: r.problems })),
        null,
        2,
      )}\n`,
    );
  } else {
    for (const r of results) {
      const m = r.manifest;
      const what = m
        ? `${m.detector} ${m.modelVersion}, ${m.features.length} features, registry v${m.featureRegistry.version}`
        : '';
      process.stdout.write(
        r.ok
          ? `ok       ${r.dir} (${what})\n`
          : `REFUSED  ${r.dir}${what ? ` (${what})` : ''}\n${r.problems.map((p) => `  - ${p}\n`).join('')}`,
      );
    }
  }
  return results;
}
