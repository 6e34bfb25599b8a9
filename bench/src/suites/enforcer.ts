/**
 * The enforcer's per-request checks under a steady load, the issue's figure: NGINX `auth_request` and
 * Envoy `ext_authz` check latency p50/p99 at 5,000 requests/s on loopback, with 100,000 decisions in
 * force — 89,900 addresses, 10,000 ranges (/16 to /28, IPv4 and IPv6) and 100 signatures — target p99 ≤ 2 ms.
 *
 * Load: Debian's `wrk`, one thread, CONNECTIONS keep-alive connections each pausing DELAY_MS after every
 * response (wrk's `delay()` hook), so the rate holds steady below saturation and latency is measured per
 * request without coordinated omission. Requests cycle through REQUESTS distinct ones, 1.3–1.6 KB each
 * (the client's headers as a proxy forwards them: user agent, cookie, accept, request id, forwarded-for),
 * about 12 % from blocked addresses or ranges, 2 % matching a signature. The enforcer is built with
 * `createEnforcerApp` from a validated config (decisions from a file), as `main.ts` runs it.
 * The floor: the same wrk load, in the same run, against a bare `node:http` server that answers 200 with
 * no work — what loopback, HTTP parsing and wrk cost on this machine before the enforcer does anything.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Decision } from '@vigil/detection';
import {
  createEnforcerApp,
  parseEnforcerConfig,
  CHECK_KEY_HEADER,
  ENVOY_CHECK_PREFIX,
  NGINX_CHECK_PATH,
} from '@vigil/enforcer';
import { createLogger } from '@vigil/platform';
import type { BenchContext, BenchResult, BenchSuite } from '../harness';

const TARGET_RATE = 5000;
const CONNECTIONS = 60;
const DELAY_MS = 10;
const REQUESTS = 2000;
const CHECK_KEY = 'bench-check-key-0123456789abcdef';
const SIGNATURE_UA = (i: number) => `credential-tool/${i}.0 (+automation)`;

/** A deterministic PRNG (mulberry32), so every run checks the same decisions and requests. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ipOf = (n: number) => `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

function decisionsFile(path: string): { blockedIps: string[]; ranges: string[] } {
  const rnd = prng(7);
  const now = Date.now();
  const lines: string[] = [];
  const base = (i: number, scope: Decision['scope'], value: Decision['value']): Decision => ({
    id: `bench-${i}`,
    ts: now,
    action: i % 10 === 0 ? 'throttle' : i % 7 === 0 ? 'challenge' : 'block',
    scope,
    value,
    ttlSeconds: 3600,
    detector: 'credential-stuffing',
    score: 0.97,
    reasons: [{ feature: 'ip.loginFailures10m', value: 40, baseline: 0 }],
    modelVersion: 'bench',
    shadow: false,
  });
  const blockedIps: string[] = [];
  const ranges: string[] = [];
  // Addresses in 11.0.0.0–100.255.255.255; ranges elsewhere (101.0.0.0/8 up) and in 2001:db8::/32.
  const seen = new Set<string>();
  for (let i = 0; i < 89_900; i++) {
    let ip: string;
    do ip = ipOf(((11 + Math.floor(rnd() * 90)) << 24) | Math.floor(rnd() * 0xffffff));
    while (seen.has(ip));
    seen.add(ip);
    blockedIps.push(ip);
    lines.push(JSON.stringify(base(i, 'ip', ip)));
  }
  for (let i = 0; ranges.length < 10_000; i++) {
    let range: string;
    if (i % 10 === 9) range = `2001:db8:${(i % 65536).toString(16)}::/48`;
    else {
      const bits = [16, 20, 24, 24, 24, 26, 28][i % 7]!;
      const net = ((101 + (i % 100)) << 24) | Math.floor(rnd() * 0xffffff);
      const mask = bits === 32 ? 0xffffffff : ~((1 << (32 - bits)) - 1);
      range = `${ipOf((net & mask) >>> 0)}/${bits}`;
    }
    if (seen.has(range)) continue;
    seen.add(range);
    ranges.push(range);
    lines.push(JSON.stringify(base(100_000 + i, 'subnet', range)));
  }
  for (let i = 0; i < 100; i++) {
    lines.push(JSON.stringify(base(200_000 + i, 'signature', { routeClass: 'login', userAgent: SIGNATURE_UA(i) })));
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return { blockedIps, ranges };
}

const luaString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The wrk script: REQUESTS pre-formatted requests cycled in order, a fixed pause, percentiles as JSON. */
function wrkScript(flavour: 'nginx' | 'envoy' | 'floor', sample: { blockedIps: string[]; ranges: string[] }): string {
  const rnd = prng(11);
  const reqs: string[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const r = rnd();
    const client =
      r < 0.1
        ? sample.blockedIps[Math.floor(rnd() * sample.blockedIps.length)]!
        : r < 0.12
          ? sample.ranges[Math.floor(rnd() * sample.ranges.length)]!.replace(/\/.*$/, '').replace(/::$/, '::1')
          : ipOf((192 << 24) | (Math.floor(rnd() * 0xffff) << 8) | Math.floor(rnd() * 255));
    const login = rnd() < 0.3;
    const path = login ? '/v1/auth/login' : `/v1/accounts/${Math.floor(rnd() * 1e8)}/transactions?limit=50&offset=${i}`;
    const ua =
      rnd() < 0.02
        ? SIGNATURE_UA(Math.floor(rnd() * 100))
        : `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.${i}.0 Safari/537.36`;
    const headers: Record<string, string> = {
      'User-Agent': ua,
      Accept: 'application/json, text/plain, */*',
      'Accept-Language': 'en-GB,en;q=0.9',
      'Accept-Encoding': 'gzip, deflate, br',
      Cookie: `sid=s-${(i * 7919).toString(36)}${'x'.repeat(40)}; lang=en; consent=analytics%3Dfalse%26ads%3Dfalse; _ga=GA1.2.${i}.1700000000; theme=dark`,
      'X-Request-Id': `req-${i}-${'0'.repeat(24)}`,
      'X-Device-Id': `dev-${(i * 31).toString(16)}`,
      'Cf-Ipcountry': 'GB',
      'X-Amzn-Trace-Id': `Root=1-65f1a2b3-${'a'.repeat(24)}`,
      Traceparent: `00-${'4bf92f3577b34da6a3ce929d0e0e4736'}-00f067aa0ba902b7-01`,
      [CHECK_KEY_HEADER]: CHECK_KEY,
    };
    if (login) headers['X-Login-Username'] = `customer${i}@example.com`;
    let method = login ? 'POST' : 'GET';
    let url = NGINX_CHECK_PATH;
    if (flavour === 'envoy') {
      url = `${ENVOY_CHECK_PREFIX}${path}`;
      headers['Host'] = 'api.bank.example';
      headers['X-Forwarded-For'] = `10.0.0.1, ${client}`;
    } else {
      method = 'GET';
      headers['X-Real-IP'] = client;
      headers['X-Original-URI'] = path;
      headers['X-Original-Method'] = login ? 'POST' : 'GET';
      headers['X-Original-Host'] = 'api.bank.example';
      headers['X-Forwarded-For'] = client;
    }
    const h = Object.entries(headers)
      .map(([k, v]) => `[${luaString(k)}]=${luaString(v)}`)
      .join(',');
    reqs.push(`wrk.format(${luaString(method)}, ${luaString(url)}, {${h}})`);
  }
  return `local reqs = {}
local i = 0
init = function(args)
${reqs.map((r) => `  reqs[#reqs + 1] = ${r}`).join('\n')}
end
request = function()
  i = i % #reqs + 1
  return reqs[i]
end
delay = function() return ${DELAY_MS} end
done = function(summary, latency, requests)
  io.write(string.format('WRK_JSON {"requests":%d,"seconds":%f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"errors":%d,"non2xx":%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
`;
}

interface WrkFigures {
  requests: number;
  seconds: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  errors: number;
  non2xx: number;
}

/** wrk in a child process, awaited: the servers it loads run on this process's event loop. */
function runWrk(url: string, script: string, seconds: number): Promise<WrkFigures> {
  return new Promise((resolve, reject) => {
    const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '2s', '-s', script, url];
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (err) =>
      reject(new Error(`wrk did not run (${err.message}); it is in test/system-packages.txt: apt-get install wrk`)),
    );
    child.on('close', () => {
      const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '));
      if (line) resolve(JSON.parse(line.slice('WRK_JSON '.length)) as WrkFigures);
      else reject(new Error(`wrk printed no figures:\n${out}`));
    });
  });
}

const ms = (us: number) => (us / 1000).toFixed(2);

export const enforcerSuite: BenchSuite = {
  name: 'enforcer',
  description:
    'auth_request / ext_authz check latency at 5,000 req/s with 100,000 decisions in force (wrk), beside a bare HTTP floor',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const seconds = ctx.quick ? 8 : 20;
    const file = join(ctx.workDir, 'enforcer-decisions.ndjson');
    const sample = decisionsFile(file);
    const config = parseEnforcerConfig({
      decisions: { file },
      apiKeys: [{ name: 'bench', key: CHECK_KEY, roles: ['check'] }],
      http: { host: '127.0.0.1', port: 0 },
      logLevel: 'warn',
    });
    const { app, enforcer } = await createEnforcerApp(config, {
      log: createLogger({ name: 'bench', level: 'warn' }),
      defaultMetrics: false,
    });
    await app.listen(0, '127.0.0.1');
    const t0 = Date.now();
    while (enforcer.feed.decisions.size < 100_000) {
      if (Date.now() - t0 > 60_000) throw new Error(`only ${enforcer.feed.decisions.size} decisions loaded`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const loadSeconds = (Date.now() - t0) / 1000;
    const rss = process.memoryUsage().rss;
    ctx.log(
      `enforcer: ${enforcer.feed.decisions.size} decisions loaded in ${loadSeconds.toFixed(1)} s, rss ${(rss / 2 ** 20).toFixed(0)} MiB`,
    );
    const enforcerUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;

    const floor = createServer((_req, res) => {
      res.setHeader('content-length', '0');
      res.end();
    });
    await new Promise<void>((r) => floor.listen(0, '127.0.0.1', r));
    const floorUrl = `http://127.0.0.1:${(floor.address() as AddressInfo).port}`;

    const results: BenchResult[] = [];
    try {
      const scripts = Object.fromEntries(
        (['nginx', 'envoy', 'floor'] as const).map((f) => {
          const path = join(ctx.workDir, `enforcer-${f}.lua`);
          writeFileSync(path, wrkScript(f === 'floor' ? 'nginx' : f, sample));
          return [f, path];
        }),
      ) as Record<'nginx' | 'envoy' | 'floor', string>;
      // Warm-up (JIT, connection setup), not reported.
      await runWrk(enforcerUrl, scripts.nginx, 3);
      const floorRun = await runWrk(floorUrl, scripts.floor, seconds);
      ctx.log(
        `floor (bare node:http): ${(floorRun.requests / floorRun.seconds).toFixed(0)} req/s, p50 ${ms(floorRun.p50)} ms, p99 ${ms(floorRun.p99)} ms`,
      );
      for (const flavour of ['nginx', 'envoy'] as const) {
        const run = await runWrk(enforcerUrl, scripts[flavour], seconds);
        const rate = run.requests / run.seconds;
        ctx.log(
          `${flavour}: ${rate.toFixed(0)} req/s, p50 ${ms(run.p50)} ms, p99 ${ms(run.p99)} ms, p99.9 ${ms(run.p999)} ms`,
        );
        results.push({
          suite: 'enforcer',
          name: `${flavour} check`,
          count: run.requests,
          seconds: run.seconds,
          perSecond: rate,
          unit: 'requests',
          floorPerSecond: floorRun.requests / floorRun.seconds,
          extra: {
            targetRate: TARGET_RATE,
            p50Ms: ms(run.p50),
            p90Ms: ms(run.p90),
            p99Ms: ms(run.p99),
            p999Ms: ms(run.p999),
            maxMs: ms(run.max),
            floorP50Ms: ms(floorRun.p50),
            floorP99Ms: ms(floorRun.p99),
            p99Target: '2.00',
            socketErrors: run.errors,
            denied: run.non2xx,
            decisions: enforcer.feed.decisions.size,
            loadSeconds: loadSeconds.toFixed(1),
            rssMiB: (rss / 2 ** 20).toFixed(0),
          },
        });
      }
    } finally {
      await app.close();
      await new Promise((r) => floor.close(r));
    }
    return results;
  },
};
