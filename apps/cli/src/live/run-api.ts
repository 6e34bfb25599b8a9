/**
 * The HTTP face of `vigil run`, on node:http (the NestJS apps come later and will serve the same routes):
 *
 *   GET /v1/decisions   active decisions at the watermark, the records exactly as in the decisions file;
 *                       `?scope=ip&value=1.2.3.4` narrows them, `?include_shadow=true` adds shadow ones
 *   GET /v1/alerts      the most recent alerts, newest first (`?limit=N`, default 100)
 *   GET /metrics        Prometheus text
 *   GET /health         `{"status":"ok","watermark":…,"events":…,"models":[…]}`
 *
 * Anything else is a JSON 404; a method other than GET (or HEAD) is a JSON 405.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DECISION_SCOPES, decisionValueKey, type Alert, type Decision, type DecisionScope } from '@vigil/detection';
import { UsageError } from '../errors';

export interface RunView {
  /** Every decision in force at the watermark, shadow ones included. */
  activeDecisions(): readonly Decision[];
  recentAlerts(limit: number): readonly Alert[];
  readonly alertCapacity: number;
  health(): Record<string, unknown>;
  metrics(): Promise<{ readonly contentType: string; readonly body: string }>;
}

export const DEFAULT_ALERT_LIMIT = 100;

class BadRequest extends Error {}

export function runApiHandler(view: RunView): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://vigil');
    const route = ROUTES[url.pathname];
    if (!route) return json(res, 404, { error: 'not_found', path: url.pathname });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return json(res, 405, { error: 'method_not_allowed', method: req.method });
    }
    Promise.resolve()
      .then(() => route(view, url.searchParams, res))
      .catch((err: unknown) => {
        if (err instanceof BadRequest) json(res, 400, { error: 'bad_request', detail: err.message });
        else json(res, 500, { error: 'internal', detail: (err as Error).message });
      });
  };
}

type Route = (view: RunView, q: URLSearchParams, res: ServerResponse) => void | Promise<void>;

const ROUTES: Readonly<Record<string, Route>> = {
  '/v1/decisions': (view, q, res) => json(res, 200, filterDecisions(view.activeDecisions(), q)),
  '/v1/alerts': (view, q, res) => {
    const limit = q.has('limit') ? Number(q.get('limit')) : DEFAULT_ALERT_LIMIT;
    if (!(Number.isInteger(limit) && limit >= 1 && limit <= view.alertCapacity))
      throw new BadRequest(`limit must be a whole number from 1 to ${view.alertCapacity}`);
    json(res, 200, view.recentAlerts(limit));
  },
  '/health': (view, _q, res) => json(res, 200, view.health()),
  '/metrics': async (view, _q, res) => {
    const m = await view.metrics();
    res.writeHead(200, { 'content-type': m.contentType, 'cache-control': 'no-store' });
    res.end(m.body);
  },
};

/** `scope`, `value` (with `scope`) and `include_shadow` (true/false), sorted by time then id. */
export function filterDecisions(all: readonly Decision[], q: URLSearchParams): Decision[] {
  const scope = q.get('scope');
  const value = q.get('value');
  const shadow = q.get('include_shadow');
  if (scope !== null && !(DECISION_SCOPES as readonly string[]).includes(scope))
    throw new BadRequest(`scope must be one of ${DECISION_SCOPES.join(', ')}`);
  if (value !== null && scope === null) throw new BadRequest('value needs a scope');
  if (shadow !== null && !['true', 'false', '1', '0'].includes(shadow))
    throw new BadRequest('include_shadow must be true or false');
  const includeShadow = shadow === 'true' || shadow === '1';
  // A signature's value is matched in its text form (`method=POST&path=/login`), as on the decisions topic.
  const key = scope !== null && value !== null ? `${scope}:${value}` : null;
  return all
    .filter(
      (d) =>
        (includeShadow || !d.shadow) &&
        (scope === null || d.scope === (scope as DecisionScope)) &&
        (key === null || decisionValueKey(d.scope, d.value) === key),
    )
    .sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** `HOST:PORT`, `[v6]:PORT`, or `:PORT` (all interfaces); port 0 picks a free one. */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen must be HOST:PORT (e.g. 127.0.0.1:8080), got "${text}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Starts the server; resolves to the address it got (the chosen port when asked for 0). */
export async function startRunApi(view: RunView, at: ListenAddress): Promise<{ server: Server; url: string }> {
  const server = createServer(runApiHandler(view));
  // A client that never sends its request must not hold a connection (or shutdown) open.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL'
          ? new UsageError(`--listen ${at.host}:${at.port}: ${err.code}`)
          : err,
      );
    server.once('error', onError);
    server.listen({ host: at.host, port: at.port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return { server, url: `http://${host}:${a.port}` };
}

/** Stops accepting, drops idle keep-alive connections, waits for requests in flight. */
export function stopRunApi(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
