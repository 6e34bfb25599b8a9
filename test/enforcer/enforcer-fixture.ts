/**
 * The enforcer in-process for integration tests, built through `createEnforcerApp` from a config
 * `parseEnforcerConfig` validated (the surface `main.ts` uses), reading the decisions topic of a Kafka
 * broker or a decisions file; plus builders for the traffic and decisions the tests feed it.
 */
import type { AddressInfo } from 'node:net';
import type { Decision } from '@vigil/detection';
import { createLogger } from '@vigil/platform';
import { createEnforcerApp, parseEnforcerConfig, type EnforcerApp } from '@vigil/enforcer';
import { kongRecord } from '../fixtures/builders/kong-record';

export const KEYS = {
  bouncer: 'bouncer-key-0123456789abcdef',
  check: 'check-key-0123456789abcdef',
  push: 'push-key-0123456789abcdef',
  lists: 'lists-key-0123456789abcdef',
  admin: 'admin-key-0123456789abcdef',
} as const;

export interface RunningEnforcer {
  readonly app: EnforcerApp;
  readonly url: string;
  /** fetch against the enforcer with one of the KEYS in X-Api-Key. */
  get(path: string, key?: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

export async function startEnforcer(
  decisions: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<RunningEnforcer> {
  const config = parseEnforcerConfig({
    decisions,
    apiKeys: Object.entries(KEYS).map(([role, key]) => ({ name: `${role}-point`, key, roles: [role] })),
    http: { host: '127.0.0.1', port: 0 },
    logLevel: 'warn',
    source: { hashing: { key: 'enforcer-test-hash-key-0123456789' } },
    ...extra,
  });
  const app = await createEnforcerApp(config, {
    log: createLogger({ name: 'enforcer-test', level: 'warn' }),
    defaultMetrics: false,
  });
  await app.app.listen(0, '127.0.0.1');
  const { port } = app.app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    get: (path, key, init = {}) =>
      fetch(`${url}${path}`, {
        ...init,
        headers: { ...(key ? { 'x-api-key': key } : {}), ...(init.headers as Record<string, string>) },
      }),
    stop: () => app.app.close(),
  };
}

/**
 * A credential-stuffing burst the detector blocks by address: `count` failed logins from one address,
 * each for another account, 250 ms apart, ending `endsAgoMs` before now.
 */
export function stuffingBurst(ip: string, count = 240, endsAgoMs = 5_000): string[] {
  const start = Date.now() - endsAgoMs - count * 250;
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify(
      kongRecord({
        clientIp: ip,
        status: 401,
        startedAt: start + i * 250,
        headers: {
          'x-login-username': `victim${i}@example.com`,
          'x-request-id': `burst-${ip}-${i}`,
          cookie: `sid=s-${i}`,
        },
      }),
    ),
  );
}

/** A decision as the detector writes it. */
export function decision(over: Partial<Decision> = {}): Decision {
  return {
    id: `test-${Math.random().toString(16).slice(2)}`,
    ts: Date.now(),
    action: 'block',
    scope: 'ip',
    value: '198.51.100.200',
    ttlSeconds: 600,
    detector: 'credential-stuffing',
    score: 0.99,
    reasons: [{ feature: 'ip.loginFailures10m', value: 40, baseline: 0 }],
    modelVersion: 'test',
    shadow: false,
    ...over,
  };
}
