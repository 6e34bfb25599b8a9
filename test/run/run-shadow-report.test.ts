/**
 * `vigil run --shadow-models` end to end on the bundled sample, with the shipped models as their own
 * challengers: the run prints the champion/challenger comparison when it ends and writes it in its
 * JSON summary; `vigil models shadow-report` gives the same comparison from the decisions file, and from
 * the same decisions dumped as the decisions topic (key TAB value, with a tombstone), and names the
 * labeled classes each side decided on.
 *
 * With the same model on both sides the comparison has a known shape: the challenger (the model alone)
 * decides nothing the champion (the model merged with the baselines) does not, never scores higher,
 * and every target of the detector's own scope that the champion's model decided, the challenger
 * decided too, at the same time; what only the champion decided is its baselines' (or its escalations).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decisionRecordKey, type Decision, type DetectorComparison, type ShadowReport } from '@vigil/detection';

const execFileP = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'apps', 'cli', 'bin', 'vigil.js');
const SAMPLE = join(ROOT, 'apps', 'cli', 'samples', 'bank-sample');
const CHALLENGERS = ['credential-stuffing', 'account-takeover', 'scraping'].map((d) =>
  join(ROOT, 'models', d, '1.0.0'),
);
const ENTITY_SCOPE: Record<string, string> = {
  'credential-stuffing': 'ip',
  'account-takeover': 'principal',
  scraping: 'ip',
};

// The sample's labels are hashed with the development key: so must the run's principals be.
const { VIGIL_HASH_KEY: _key, ...ENV } = process.env;
const vigil = (args: readonly string[]) =>
  execFileP(process.execPath, [CLI, ...args], { maxBuffer: 64 * 1024 * 1024, env: ENV });

describe('vigil run --shadow-models: the champion/challenger report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-shadow-'));
  const decisions = join(dir, 'decisions.ndjson');
  const summaryFile = join(dir, 'summary.json');
  let stderr = '';
  let report: ShadowReport;

  beforeAll(async () => {
    const run = await vigil([
      'run',
      '--source',
      'kong',
      '--input',
      join(SAMPLE, 'traffic.kong.log.gz'),
      '--listen',
      '127.0.0.1:0',
      '--exit-at-end',
      '--no-progress',
      '--decisions',
      decisions,
      '--summary-json',
      summaryFile,
      '--shadow-models',
      ...CHALLENGERS,
    ]);
    stderr = run.stderr;
    report = (JSON.parse(readFileSync(summaryFile, 'utf8')) as { shadowComparison: ShadowReport }).shadowComparison;
  }, 120_000);

  it('prints the comparison when the run ends, per detector with a challenger', () => {
    expect(stderr).toContain('champion vs shadow challenger:');
    expect(stderr).toMatch(
      /credential-stuffing \(1\.0\.0 vs 1\.0\.0\): champion \d+ targets, challenger \d+; both \d+/,
    );
    expect(stderr).toMatch(/only champion \d+ \(ip: \d+ by baselines/);
    expect(stderr).toMatch(/score, challenger − champion: median/);
    expect(report.detectors.map((d) => d.detector)).toEqual(['account-takeover', 'credential-stuffing', 'scraping']);
    // The "stopped" log record carries it too.
    expect(stderr).toMatch(/"msg":"stopped".*"shadowComparison"|"shadowComparison".*"msg":"stopped"/);
  });

  it('has the shape the same model on both sides must give', () => {
    const byDetector = new Map(report.detectors.map((d) => [d.detector, d]));
    const cs = byDetector.get('credential-stuffing')!;
    expect(cs.targets.both).toBeGreaterThan(10);
    for (const c of report.detectors) {
      expect(c.targets.challengerOnly).toBe(0);
      // At the detector's own scope, what only the champion decided, its baselines decided.
      expect(Object.keys(c.championOnlyBy[ENTITY_SCOPE[c.detector]!] ?? {})).toEqual(
        c.championOnlyBy[ENTITY_SCOPE[c.detector]!] ? ['baseline-1'] : [],
      );
      if (c.scoreDelta) expect(c.scoreDelta.max).toBeLessThanOrEqual(1e-9);
      if (c.firstDecisionDeltaSec) expect(c.firstDecisionDeltaSec.same).toBe(c.firstDecisionDeltaSec.n);
    }
    expect(report.decisions.challenger).toBeGreaterThan(0);
  });

  it('gives the same comparison from the decisions file, and from a dump of the decisions topic', async () => {
    // Account takeover's challenger decided nothing here: named, it is reported like the run reports it.
    const all = ['--detectors', 'account-takeover,credential-stuffing,scraping'];
    const fromFile = await vigil(['models', 'shadow-report', '--decisions', decisions, ...all, '--json']);
    const file = JSON.parse(fromFile.stdout) as { report: ShadowReport; input: { decisions: number } };
    expect(strip(file.report.detectors)).toEqual(strip(report.detectors));

    // As `kcat -K'\t'` prints the topic: key TAB value (the detector's keys), and a tombstone.
    const lines = readFileSync(decisions, 'utf8').trim().split('\n');
    const dump = join(dir, 'topic.tsv');
    const keyOf = (d: Decision) => decisionRecordKey(d);
    writeFileSync(
      dump,
      [...lines.map((l) => `${keyOf(JSON.parse(l) as Decision)}\t${l}`), 'ip:10.9.9.9\t'].join('\n') + '\n',
    );
    const fromDump = JSON.parse(
      (await vigil(['models', 'shadow-report', '--decisions', dump, ...all, '--json'])).stdout,
    ) as {
      report: ShadowReport;
      input: { decisions: number; tombstones: number; unreadable: number };
    };
    expect(fromDump.input).toMatchObject({ decisions: lines.length, tombstones: 1, unreadable: 0 });
    expect(strip(fromDump.report.detectors)).toEqual(strip(report.detectors));
  }, 60_000);

  it('names the attack styles and benign classes each side decided on, with labels', async () => {
    const withLabels = ['models', 'shadow-report', '--decisions', decisions, '--labels', join(SAMPLE, 'labels.json')];
    const out = await vigil(withLabels);
    expect(out.stdout).toContain('by label (champion / challenger / both):');
    expect(out.stdout).toMatch(/attack:credential_stuffing\/\w+\s+\d+ \/ \d+ \/ \d+/);
    const json = JSON.parse((await vigil([...withLabels, '--json'])).stdout) as { report: ShadowReport };
    const cs = json.report.detectors.find((d) => d.detector === 'credential-stuffing')!;
    const attacks = cs.byLabel.filter((l) => l.label.startsWith('attack:'));
    expect(attacks.reduce((n, l) => n + l.champion, 0)).toBeGreaterThan(0);
    // The rows add up to the detector's targets.
    expect(cs.byLabel.reduce((n, l) => n + l.champion, 0)).toBe(cs.targets.champion);
  }, 60_000);
});

/** Labels are only there when the report was given them. */
function strip(ds: readonly DetectorComparison[]) {
  return ds.map(({ byLabel: _byLabel, ...rest }) => rest);
}
