/**
 * `vigil run` end to end, as an operator runs it: the built CLI in a child process following a log file
 * that grows while it runs (or reading stdin), answering over HTTP, stopped by a signal; and the models
 * root changed under it, badly and then well.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { kongLine } from '../fixtures/builders/kong-record';
import { describeExit, spawnOwned, type OwnedProcess } from '../infra/owned-process';

const execFileP = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'apps', 'cli', 'bin', 'vigil.js');
const AUDIT_KEY = 'run-cli-test-audit-key';
const T0 = 1764590400000;
// The audit trail's checkpoints are signed with this key, and verified below with the same key.
const ENV = { ...process.env, VIGIL_AUDIT_KEY: AUDIT_KEY };

/** `n` failed logins from one address, each for another username, `gapMs` of event time apart. */
function stuffingBurst(ip: string, n: number, gapMs: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) =>
    kongLine({
      status: 401,
      clientIp: ip,
      startedAt: T0 + (from + i) * gapMs,
      headers: { 'x-login-username': `victim${from + i}@example.com`, 'x-request-id': `req-${ip}-${from + i}` },
    }),
  );
}

interface RunningCli {
  readonly proc: OwnedProcess;
  readonly url: string;
  stderr(): string;
  get<T = unknown>(path: string): Promise<{ status: number; body: T; text: string }>;
  /** SIGTERM, then the exit code (fails the test if it does not exit within 15 s). */
  terminate(): Promise<number | null>;
}

async function startRun(args: readonly string[], options: { stdinPipe?: boolean } = {}): Promise<RunningCli> {
  const proc = await spawnOwned('vigil run', process.execPath, [CLI, 'run', '--listen', '127.0.0.1:0', ...args], {
    stdinPipe: options.stdinPipe,
    env: ENV,
  });
  let stderr = '';
  proc.child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const url = await waitFor(
    () => /vigil run: listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1],
    30_000,
    () => `no "listening on" line; stderr:\n${stderr}`,
    proc,
  );
  return {
    proc,
    url,
    stderr: () => stderr,
    async get<T>(path: string) {
      const res = await fetch(url + path);
      const text = await res.text();
      const json = res.headers.get('content-type')?.startsWith('application/json');
      return { status: res.status, body: (json ? JSON.parse(text) : text) as T, text };
    },
    async terminate() {
      proc.child.kill('SIGTERM');
      const patience = new AbortController();
      const exit = await Promise.race([
        proc.exited,
        sleep(15_000, null, { signal: patience.signal }).catch(() => null),
      ]);
      patience.abort();
      if (!exit) {
        await proc.stop({ graceMs: 0 });
        throw new Error(`vigil run did not exit within 15 s of SIGTERM; stderr:\n${stderr}`);
      }
      if (exit.code === null) throw new Error(`vigil run ${describeExit(exit)}; stderr:\n${stderr}`);
      return exit.code;
    },
  };
}

/** Polls `probe` until it returns a value (not undefined), or fails with `why()`. */
async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  why: () => string,
  proc?: OwnedProcess,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (proc && proc.child.exitCode !== null) throw new Error(`vigil run exited early: ${why()}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${why()}`);
    await sleep(100);
  }
}

