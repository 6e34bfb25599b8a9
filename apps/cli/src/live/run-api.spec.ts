import type { AddressInfo } from 'node:net';
import type { Alert, Decision } from '@vigil/detection';
import { filterDecisions, parseListen, startRunApi, stopRunApi, type RunView } from './run-api';

const decision = (o: Partial<Decision>): Decision => ({
  id: 'd1',
  ts: 1000,
  action: 'block',
  scope: 'ip',
  value: '203.0.113.7',
  ttlSeconds: 900,
  detector: 'credential-stuffing',
  score: 0.97,
  reasons: [],
  modelVersion: '1.0.0',
  shadow: false,
  ...o,
});

const q = (s: string) => new URLSearchParams(s);

describe('filterDecisions', () => {
  const all = [
    decision({ id: 'b', ts: 2000 }),
    decision({ id: 'a', ts: 2000, scope: 'principal', value: 'p-1', action: 'step_up' }),
    decision({ id: 'c', ts: 1000, shadow: true }),
    decision({ id: 's', ts: 500, scope: 'signature', value: { routeClass: 'login', userAgent: 'curl/8' } }),
  ];

  it('serves non-shadow decisions, oldest first, unless shadow ones are asked for', () => {
    expect(filterDecisions(all, q('')).map((d) => d.id)).toEqual(['s', 'a', 'b']);
    expect(filterDecisions(all, q('include_shadow=true')).map((d) => d.id)).toEqual(['s', 'c', 'a', 'b']);
  });

  it('narrows by scope and value, a signature by its text form', () => {
    expect(filterDecisions(all, q('scope=ip&value=203.0.113.7')).map((d) => d.id)).toEqual(['b']);
    expect(filterDecisions(all, q('scope=principal')).map((d) => d.id)).toEqual(['a']);
    expect(
      filterDecisions(all, q('scope=signature&value=routeClass=login%26userAgent=curl/8')).map((d) => d.id),
    ).toEqual(['s']);
    expect(filterDecisions(all, q('scope=ip&value=198.51.100.1'))).toEqual([]);
  });

  it('refuses an unknown scope, a value without a scope and a bad include_shadow', () => {
    expect(() => filterDecisions(all, q('scope=planet'))).toThrow(/scope must be one of/);
    expect(() => filterDecisions(all, q('value=1.2.3.4'))).toThrow(/needs a scope/);
    expect(() => filterDecisions(all, q('include_shadow=maybe'))).toThrow(/true or false/);
  });
});

describe('parseListen', () => {
  it('reads host:port, [v6]:port and :port', () => {
    expect(parseListen('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen(':9000')).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(parseListen('localhost:1')).toEqual({ host: 'localhost', port: 1 });
  });

  it('refuses what is not an address', () => {
    for (const bad of ['8080', '127.0.0.1', '127.0.0.1:70000', 'a:b', '::1:80'])
      expect(() => parseListen(bad)).toThrow();
  });
});

describe('the run API over HTTP', () => {
  const alert: Alert = {
    id: 'al1',
    ts: 1000,
    detector: 'credential-stuffing',
    severity: 'high',
    entity: { type: 'ip', value: '203.0.113.7' },
    score: 0.97,
    reasons: [],
    decisionIds: ['d1'],
  };
  const view: RunView = {
    activeDecisions: () => [decision({})],
    recentAlerts: (limit) => [alert].slice(0, limit),
    alertCapacity: 10,
    health: () => ({ status: 'ok' }),
    metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'vigil_up 1\n' }),
  };
  let base = '';
  let stop: () => Promise<void> = async () => undefined;
  beforeAll(async () => {
    const api = await startRunApi(view, { host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    stop = () => stopRunApi(api.server);
  });
  afterAll(() => stop());

  const get = async (path: string, init?: RequestInit) => {
    const res = await fetch(base + path, init);
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  it('answers each route', async () => {
    expect(JSON.parse((await get('/v1/decisions')).text)).toEqual([decision({})]);
    expect(JSON.parse((await get('/v1/alerts?limit=1')).text)).toEqual([alert]);
    expect(JSON.parse((await get('/health')).text)).toEqual({ status: 'ok' });
    expect(await get('/metrics')).toMatchObject({
      status: 200,
      type: 'text/plain; version=0.0.4',
      text: 'vigil_up 1\n',
    });
  });

  it('says 400, 404 and 405 in JSON', async () => {
    expect(await get('/v1/alerts?limit=0')).toMatchObject({ status: 400, type: expect.stringContaining('json') });
    expect(await get('/v1/alerts?limit=11')).toMatchObject({ status: 400 });
    expect(await get('/v1/nothing')).toMatchObject({ status: 404, text: '{"error":"not_found","path":"/v1/nothing"}' });
    expect(await get('/v1/decisions', { method: 'DELETE' })).toMatchObject({ status: 405 });
  });
});
