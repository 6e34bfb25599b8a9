/**
 * Fast realistic corpora for the benchmarks: a fixed population of web and mobile users reading
 * accounts, logging in (a few typos), fetching statics, plus a credential-stuffing stream from a
 * datacenter range and a sequential-id scraper, written in any gateway format. No labels, no campaign
 * scheduling: it exists to be fast (hundreds of thousands of records a second) while exercising every
 * code path the decoders, windows and inventory take on real traffic. Seeded and deterministic.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { endpoint, ENDPOINTS, fillTemplate, STATIC_ASSETS, type EndpointSpec } from './bank/api-surface';
import {
  bearerFor,
  buildRequest,
  cookieHeader,
  NO_SESSION,
  type ClientContext,
  type SessionState,
} from './bank/request-builder';
import { createWriter, type SimFormat, type WriterOptions } from './formats';
import { Random } from './random';
import type { SimRequest } from './sim-request';
import { pickUserAgent, MOBILE_USER_AGENTS, BOT_USER_AGENTS } from './population/user-agents';

export interface BenchCorpusOptions {
  readonly format: SimFormat;
  readonly records: number;
  readonly seed?: number;
  /** Event time of the first record, ms (default 2026-03-02T09:00:00Z). */
  readonly startMs?: number;
  /** Mean requests per second of event time (default 2000). */
  readonly ratePerSecond?: number;
  /** Distinct benign users (default 20,000). */
  readonly users?: number;
  readonly writer?: WriterOptions;
}

export const BENCH_DEFAULT_START_MS = Date.UTC(2026, 2, 2, 9, 0, 0);

interface BenchUser {
  readonly client: ClientContext;
  readonly session: SessionState;
  readonly username: string;
  readonly accountNumber: string;
}

