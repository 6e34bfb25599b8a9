/**
 * A real NGINX (Debian's) in front of a test API, running deploy/nginx/nginx.conf (ports moved to free
 * ones), asking the enforcer about every request with auth_request. Decisions come from a decisions file,
 * as `vigil run --decisions` writes it. Shows: a blocked client gets 403, a challenged one the challenge
 * header, a signature decision blocks only the requests that match it in every field, a principal
 * decision (HMAC'd like the detector's) steps up that account's login only, a throttled client is cut
 * to its rate with 429, and nothing blocked reaches the API.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSourceDecoder, parseSourceConfig } from '@vigil/events';
import { CHECK_KEY_HEADER } from '@vigil/enforcer';
import { kongRecord } from '../fixtures/builders/kong-record';
import { waitFor } from '../detector/detector-fixture';
import { getFreePort } from '../infra/free-port';
import { KEYS, decision, startEnforcer, type RunningEnforcer } from './enforcer-fixture';

const ROOT = join(__dirname, '..', '..');
const HASH_KEY = 'nginx-test-hash-key-0123456789';
const SOURCE = { hashing: { key: HASH_KEY } };

/** The principal id the detector gives `username` logging in (same normalizer, same key). */
function principalOf(username: string): string {
  const decoded = createSourceDecoder('kong', parseSourceConfig(SOURCE)).decode(
    JSON.stringify(kongRecord({ headers: { 'x-login-username': username } })),
  );
  if (!decoded.ok || !decoded.value.principal) throw new Error('no principal decoded');
  return decoded.value.principal;
}

describe('NGINX auth_request to the enforcer (deploy/nginx/nginx.conf)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-nginx-'));
  const decisionsFile = join(dir, 'decisions.ndjson');
  const upstreamSeen: { url: string; headers: IncomingHttpHeaders }[] = [];
  let upstream: Server;
  let enforcer: RunningEnforcer;
  let nginx: ChildProcess;
  let base: string;

  const ask = (path: string, client: string, headers: Record<string, string> = {}, method = 'GET') =>
    fetch(`${base}${path}`, { method, headers: { 'x-forwarded-for': client, ...headers } });

  beforeAll(async () => {
    const write = (...ds: ReturnType<typeof decision>[]) =>
      appendFileSync(decisionsFile, ds.map((d) => JSON.stringify(d) + '\n').join(''));
    writeFileSync(decisionsFile, '');
    write(
      decision({ value: '203.0.113.66', action: 'block' }),
      decision({ value: '203.0.113.77', action: 'challenge', detector: 'scraping' }),
      decision({ value: '203.0.113.88', action: 'throttle', detector: 'scraping' }),
      decision({ scope: 'subnet', value: '198.51.100.0/24', action: 'block' }),
      decision({
        scope: 'signature',
        value: { routeClass: 'login', userAgent: 'evil-bot/1.0' },
        action: 'block',
        detector: 'login-population',
      }),
      decision({
        scope: 'principal',
        value: principalOf('alice@example.com'),
        action: 'step_up',
        detector: 'account-takeover',
      }),
    );
    upstream = createServer((req, res) => {
      upstreamSeen.push({ url: req.url ?? '', headers: req.headers });
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    enforcer = await startEnforcer(
      { file: decisionsFile },
      { source: SOURCE, check: { throttle: { perSecond: 0.001, burst: 3 } } },
    );
    await waitFor('the enforcer to read the file', () => enforcer.app.enforcer.feed.decisions.size === 6, 10_000);

    const nginxPort = await getFreePort();
    const conf = readFileSync(join(ROOT, 'deploy', 'nginx', 'nginx.conf'), 'utf8')
      .replace('server 127.0.0.1:8080;', `server 127.0.0.1:${new URL(enforcer.url).port};`)
      .replace('server 127.0.0.1:8081;', `server 127.0.0.1:${(upstream.address() as AddressInfo).port};`)
      .replace('listen 8000;', `listen 127.0.0.1:${nginxPort};`);
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'nginx.conf'), conf);
    writeFileSync(join(dir, 'vigil-enforcer-key.conf'), `proxy_set_header X-Vigil-Enforcer-Key "${KEYS.check}";\n`);
    const test = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
      encoding: 'utf8',
    });
    expect(test.stderr).toContain('syntax is ok');
    nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'inherit' });
    base = `http://127.0.0.1:${nginxPort}`;
    await waitFor(
      'nginx to listen',
      () =>
        fetch(`${base}/health`).then(
          () => true,
          () => false,
        ),
      10_000,
    );
  }, 60_000);

  afterAll(async () => {
    nginx?.kill('SIGQUIT');
    await enforcer?.stop();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it('lets a clean client through, and blocks a blocked address and range with 403 before the API', async () => {
    const ok = await ask('/v1/accounts/123', '192.0.2.10');
    expect([ok.status, ok.headers.get('x-vigil-action')]).toEqual([200, 'allow']);
    const before = upstreamSeen.length;
    const blocked = await ask('/v1/accounts/123', '203.0.113.66');
    expect(blocked.status).toBe(403);
    expect(blocked.headers.get('x-vigil-action')).toBe('block');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(500);
    expect((await ask('/v1/accounts/123', '198.51.100.42')).status).toBe(403);
    expect(upstreamSeen.length).toBe(before);
  });

  it('passes a challenged client with the challenge header, to it and to the API', async () => {
    const res = await ask('/v1/accounts', '203.0.113.77');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-vigil-action')).toBe('challenge');
    expect(upstreamSeen.at(-1)!.headers['x-vigil-action']).toBe('challenge');
  });

  it('blocks only requests that match a signature in every field', async () => {
    const login = (ua: string) => ask('/v1/auth/login', '192.0.2.20', { 'user-agent': ua }, 'POST');
    expect((await login('evil-bot/1.0')).status).toBe(403);
    expect((await login('Mozilla/5.0 (X11; Linux x86_64)')).status).toBe(200);
    expect((await ask('/v1/accounts/7', '192.0.2.20', { 'user-agent': 'evil-bot/1.0' })).status).toBe(200);
  });

  it('steps up the flagged account’s login only (principal HMAC’d with the detector’s key)', async () => {
    const login = (username: string) => ask('/v1/auth/login', '192.0.2.30', { 'x-login-username': username }, 'POST');
    const alice = await login('alice@example.com');
    expect([alice.status, alice.headers.get('x-vigil-action')]).toEqual([200, 'step_up']);
    expect(upstreamSeen.at(-1)!.headers['x-vigil-action']).toBe('step_up');
    const bob = await login('bob@example.com');
    expect(bob.headers.get('x-vigil-action')).toBe('allow');
  });

  it('cuts a throttled client to its rate with 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await ask('/v1/accounts', '203.0.113.88')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
  });

  it('follows the decisions file: a decision appended is enforced at once', async () => {
    expect((await ask('/v1/accounts', '192.0.2.99')).status).toBe(200);
    appendFileSync(decisionsFile, JSON.stringify(decision({ value: '192.0.2.99' })) + '\n');
    await waitFor('the new block', async () => (await ask('/v1/accounts', '192.0.2.99')).status === 403, 5_000);
  });

  it('refuses a check without the enforcer key', async () => {
    const res = await fetch(`${enforcer.url}/v1/check/nginx`, { headers: { 'x-real-ip': '203.0.113.66' } });
    expect(res.status).toBe(403);
    const keyed = await fetch(`${enforcer.url}/v1/check/nginx`, {
      headers: { 'x-real-ip': 'not-an-ip', [CHECK_KEY_HEADER]: KEYS.check },
    });
    expect(keyed.status).toBe(400);
  });
});
