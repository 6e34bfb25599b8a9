/**
 * `vigil models validate DIR`: checks a model export (a notebook's or `vigil train`'s) against the running
 * feature registry before it is deployed: manifest shape, feature names/order/registry version, that
 * model.json takes the manifest's inputs and its weights load in TF.js. DIR is one model directory or a
 * models root (every version of every detector is checked). `vigil models list` shows what is installed.
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
import { UsageError } from '../errors';
import { backendOption } from './train';

export function registerModels(program: Command): void {
  const models = program.command('models').description('inspect and validate model directories');
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
