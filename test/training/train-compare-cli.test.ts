/**
 * End to end on tiny data, as a data team would run it: a folder of two log files (one simulated bank's
 * 20 minutes cut in two) with the SOC's incidents and allowlist beside them in the incident format;
 * `vigil train` from the folder (refused on thin validation, then accepted knowingly, with simulated
 * runs mixed in), and `vigil models compare` of the shipped set against the retrained one on the same
 * folder and a simulated seed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../apps/cli/src/main';
import { Simulation, simulateToDirectory, type LabelsFile } from '@vigil/simulator';
import { incidentRecordsFromLabels } from '@vigil/training';

const ndjson = (records: readonly object[]): string => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;

jest.setTimeout(60_000);

const SHIPPED = resolve(__dirname, '..', '..', 'models');

async function vigil(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'vigil', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

describe('vigil train from a folder, then vigil models compare', () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-train-compare-'));
  const history = join(root, 'history');
  const models = join(root, 'models');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeAll(async () => {
    const sim = join(root, 'sim');
    await simulateToDirectory({ outDir: sim, format: 'kong', seed: 3, minutes: 20, scale: 0.2 });
    const labels = JSON.parse(readFileSync(join(sim, 'labels.json'), 'utf8')) as LabelsFile;
    const lines = readFileSync(join(sim, 'traffic.kong.log'), 'utf8').trim().split('\n');
    const cut = labels.startMs + 10 * 60_000;
    const first = lines.filter((l) => (JSON.parse(l) as { started_at: number }).started_at < cut);
    mkdirSync(history);
    writeFileSync(join(history, 'kong-0800.log'), `${first.join('\n')}\n`);
    writeFileSync(join(history, 'kong-0810.log'), `${lines.slice(first.length).join('\n')}\n`);
    // Found beside the logs: the SOC's incidents (campaign ids) and allowlist (benign look-alikes).
    const records = incidentRecordsFromLabels(labels, { networks: Simulation.networks().networks });
    writeFileSync(join(history, 'incidents.ndjson'), ndjson(records.filter((r) => 'type' in r)));
    writeFileSync(join(history, 'benign.ndjson'), ndjson(records.filter((r) => 'benign' in r)));
  });

  it('refuses thin validation naming detector, style and count, then trains when told to accept it', async () => {
    const base = ['train', '-i', history, '-s', 'kong', '--out', models, '--epochs', '2', '--no-progress'];
    const refused = await vigil(base);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/refused: too little validation data to set thresholds/);
    expect(refused.err).toMatch(/credential-stuffing, style [a-z_]+: \d+ validation campaigns \(needs 2\)/);

    const ok = await vigil([
      ...base,
      '--accept-thin-validation',
      '--mix-simulated',
      '0.3',
      '--seeds',
      '5',
      '--minutes',
      '10',
      '--scale',
      '0.2',
    ]);
    expect(ok.code).toBe(0);
    expect(ok.err).toMatch(/history of 2 files .* 2 label files/);
    const manifest = JSON.parse(readFileSync(join(models, 'scraping', '1.0.0', 'manifest.json'), 'utf8')) as {
      training: {
        provenance: {
          history: { files: number; readFiles: number };
          labelSets: { kind: string }[];
          mix: { originShares: unknown };
          split: { mode: string };
          thinValidationAccepted: boolean;
        };
      };
      thresholds: {
        block: { score: number };
        evidence: { lookalikes: { entities: number; maxScore: number }; acceptedThinValidation: unknown[] };
      };
    };
    const p = manifest.training.provenance;
    expect(p.history).toMatchObject({ files: 2, readFiles: 2 });
    expect(p.labelSets.map((l) => l.kind)).toEqual(['incidents', 'incidents']);
    expect(p.mix.originShares).toEqual({ history: 0.7, simulated: 0.3 });
    expect(p.split.mode).toBe('time');
    expect(p.thinValidationAccepted).toBe(true);
    const ev = manifest.thresholds.evidence;
    expect(ev.lookalikes.entities).toBeGreaterThan(0);
    // The block threshold stays above every benign look-alike's score.
    expect(manifest.thresholds.block.score).toBeGreaterThanOrEqual(
      Math.min(0.999, ev.lookalikes.maxScore + 0.01) - 1e-9,
    );
    expect(ev.acceptedThinValidation.length).toBeGreaterThan(0);
  });

  it('compares the shipped set with the retrained one on the held-back folder and a simulated seed', async () => {
    const json = join(root, 'compare.json');
    const r = await vigil([
      'models',
      'compare',
      '--champion',
      SHIPPED,
      '--challenger',
      models,
      '-i',
      history,
      '-s',
      'kong',
      '--simulate-seeds',
      '7',
      '--minutes',
      '5',
      '--scales',
      '0.2',
      '--json',
      json,
      '--no-progress',
    ]);
    const report = JSON.parse(readFileSync(json, 'utf8')) as {
      verdict: {
        promote: boolean;
        regressions: { set: string; key: string }[];
        comparisons: { set: string; kind: string }[];
      };
    };
    expect(r.code).toBe(report.verdict.promote ? 0 : 1);
    expect(r.out).toMatch(report.verdict.promote ? /PROMOTE/ : /REFUSED: the challenger regressed/);
    for (const set of ['held-back history', 'simulated seeds']) {
      expect(report.verdict.comparisons.filter((c) => c.set === set && c.kind === 'style').length).toBeGreaterThan(0);
      expect(report.verdict.comparisons.filter((c) => c.set === set && c.kind === 'benign').length).toBeGreaterThan(0);
    }
    // It was trained on these hours: the comparison says so.
    expect(r.err).toMatch(/WARNING: the challenger was trained on history that overlaps the held-back hours/);
    for (const reg of report.verdict.regressions) expect(r.out).toContain(reg.key);
  });

  it('promotes a set over itself: nothing regresses', async () => {
    const r = await vigil([
      'models',
      'compare',
      '--champion',
      SHIPPED,
      '--challenger',
      SHIPPED,
      '--simulate-seeds',
      '7',
      '--minutes',
      '5',
      '--scales',
      '0.2',
      '--no-progress',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /PROMOTE: the challenger is no worse beyond the margins anywhere \(better on 0 of \d+ figures\)/,
    );
  });
});
