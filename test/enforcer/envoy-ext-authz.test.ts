/**
 * The enforcer as Envoy's ext_authz HTTP service (deploy/envoy/envoy.yaml): check requests shaped as
 * Envoy sends them — the original method, `path_prefix` + the original path and query, the original Host,
 * the allowed client headers, X-Forwarded-For with the peer Envoy appended, and the headers_to_add key.
 * No Envoy binary is packaged for Debian, so the requests are Envoy's by construction, per its docs:
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/ext_authz_filter
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSourceDecoder, parseSourceConfig } from '@vigil/events';
import { CHECK_KEY_HEADER, ENVOY_CHECK_PREFIX } from '@vigil/enforcer';
import { kongRecord } from '../fixtures/builders/kong-record';
import { waitFor } from '../detector/detector-fixture';
import { KEYS, decision, startEnforcer, type RunningEnforcer } from './enforcer-fixture';

const SOURCE = { hashing: { key: 'envoy-test-hash-key-0123456789' } };

function sessionOf(sid: string): string {
  const decoded = createSourceDecoder('kong', parseSourceConfig(SOURCE)).decode(
    JSON.stringify(kongRecord({ uri: '/v1/accounts', headers: { cookie: `sid=${sid}` } })),
  );
  if (!decoded.ok || !decoded.value.sessionId) throw new Error('no session decoded');
  return decoded.value.sessionId;
}

describe('Envoy ext_authz checks', () => {
  let enforcer: RunningEnforcer;
  const check = (path: string, client: string, headers: Record<string, string> = {}, method = 'GET') =>
    fetch(`${enforcer.url}${ENVOY_CHECK_PREFIX}${path}`, {
      method,
      headers: {
        host: 'api.bank.example',
        // A client-sent X-Forwarded-For hop, then the peer Envoy appended: only the last one counts.
        'x-forwarded-for': `10.9.9.9, ${client}`,
        [CHECK_KEY_HEADER]: KEYS.check,
        ...headers,
      },
    });

  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-envoy-')), 'decisions.ndjson');
    writeFileSync(
      file,
      [
        decision({ value: '203.0.113.66' }),
        decision({ value: '203.0.113.88', action: 'throttle' }),
        decision({
          scope: 'session',
          value: sessionOf('stolen-session'),
          action: 'revoke_session',
          detector: 'account-takeover',
        }),
        decision({ scope: 'country', value: 'KP', action: 'challenge', detector: 'geo' }),
      ]
        .map((d) => JSON.stringify(d) + '\n')
        .join(''),
    );
    enforcer = await startEnforcer({ file }, { source: SOURCE, check: { throttle: { perSecond: 0.001, burst: 2 } } });
    await waitFor('decisions read', () => enforcer.app.enforcer.feed.decisions.size === 4, 10_000);
  });

  afterAll(() => enforcer?.stop());

  it('denies a blocked client with 403 and a JSON body Envoy hands to it', async () => {
    const res = await check('/v1/payments?amount=10', '203.0.113.66', {}, 'POST');
    expect(res.status).toBe(403);
    expect(res.headers.get('x-vigil-action')).toBe('block');
    expect(await res.json()).toMatchObject({ action: 'block', message: 'request blocked' });
    // The forged first hop is not the client: 10.9.9.9 is not what was blocked, and is not what is checked.
    expect((await check('/v1/payments', '192.0.2.1', { 'x-forwarded-for': '203.0.113.66, 192.0.2.1' })).status).toBe(
      200,
    );
  });

  it('revokes a stolen session with 401, whatever the address', async () => {
    const res = await check('/v1/accounts', '192.0.2.50', { cookie: 'lang=en; sid=stolen-session' });
    expect([res.status, res.headers.get('x-vigil-action')]).toEqual([401, 'revoke_session']);
    expect((await check('/v1/accounts', '192.0.2.50', { cookie: 'sid=another' })).status).toBe(200);
  });

  it('challenges by country from the CDN header, and throttles with 429 past the rate', async () => {
    const res = await check('/v1/accounts', '192.0.2.60', { 'cf-ipcountry': 'kp' });
    expect([res.status, res.headers.get('x-vigil-action')]).toEqual([200, 'challenge']);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await check('/v1/accounts', '203.0.113.88')).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
  });

  it('answers a hostile or broken check with 400, not an error', async () => {
    expect((await check('/x', 'not an address')).status).toBe(400);
    const long = await check(`/${'a'.repeat(6000)}`, '192.0.2.70', { 'user-agent': 'x\u00e9'.repeat(2000) });
    expect(long.status).toBe(200);
    expect(
      (await fetch(`${enforcer.url}${ENVOY_CHECK_PREFIX}/`, { headers: { 'x-forwarded-for': '192.0.2.1' } })).status,
    ).toBe(403);
  });
});
