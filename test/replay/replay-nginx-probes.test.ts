/**
 * `vigil replay --source nginx` over hostile and malformed NGINX lines (the seeded corpus of
 * test/fixtures/builders/nginx-probe-corpus.ts), with the built CLI in a child process and the whole
 * detection path on: every line the log format reads becomes an event with the right `malformed` flag,
 * every other line a dead letter with its reason; nothing crashes, and memory does not follow the input.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nginxProbeCorpus, type ProbeCorpus } from '../fixtures/builders/nginx-probe-corpus';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'apps', 'cli', 'bin', 'vigil.js');
const MiB = 1024 * 1024;

const readNdjson = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Peak resident memory of a running process, from /proc (Linux); 0 once it is gone. */
function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs the CLI to completion, sampling its resident memory; rejects on a non-zero exit. */
function runCli(args: string[]): Promise<{ stderr: string; peakRss: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let peakRss = 0;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(child.pid!))), 50);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code === 0) resolve({ stderr, peakRss });
      else reject(new Error(`vigil replay exited with ${code}: ${stderr}`));
    });
  });
}

describe('vigil replay --source nginx on hostile and malformed lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-probes-'));
  const write = (name: string, corpus: ProbeCorpus) => {
    const file = join(dir, name);
    writeFileSync(file, corpus.lines.join('\n') + '\n');
    return file;
  };
  // The same mix of 20,000 lines; the long file adds 60 more lines of 3 MiB (about 180 MiB).
  const short = nginxProbeCorpus({ lines: 20_000, seed: 21, oversized: 4 });
  const long = nginxProbeCorpus({ lines: 20_000, seed: 21, oversized: 64 });
  let shortFile: string;
  let longFile: string;

  beforeAll(() => {
    shortFile = write('short.log', short);
    longFile = write('long.log', long);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function replay(file: string, workers: number, tag: string) {
    const out = join(dir, `events-${tag}.ndjson`);
    const dead = join(dir, `dead-${tag}.ndjson`);
    const summary = join(dir, `summary-${tag}.json`);
    const run = await runCli([
      'replay',
      '--source',
      'nginx',
      '--input',
      file,
      '--models',
      join(ROOT, 'models'),
      '--events-out',
      out,
      '--dead-letter',
      dead,
      '--summary-json',
      summary,
      '--workers',
      String(workers),
      '--no-progress',
    ]);
    return {
      ...run,
      events: readNdjson(out),
      dead: readNdjson(dead),
      summary: JSON.parse(readFileSync(summary, 'utf8')) as Record<string, unknown>,
    };
  }

  /** Every line accounted for: events in line order with their flag, dead letters at their line with their reason. */
  function expectOutcomes(corpus: ProbeCorpus, r: Awaited<ReturnType<typeof replay>>) {
    const eventLines = corpus.expected.flatMap((e, i) => (e.kind === 'event' ? [{ i, malformed: e.malformed }] : []));
    expect(r.events.map((e) => [e['bytesOut'], e['malformed']])).toEqual(eventLines.map((l) => [l.i, l.malformed]));
    const deadLines = corpus.expected.flatMap((e, i) => (e.kind === 'dead' ? [[e.reason, `line ${i + 1}`]] : []));
    expect(r.dead.map((d) => [d['reason'], d['position']])).toEqual(deadLines);
    for (const d of r.dead) expect((d['raw'] as string).length).toBeLessThanOrEqual(8192);
    expect(r.summary).toMatchObject({ records: eventLines.length + deadLines.length, events: eventLines.length });
  }

  it('gives every line the log format reads an event with the right flag, and every other a reason (main thread)', async () => {
    const r = await replay(shortFile, 0, 'short-0');
    expectOutcomes(short, r);
    const flags = new Set(r.events.map((e) => e['malformed']));
    // Every kind of the corpus is there, so the comparison above covered each.
    expect(flags.size).toBe(9);
    for (const e of r.events.filter((x) => x['malformed'] !== null)) expect(e['routeClass']).toBe('other');
  }, 120_000);

  it('gives the same outcome on decode workers, and keeps memory flat on a file with 60 more 3 MiB lines', async () => {
    const base = await replay(shortFile, 0, 'short-0b');
    const grown = await replay(longFile, 0, 'long-0');
    const workers = await replay(longFile, 2, 'long-2');
    expectOutcomes(long, grown);
    expectOutcomes(long, workers);
    const [a, b] = ['events-long-0.ndjson', 'events-long-2.ndjson'].map((f) => readFileSync(join(dir, f)));
    expect(a!.equals(b!)).toBe(true);
    // 180 MiB more input: a reader that held lines would grow by about that much.
    expect(grown.peakRss - base.peakRss).toBeLessThan(48 * MiB);
    expect(base.peakRss).toBeGreaterThan(0);
  }, 240_000);
});
