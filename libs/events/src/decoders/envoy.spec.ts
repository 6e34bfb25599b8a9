import {
  arbitraryJsonLines,
  assertNeverThrows,
  gatewayFixture,
  hashed,
  outcomeOf,
  summaryOf,
  testConfig,
  valueOf,
} from '../../../../test/fixtures/gateways';
import { ConfigError, type SourceConfigInput } from '../source-config';
import { createSourceDecoder } from '../source-decoder';
import { ENVOY_DEFAULT_FIELDS, createEnvoyDecoder } from './envoy';

/** An Envoy json_format record of a mobile login through the bank's load balancer; tests override a key or two. */
function envoyRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    start_time: '2024-06-17T09:00:01.204Z',
    method: 'POST',
    path: '/v2/auth/login',
    protocol: 'HTTP/2',
    response_code: 200,
    response_flags: '-',
    bytes_received: 312,
    bytes_sent: 1187,
    duration: 143,
    upstream_service_time: '139',
    x_forwarded_for: '203.0.113.24',
    user_agent: 'BankApp/5.12.0 (iPhone14,2; iOS 17.5.1)',
    request_id: '5c1f8e0a-3b9d-4c8e-9a51-2f7d6c0e4b11',
    authority: 'api.bank.example',
    upstream_host: '10.20.4.11:8443',
    downstream_remote_address: '10.0.3.17:41822',
    x_login_username: 'Alice.Nguyen@example.com',
    ...overrides,
  };
}

const line = (overrides: Record<string, unknown> = {}) => JSON.stringify(envoyRecord(overrides));
const rawOf = (overrides: Record<string, unknown> = {}, config: SourceConfigInput = {}) =>
  valueOf(createEnvoyDecoder(testConfig(config)).decode(line(overrides)));
const eventOf = (overrides: Record<string, unknown> = {}, config: SourceConfigInput = {}) =>
  valueOf(createSourceDecoder('envoy', testConfig(config)).decode(line(overrides)));

describe('Envoy decoder: RawRequest', () => {
  it('reads the default json_format keys', () => {
    const { record, ...raw } = rawOf();
    expect(record).toEqual(envoyRecord());
    expect(raw).toEqual({
      gateway: 'envoy',
      ts: Date.UTC(2024, 5, 17, 9, 0, 1, 204),
      requestId: '5c1f8e0a-3b9d-4c8e-9a51-2f7d6c0e4b11',
      remoteAddr: '10.0.3.17:41822',
      forwardedFor: '203.0.113.24',
      method: 'POST',
      host: 'api.bank.example',
      uri: '/v2/auth/login',
      malformed: null,
      status: 200,
      bytesIn: 312,
      bytesOut: 1187,
      latencyMs: 143,
      userAgent: 'BankApp/5.12.0 (iPhone14,2; iOS 17.5.1)',
      headers: { 'x-login-username': 'Alice.Nguyen@example.com' },
      consumerName: null,
      authenticatedId: null,
      routeTemplateHint: null,
      tlsFingerprint: null,
      clientCertVerified: false,
    });
  });

  it('accepts numbers written as strings and "-" or null for unset operators (older json_format)', () => {
    const raw = rawOf({ response_code: '201', bytes_received: '12', bytes_sent: '-', duration: null, user_agent: '-' });
    expect([raw.status, raw.bytesIn, raw.bytesOut, raw.latencyMs, raw.userAgent]).toEqual([201, 12, null, 139, null]);
  });

  it('falls back to the direct TCP peer when downstream_remote_address is not logged', () => {
    const raw = rawOf({ downstream_remote_address: undefined, downstream_direct_remote_address: '[2001:db8::7]:443' });
    expect(raw.remoteAddr).toBe('[2001:db8::7]:443');
  });

  it('reads headers under their own name, with underscores, and from a nested request_headers object', () => {
    const raw = rawOf({
      x_login_username: undefined,
      'x-device-id': 'dev-1',
      x_session_id: 'ms-1',
      cookie: 'sid=abc',
      request_headers: { Authorization: 'Bearer t', 'X-Device-Id': 'dev-nested', 'X-Bad': 7 },
    });
    expect(raw.headers).toEqual({
      authorization: 'Bearer t',
      'x-device-id': 'dev-nested',
      'x-session-id': 'ms-1',
      cookie: 'sid=abc',
    });
  });

  it('looks for the headers the source config names', () => {
    const raw = rawOf({ x_customer_login: 'bob' }, { principal: { loginHeader: 'X-Customer-Login' } });
    expect(raw.headers).toEqual({ 'x-customer-login': 'bob' });
  });

  it('takes overridden keys from config.fields, dotted keys into nested objects', () => {
    const raw = rawOf(
      {
        start_time: undefined,
        ts: '1718614801',
        downstream_remote_address: undefined,
        client: { addr: '192.0.2.1:9' },
        login: 'carol',
      },
      { fields: { start_time: 'ts', downstream_remote_address: 'client.addr', 'header.x-login-username': 'login' } },
    );
    // The overridden header key replaces the default one: x_login_username is no longer read.
    expect([raw.ts, raw.remoteAddr, raw.headers]).toEqual([
      1718614801000,
      '192.0.2.1:9',
      { 'x-login-username': 'carol' },
    ]);
  });

  it('refuses config.fields keys it does not read', () => {
    expect(() => createEnvoyDecoder(testConfig({ fields: { start_tme: 'ts' } }))).toThrow(ConfigError);
  });

  it('keeps a request that got no response (RESPONSE_CODE 0, flag DC) as 499', () => {
    expect(rawOf({ response_code: '0', response_flags: 'DC' }).status).toBe(499);
  });

  it('prefers JA4 over JA3 and reads the operator names too', () => {
    expect(rawOf({ ja3: 'ja3hash', ja4: 't13d1516h2_8daaf6152771_b186095e22b6' }).tlsFingerprint).toBe(
      't13d1516h2_8daaf6152771_b186095e22b6',
    );
    expect(rawOf({ downstream_tls_ja3_fingerprint: 'ja3hash' }).tlsFingerprint).toBe('ja3hash');
  });

  it('marks mTLS from a peer certificate or the XFCC header Envoy sets', () => {
    expect(rawOf({ downstream_peer_cert_v_start: '2024-01-01T00:00:00.000Z' }).clientCertVerified).toBe(true);
    expect(rawOf({ x_forwarded_client_cert: 'Hash=1f2e;Subject="CN=partner"' }).clientCertVerified).toBe(true);
    expect(rawOf({ downstream_peer_subject: null }).clientCertVerified).toBe(false);
  });
});

