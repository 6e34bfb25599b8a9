/**
 * The enforcer's own API hardening and list outputs, over TLS: HTTPS only when configured, keys with
 * roles, a token bucket per key (429 past it), NGINX and plain lists of what is in force, and metrics.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../detector/detector-fixture';
import { KEYS, decision, startEnforcer, type RunningEnforcer } from './enforcer-fixture';

describe('enforcer API over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-enforcer-tls-'));
  let enforcer: RunningEnforcer;
  let ca: Buffer;
  let port: number;

  const get = (path: string, key: string) =>
    new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, ca, headers: { 'x-api-key': key } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' }); // prettier-ignore
    ca = readFileSync(join(dir, 'cert.pem'));
    const file = join(dir, 'decisions.ndjson');
    writeFileSync(
      file,
      [
        decision({ value: '203.0.113.66' }),
        decision({ scope: 'subnet', value: '198.51.100.0/24', action: 'challenge' }),
        decision({ scope: 'country', value: 'KP' }),
        decision({ scope: 'principal', value: 'abcdef0123456789abcdef01', action: 'step_up' }),
      ]
        .map((d) => JSON.stringify(d) + '\n')
        .join(''),
    );
    enforcer = await startEnforcer(
      { file },
      {
        http: { host: '127.0.0.1', port: 0, tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } },
        rateLimit: { api: { perSecond: 0.01, burst: 8 } },
      },
    );
    port = Number(new URL(enforcer.url).port);
    await waitFor('decisions read', () => enforcer.app.enforcer.feed.decisions.size === 4, 10_000);
  });

  afterAll(() => enforcer?.stop());

  it('serves HTTPS only', async () => {
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    expect((await get('/health', '')).status).toBe(200);
  });

  it('writes the NGINX geo and country includes and the plain list of what is in force', async () => {
    const geo = await get('/v1/lists/nginx-geo.conf', KEYS.lists);
    expect(geo.status).toBe(200);
    expect(geo.body.split('\n').filter((l) => !l.startsWith('#') && l)).toEqual([
      '198.51.100.0/24 challenge;',
      '203.0.113.66 block;',
    ]);
    expect((await get('/v1/lists/nginx-countries.conf', KEYS.lists)).body).toContain('KP block;');
    expect((await get('/v1/lists/addresses.txt?actions=block', KEYS.lists)).body).toBe('203.0.113.66\n');
    const json = JSON.parse((await get('/v1/lists/decisions.json', KEYS.lists)).body) as { scope: string }[];
    expect(json.map((d) => d.scope).sort()).toEqual(['country', 'ip', 'principal', 'subnet']);
    expect((await get('/v1/lists/addresses.txt?actions=nuke', KEYS.lists)).status).toBe(400);
  });

  it('answers HEAD on the stream and on lookups as CrowdSec does: 200 with no body, 403 without a key', async () => {
    const head = (path: string, key: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const options = { host: '127.0.0.1', port, path, ca, method: 'HEAD', headers: { 'x-api-key': key } };
        const req = request(options, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await head('/v1/decisions/stream', KEYS.bouncer)).toEqual({ status: 200, body: '' });
    expect(await head('/v1/decisions?ip=203.0.113.66', KEYS.bouncer)).toEqual({ status: 200, body: '' });
    expect((await head('/v1/decisions?ip=203.0.113.66', KEYS.lists)).status).toBe(403);
  });

  it('refuses a key without the role, and slows a runaway key down with 429', async () => {
    expect((await get('/v1/lists/addresses.txt', KEYS.bouncer)).status).toBe(403);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get('/v1/decisions/stream?startup=true', KEYS.bouncer)).status);
    // 8 tokens for the bouncer key on this API, 2 used by the HEAD test; the lists calls have their own bucket.
    expect(statuses).toEqual([200, 200, 200, 200]);
    const more: number[] = [];
    for (let i = 0; i < 4; i++) more.push((await get('/v1/decisions/stream', KEYS.bouncer)).status);
    expect(more).toEqual([200, 200, 429, 429]);
  });

  it('reports what it serves in /metrics', async () => {
    const text = (await get('/metrics', '')).body;
    expect(text).toMatch(/vigil_enforcer_active_decisions\{scope="ip"\} 1/);
    expect(text).toMatch(/vigil_enforcer_rate_limited_total\{api="bouncer",key="bouncer-point"\} 2/);
    expect(text).toMatch(/vigil_enforcer_records_read_total\{kind="decision"\} 4/);
  });
});
