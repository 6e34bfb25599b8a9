/**
 * The per-request checks, the enforcer's hot path, as a plain Node handler on the HTTP server's own
 * 'request' event, ahead of Express and Nest's router (app.ts): no guards, pipes, interceptors or
 * Express request objects per check:
 * - NGINX `auth_request` → `/v1/check/nginx`: the proxy passes the client address, the original method,
 *   URI and host in headers (config `check.*Header`), and the client's own headers as they came.
 * - Envoy `ext_authz` (HTTP service, `path_prefix: /v1/check/envoy`) → `/v1/check/envoy/<original path>`:
 *   Envoy sends the original method, path and headers itself; the client address is the last hop of
 *   X-Forwarded-For (or `check.envoyClientIpHeader`).
 * The proxy authenticates with `X-Vigil-Enforcer-Key` — not X-Api-Key, which is the client's own API key
 * here and is matched against api_key decisions. The answer is verdict.ts's: 200 / 401 / 403 with
 * `X-Vigil-*` headers (and 429, or 403 for NGINX, for a throttled target past its rate).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkResponse, verdictOf } from '@vigil/enforcement';
import type { EnforcerService } from '../enforcer.service';

export const CHECK_KEY_HEADER = 'x-vigil-enforcer-key';
export const NGINX_CHECK_PATH = '/v1/check/nginx';
export const ENVOY_CHECK_PREFIX = '/v1/check/envoy';

const header = (req: IncomingMessage, name: string): string | null => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? (v[0] ?? null) : null;
};

/** The address the proxy itself appended to X-Forwarded-For: the one hop no client can forge. */
function lastHop(xff: string | null): string | null {
  if (!xff) return null;
  const comma = xff.lastIndexOf(',');
  return (comma < 0 ? xff : xff.slice(comma + 1)).trim() || null;
}

function reply(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string | null,
): void {
  res.statusCode = status;
  for (const name in headers) res.setHeader(name, headers[name]!);
  if (body !== null) {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  } else {
    res.setHeader('content-length', '0');
    res.end();
  }
}

export function createCheckHandler(enforcer: EnforcerService) {
  const c = enforcer.config.check;
  const metrics = enforcer.metrics;
  const set = enforcer.feed.decisions;
  return function check(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const url = req.url ?? '';
    const flavour =
      url === NGINX_CHECK_PATH || url.startsWith(`${NGINX_CHECK_PATH}?`)
        ? 'nginx'
        : url.startsWith(`${ENVOY_CHECK_PREFIX}/`) || url === ENVOY_CHECK_PREFIX
          ? 'envoy'
          : null;
    if (!flavour) return next();
    const started = process.hrtime.bigint();
    const caller = enforcer.keys.authorize(req.headers[CHECK_KEY_HEADER], 'check');
    if (!caller) {
      metrics.requests.inc({ api: 'check', status: '403' });
      return reply(res, 403, {}, '{"message":"access forbidden"}');
    }
    if (!enforcer.checkLimit.take(caller.name)) {
      metrics.rateLimited.inc({ api: 'check', key: caller.name });
      return reply(res, 429, { 'retry-after': '1' }, '{"message":"too many requests: slow down"}');
    }
    const ipHeader = flavour === 'nginx' ? c.clientIpHeader : c.envoyClientIpHeader;
    const clientIp = ipHeader === 'x-forwarded-for' ? lastHop(header(req, ipHeader)) : header(req, ipHeader);
    if (!clientIp) {
      metrics.requests.inc({ api: 'check', status: '400' });
      const message = `the proxy must pass the client address in ${ipHeader}`;
      return reply(res, 400, {}, JSON.stringify({ message }));
    }
    const now = Date.now();
    const subject = enforcer.subjects.subjectOf(
      flavour === 'nginx'
        ? {
            clientIp,
            method: header(req, c.methodHeader) ?? 'GET',
            host: header(req, c.hostHeader) ?? header(req, 'host'),
            uri: header(req, c.uriHeader) ?? '/',
            headers: req.headers,
          }
        : {
            clientIp,
            method: req.method ?? 'GET',
            host: header(req, 'host'),
            uri: url.slice(ENVOY_CHECK_PREFIX.length) || '/',
            headers: req.headers,
          },
      now,
    );
    if (!subject.ok) {
      metrics.requests.inc({ api: 'check', status: '400' });
      return reply(res, 400, {}, JSON.stringify({ message: subject.detail, reason: subject.reason }));
    }
    const response = checkResponse(verdictOf(set.matching(subject.value, now)), now, {
      flavour,
      overRate: (w) => !enforcer.throttles.take(w.key, now),
    });
    reply(res, response.status, response.headers, response.body);
    metrics.checks.inc({ flavour, action: response.headers['x-vigil-action'] ?? 'allow' });
    metrics.checkSeconds.observe({ flavour }, Number(process.hrtime.bigint() - started) / 1e9);
  };
}