/** The value of one series in Prometheus text (`name{labels}`), or undefined. */
function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const readNdjson = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('vigil run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-run-'));

  it('blocks a credential-stuffing burst appended to a followed file, serves it, and stops cleanly on SIGTERM', async () => {
    const input = join(dir, 'kong.ndjson');
    const decisions = join(dir, 'decisions.ndjson');
    const audit = join(dir, 'audit.ndjson');
    writeFileSync(input, kongLine({ method: 'GET', uri: '/v1/accounts/1/balance', startedAt: T0 - 1000 }) + '\n');
    // Baselines only: the ip-login-failures rule is what blocks this burst (models are the reload test's).
    const cli = await startRun([
      '--source',
      'kong',
      '--input',
      input,
      '--follow',
      '--models',
      'none',
      '--decisions',
      decisions,
      '--audit',
      audit,
      '--idle-flush-ms',
      '300',
    ]);
    // 60 failures in 6 s of event time: one batch (10 s span) that only the idle flush closes.
    const burst = stuffingBurst('203.0.113.77', 60, 100);
    for (let i = 0; i < burst.length; i += 15) {
      appendFileSync(input, burst.slice(i, i + 15).join('\n') + '\n');
      await sleep(150);
    }
    const served = await waitFor(
      async () => {
        const r = await cli.get<Record<string, unknown>[]>('/v1/decisions?scope=ip&value=203.0.113.77');
        return r.body.length ? r.body : undefined;
      },
      20_000,
      () => `no decision for 203.0.113.77; stderr:\n${cli.stderr()}`,
      cli.proc,
    );
    expect(served).toHaveLength(1);
    expect(served[0]).toMatchObject({
      action: 'block',
      scope: 'ip',
      value: '203.0.113.77',
      detector: 'credential-stuffing',
      shadow: false,
    });
    // The record exactly as in the decisions file.
    expect(readNdjson(decisions)).toContainEqual(served[0]);
    expect((await cli.get<unknown[]>('/v1/decisions')).body).toEqual(served);
    expect((await cli.get<unknown[]>('/v1/decisions?scope=ip&value=198.51.100.1')).body).toEqual([]);
    expect((await cli.get('/v1/decisions?scope=planet')).status).toBe(400);

    const alerts = await cli.get<Record<string, unknown>[]>('/v1/alerts?limit=5');
    expect(alerts.body[0]).toMatchObject({ detector: 'credential-stuffing', decisionIds: [served[0]!['id']] });

    const metrics = (await cli.get<string>('/metrics')).text;
    expect(metric(metrics, 'vigil_events_total{outcome="decoded"}')).toBe(61);
    expect(metric(metrics, 'vigil_events_total{outcome="dead_letter"}')).toBe(0);
    expect(metric(metrics, 'vigil_decisions_total{detector="credential-stuffing",action="block",scope="ip"}')).toBe(1);
    expect(metric(metrics, 'vigil_alerts_total{detector="credential-stuffing",severity="high"}')).toBe(1);
    expect(metric(metrics, 'vigil_active_decisions')).toBe(1);
    expect(metric(metrics, 'vigil_watermark_seconds')).toBeCloseTo((T0 + 59 * 100) / 1000, 3);
    expect(metric(metrics, 'vigil_batch_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(metrics).toContain('process_cpu_user_seconds_total');

    const health = await cli.get<Record<string, unknown>>('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', events: 61, watermark: T0 + 59 * 100, models: [] });

    expect(await cli.get('/v2/nothing')).toMatchObject({ status: 404, body: { error: 'not_found' } });
    const post = await fetch(cli.url + '/v1/decisions', { method: 'POST' });
    expect(post.status).toBe(405);

    expect(await cli.terminate()).toBe(0);
    const verify = await execFileP(process.execPath, [CLI, 'audit', 'verify', audit], { env: ENV });
    expect(verify.stdout + verify.stderr).toContain('chain intact');
    expect(verify.stdout + verify.stderr).not.toContain('not verified');
  });

  it('keeps serving a file it read without --follow until a signal, and exits at the end of stdin with --exit-at-end', async () => {
    const input = join(dir, 'once.ndjson');
    writeFileSync(input, stuffingBurst('203.0.113.88', 40, 200).join('\n') + '\n');
    const cli = await startRun(['--source', 'kong', '--input', input, '--models', 'none', '--no-progress']);
    await waitFor(
      () => (cli.stderr().includes('serving until SIGINT or SIGTERM') ? true : undefined),
      20_000,
      () => `no end-of-input line; stderr:\n${cli.stderr()}`,
      cli.proc,
    );
    const served = await cli.get<{ value: string }[]>('/v1/decisions');
    expect(served.body.map((d) => d.value)).toEqual(['203.0.113.88']);
    expect((await cli.get<{ input: unknown }>('/health')).body.input).toMatchObject({ ended: true });
    expect(await cli.terminate()).toBe(0);

    const decisions = join(dir, 'stdin-decisions.ndjson');
    const piped = await startRun(
      ['--source', 'kong', '--input', '-', '--models', 'none', '--exit-at-end', '--decisions', decisions],
      { stdinPipe: true },
    );
    piped.proc.child.stdin!.end(stuffingBurst('203.0.113.99', 40, 200).join('\n') + '\n');
    const exit = await piped.proc.exited;
    expect(exit.code).toBe(0);
    expect(readNdjson(decisions).map((d) => d['value'])).toEqual(['203.0.113.99']);
  });

  describe('hot reload of the models root', () => {
    const models = join(dir, 'models');
    // The shipped models, in a root of the test's own that it can break and mend.
    beforeAll(() => cpSync(join(__dirname, '..', '..', 'models'), models, { recursive: true }));

    it('refuses a broken model set and keeps running on the old one, then swaps in a good one', async () => {
      const input = join(dir, 'reload.ndjson');
      writeFileSync(input, '');
      const cli = await startRun(['--source', 'kong', '--input', input, '--follow', '--models', models]);
      const metricsNow = async () => (await cli.get<string>('/metrics')).text;
      const reloads = async (outcome: 'success' | 'failure') =>
        metric(await metricsNow(), `vigil_model_reload_total{outcome="${outcome}"}`) ?? 0;

      const backend = (await cli.get<{ models: { backend: string }[] }>('/health')).body.models[0]!.backend;
      const info = (detector: string, version: string) =>
        `vigil_model_info{detector="${detector}",version="${version}",backend="${backend}"}`;
      expect(metric(await metricsNow(), info('credential-stuffing', '1.0.0'))).toBe(1);

      const manifest = join(models, 'credential-stuffing', '1.0.0', 'manifest.json');
      const good = readFileSync(manifest, 'utf8');
      writeFileSync(manifest, '{"manifestVersion": 1, "detector": ');
      await waitFor(
        async () => ((await reloads('failure')) >= 1 ? true : undefined),
        15_000,
        () => `no failed reload; stderr:\n${cli.stderr()}`,
        cli.proc,
      );
      expect(await reloads('success')).toBe(0);
      const health = await cli.get<Record<string, unknown>>('/health');
      expect(health.body).toMatchObject({
        status: 'ok',
        lastReload: { outcome: 'failure' },
        models: expect.arrayContaining([
          expect.objectContaining({ detector: 'credential-stuffing', version: '1.0.0' }),
        ]),
      });
      expect(cli.stderr()).toContain('models not reloaded; keeping the models in use');

      writeFileSync(manifest, good);
      await waitFor(
        async () => ((await reloads('success')) >= 1 ? true : undefined),
        15_000,
        () => `no successful reload; stderr:\n${cli.stderr()}`,
        cli.proc,
      );

      // A new version, published the safe way: built beside the root, then renamed into it in one step.
      const staging = join(dir, 'staging-1.1.0');
      cpSync(join(models, 'credential-stuffing', '1.0.0'), staging, { recursive: true });
      const m = JSON.parse(good) as Record<string, unknown>;
      writeFileSync(join(staging, 'manifest.json'), JSON.stringify({ ...m, modelVersion: '1.1.0' }, null, 2));
      mkdirSync(join(models, 'credential-stuffing'), { recursive: true });
      renameSync(staging, join(models, 'credential-stuffing', '1.1.0'));
      await waitFor(
        async () => (metric(await metricsNow(), info('credential-stuffing', '1.1.0')) === 1 ? true : undefined),
        15_000,
        () => `1.1.0 not in use; stderr:\n${cli.stderr()}`,
        cli.proc,
      );
      expect(metric(await metricsNow(), info('credential-stuffing', '1.0.0'))).toBeUndefined();

      // Still detecting after the swaps.
      appendFileSync(input, stuffingBurst('203.0.113.55', 60, 100).join('\n') + '\n');
      await waitFor(
        async () =>
          (await cli.get<unknown[]>('/v1/decisions?scope=ip&value=203.0.113.55')).body.length ? 1 : undefined,
        20_000,
        () => `no decision after reload; stderr:\n${cli.stderr()}`,
        cli.proc,
      );
      expect(await cli.terminate()).toBe(0);
    });
  });
});