/** SimRequests of a benchmark corpus, in event-time order. */
export function* benchRequests(options: Omit<BenchCorpusOptions, 'format'>): Generator<SimRequest> {
  const rng = new Random(options.seed ?? 1);
  const userCount = options.users ?? 20_000;
  const meanGap = 1000 / (options.ratePerSecond ?? 2000);
  const users: BenchUser[] = [];
  const startMs = options.startMs ?? BENCH_DEFAULT_START_MS;
  for (let i = 0; i < userCount; i++) {
    const mobile = rng.chance(0.45);
    const username = `user${i}.${rng.hex(4)}`;
    const extraCookies = mobile ? null : `_ga=GA1.2.${rng.int(1e8, 9e8)}.${rng.int(1e9, 2e9)}`;
    const sid = mobile ? null : rng.token(32);
    users.push({
      username,
      accountNumber: String(rng.int(10_000_000, 99_999_999)),
      client: {
        clientIp: `${rng.pick([81, 86, 90, 92, 109, 176, 188])}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
        proxyIp: null,
        userAgent: mobile ? rng.pick(MOBILE_USER_AGENTS) : pickUserAgent(rng),
        acceptLanguage: 'en-GB,en;q=0.9',
        country: rng.chance(0.9) ? 'GB' : rng.pick(['FR', 'DE', 'ES', 'IE']),
        protocol: mobile ? 'HTTP/2' : 'HTTP/1.1',
        extraCookies,
        deviceId: mobile ? rng.uuid() : null,
        tlsFingerprint: null,
      },
      session: {
        sid,
        sessionHeader: mobile ? rng.token(32) : null,
        authorization: mobile ? bearerFor(rng, username, startMs) : null,
        consumer: { id: rng.uuid(), username },
        cookie: cookieHeader(sid, extraCookies),
      },
    });
  }
  const attackers: ClientContext[] = [];
  for (let i = 0; i < 256; i++) {
    attackers.push({
      clientIp: `45.146.${164 + (i >> 6)}.${(i & 63) * 4 + 1}`,
      proxyIp: null,
      userAgent: pickUserAgent(rng),
      acceptLanguage: null,
      country: 'NL',
      protocol: 'HTTP/1.1',
      extraCookies: null,
      deviceId: null,
      tlsFingerprint: null,
    });
  }
  const scraper: ClientContext = { ...attackers[0]!, clientIp: '185.220.101.7', userAgent: rng.pick(BOT_USER_AGENTS) };
  const login = endpoint('auth-login');
  const accountsGet = endpoint('accounts-get');
  const productsGet = endpoint('products-get');
  const reads = ENDPOINTS.filter((e) => e.auth === 'session' && e.route.method === 'GET');
  let ts = startMs;
  let scrapeId = 100_000;
  for (let n = 0; n < options.records; n++) {
    ts += Math.round(rng.exp(meanGap));
    const kind = rng.float();
    if (kind < 0.08) {
      // Credential stuffing: a different username every time, nearly always failing.
      const c = attackers[rng.int(0, attackers.length - 1)]!;
      yield buildRequest(rng, ts, login, c, NO_SESSION, {
        status: rng.chance(0.004) ? 200 : 401,
        path: login.route.template,
        loginUsername: `${rng.pick(['john', 'anna', 'mike', 'sara', 'li'])}${rng.int(1, 99999)}@mail.example`,
      });
    } else if (kind < 0.1) {
      yield buildRequest(rng, ts, productsGet, scraper, NO_SESSION, {
        status: rng.chance(0.3) ? 404 : 200,
        path: `/v1/products/${scrapeId++}`,
      });
    } else {
      const u = users[rng.int(0, userCount - 1)]!;
      const r = rng.float();
      if (r < 0.06) {
        yield buildRequest(rng, ts, login, u.client, NO_SESSION, {
          status: rng.chance(0.08) ? 401 : 200,
          path: login.route.template,
          loginUsername: u.username,
        });
      } else if (r < 0.26 && u.session.sid !== null) {
        const asset = STATIC_ASSETS[rng.int(0, STATIC_ASSETS.length - 1)]!;
        yield buildRequest(rng, ts, asset, u.client, u.session, {
          status: rng.chance(0.3) ? 304 : 200,
          path: asset.route.template,
          referer: 'https://www.bank.example/app/dashboard',
        });
      } else if (r < 0.5) {
        yield buildRequest(rng, ts, accountsGet, u.client, u.session, {
          status: 200,
          path: `/v1/accounts/${u.accountNumber}`,
        });
      } else {
        const e: EndpointSpec = reads[rng.int(0, reads.length - 1)]!;
        yield buildRequest(rng, ts, e, u.client, u.session, {
          status: rng.chance(0.01) ? 500 : 200,
          path: fillTemplate(e.route.template, rng, [u.accountNumber]),
          query: e.route.name === 'accounts-transactions' ? `page=${rng.int(1, 5)}&limit=50` : null,
        });
      }
    }
  }
}

/** Log lines (without newline) of a benchmark corpus. */
export function* benchCorpusLines(options: BenchCorpusOptions): Generator<string> {
  const writer = createWriter(options.format, options.writer);
  for (const r of benchRequests(options)) yield writer.write(r);
}

export interface BenchCorpusResult {
  readonly file: string;
  readonly records: number;
  readonly bytes: number;
  readonly seconds: number;
}

/** Writes a benchmark corpus to `file` (one record a line), streaming, with backpressure. */
export async function generateBenchCorpus(file: string, options: BenchCorpusOptions): Promise<BenchCorpusResult> {
  const t0 = process.hrtime.bigint();
  const out = createWriteStream(file);
  let bytes = 0;
  let records = 0;
  // Lines are joined a thousand at a time: one flatten and one UTF-8 encode per chunk, not per line.
  let lines: string[] = [];
  for (const line of benchCorpusLines(options)) {
    lines.push(line);
    records++;
    if (lines.length === 1024) {
      const buf = Buffer.from(`${lines.join('\n')}\n`);
      bytes += buf.length;
      lines = [];
      if (!out.write(buf)) await once(out, 'drain');
    }
  }
  if (lines.length) {
    const buf = Buffer.from(`${lines.join('\n')}\n`);
    bytes += buf.length;
    out.write(buf);
  }
  out.end();
  await once(out, 'finish');
  return { file, records, bytes, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}