describe('Envoy decoder: AccessEvent', () => {
  it('finds the real client behind the trusted load balancer, skipping spoofed hops', () => {
    expect(eventOf({ x_forwarded_for: '198.51.100.77, 203.0.113.9, 10.0.2.8' }).clientIp).toBe('203.0.113.9');
    expect(eventOf({}, { trustedProxies: [] }).clientIp).toBe('10.0.3.17');
  });

  it('attributes a login to the x-login-username header, hashed and case-folded', () => {
    const e = eventOf();
    expect([e.principal, e.principalSource, e.routeClass]).toEqual([
      hashed('p', 'alice.nguyen@example.com'),
      'login_header',
      'login',
    ]);
    expect(eventOf({ path: '/v2/payees' }).principal).toBeNull();
  });

  it('templates and classifies the route, masking the account number', () => {
    const e = eventOf({ method: 'GET', path: '/v2/accounts/12345678?view=full' });
    expect([e.path, e.query, e.routeTemplate, e.routeClass, e.sensitive]).toEqual([
      '/v2/accounts/****5678',
      'view=full',
      '/v2/accounts/{id}',
      'data-read',
      ['account_number'],
    ]);
  });

  it('carries status, bytes, latency (ms) and event time (ms)', () => {
    const e = eventOf({ response_code: '503', bytes_received: '711', bytes_sent: 91, duration: '3002' });
    expect([e.status, e.bytesIn, e.bytesOut, e.latencyMs, e.ts]).toEqual([503, 711, 91, 3002, 1718614801204]);
  });

  it('decodes every record of envoy.ndjson', () => {
    const decoder = createSourceDecoder('envoy', testConfig());
    expect(gatewayFixture('envoy.ndjson').map((l) => summaryOf(valueOf(decoder.decode(l))))).toEqual([
      '203.0.113.24 POST /v2/auth/login login 200 login_header none',
      '203.0.113.24 POST /v2/auth/mfa mfa 200 login_header session_cookie',
      '203.0.113.24 GET /v2/accounts/{id} data-read 200 - bearer',
      '203.0.113.24 GET /v2/accounts/{uuid}/transactions data-read 200 - bearer',
      '203.0.113.24 POST /v2/payments payment 201 - bearer',
      '198.51.100.14 GET /v2/payees account-change 200 - session_cookie',
      '198.51.100.14 POST /v2/payees account-change 201 - session_cookie',
      '198.51.100.14 GET /static/js/app.3f9c2b.js static 200 - none',
      '198.51.100.14 GET /favicon.ico static 304 - none',
      '10.0.0.1 GET /healthz health 200 - none',
      '2001:db8:4f2a:100::25 POST /v2/auth/login login 401 login_header none',
      '203.0.113.9 POST /v2/auth/login login 401 login_header none',
      '203.0.113.24 GET /v2/accounts/{id}/statements data-read 499 - session_cookie',
      '203.0.113.24 POST /v2/payments payment 503 - session_cookie',
      '192.0.2.45 GET /open-banking/v3.1/aisp/accounts other 200 - mtls',
      '192.0.2.80 GET /v2/balances data-read 200 - api_key',
      '2001:db8:aa::7 POST /v2/auth/password-reset password-reset 202 login_header none',
    ]);
  });
});

describe('Envoy decoder: hostile records', () => {
  const decoder = createSourceDecoder('envoy', testConfig());

  it('dead-letters or sanitises each line of envoy-hostile.ndjson', () => {
    expect(gatewayFixture('envoy-hostile.ndjson').map((l) => outcomeOf(decoder.decode(l)))).toEqual([
      'malformed_json', // cut off mid-record
      'not_an_object',
      'invalid_status', // "two hundred"
      'missing_field', // no downstream address
      'invalid_ip', // 999.1.2.3
      'invalid_timestamp', // "yesterday at noon"
      'ok control_chars', // NUL and ANSI escapes in the path, CRLF in the user agent
      'ok', // ../../etc/passwd and <script> are kept for detection, as text
      'ok user_agent_truncated', // 10 KB user agent
      'invalid_field_type', // method is an object
      'invalid_field_type', // path is an array
      'invalid_field_type', // negative bytes_sent
    ]);
  });

  it('refuses a multi-megabyte line before parsing it, and survives one when called directly', () => {
    const huge = line({ path: `/v2/accounts/${'9'.repeat(3 * 1024 * 1024)}` });
    expect(outcomeOf(decoder.decode(huge))).toBe('record_too_large');
    expect(createEnvoyDecoder(testConfig()).decode(huge).ok).toBe(true);
  });

  it('never throws on arbitrary lines or objects', () => {
    const keys = [...Object.values(ENVOY_DEFAULT_FIELDS).flat(), 'x_login_username', 'cookie', 'request_headers'];
    assertNeverThrows(decoder, arbitraryJsonLines(keys, line));
  });
});
