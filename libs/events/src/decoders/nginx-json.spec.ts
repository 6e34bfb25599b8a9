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
import { createNginxDecoder } from './nginx';
import { createNginxJsonDecoder } from './nginx-json';
import { NGINX_VARIABLES } from './nginx-variables';

/** An `escape=json` record of a mobile login through the bank's load balancer; keys are variable names. */
function nginxJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    time_iso8601: '2024-06-17T09:00:01+00:00',
    msec: '1718614801.204',
    remote_addr: '10.0.3.17',
    request_id: '5c1f8e0a3b9d4c8e9a512f7d6c0e4b11',
    request: 'POST /v2/auth/login HTTP/1.1',
    status: '200',
    body_bytes_sent: '1187',
    request_length: '540',
    request_time: '0.143',
    upstream_response_time: '0.139',
    http_host: 'api.bank.example',
    http_user_agent: 'BankApp/5.12.0 (iPhone14,2; iOS 17.5.1)',
    http_x_forwarded_for: '198.51.100.77, 203.0.113.9',
    http_x_login_username: 'Alice.Nguyen@example.com',
    ...overrides,
  };
}

const line = (overrides: Record<string, unknown> = {}) => JSON.stringify(nginxJson(overrides));
const rawOf = (overrides: Record<string, unknown> = {}, config: SourceConfigInput = {}) =>
  valueOf(createNginxJsonDecoder(testConfig(config)).decode(line(overrides)));
const eventOf = (overrides: Record<string, unknown> = {}, config: SourceConfigInput = {}) =>
  valueOf(createSourceDecoder('nginx-json', testConfig(config)).decode(line(overrides)));

describe('NGINX JSON decoder: RawRequest', () => {
  it('reads keys named after NGINX variables, every http_* as a header', () => {
    const { record, ...raw } = rawOf();
    expect(record).toEqual(nginxJson());
    expect(raw).toEqual({
      gateway: 'nginx-json',
      ts: 1718614801204,
      requestId: '5c1f8e0a3b9d4c8e9a512f7d6c0e4b11',
      remoteAddr: '10.0.3.17',
      forwardedFor: '198.51.100.77, 203.0.113.9',
      method: 'POST',
      host: 'api.bank.example',
      uri: '/v2/auth/login',
      malformed: null,
      status: 200,
      bytesIn: 540,
      bytesOut: 1187,
      latencyMs: 143,
      userAgent: 'BankApp/5.12.0 (iPhone14,2; iOS 17.5.1)',
      headers: {
        host: 'api.bank.example',
        'user-agent': 'BankApp/5.12.0 (iPhone14,2; iOS 17.5.1)',
        'x-forwarded-for': '198.51.100.77, 203.0.113.9',
        'x-login-username': 'Alice.Nguyen@example.com',
      },
      consumerName: null,
      authenticatedId: null,
      routeTemplateHint: null,
      tlsFingerprint: null,
      clientCertVerified: false,
    });
  });

  it('adds cookie_* variables to the logged cookie header', () => {
    expect(rawOf({ http_cookie: 'lang=en', cookie_sid: 's-42', cookie_did: '' }).headers['cookie']).toBe(
      'lang=en; sid=s-42',
    );
  });

  it('accepts unquoted numbers and falls back to request_method + request_uri', () => {
    const raw = rawOf({ request: undefined, request_method: 'GET', request_uri: '/v2/payees?page=2', status: 200 });
    expect([raw.method, raw.uri, raw.status]).toEqual(['GET', '/v2/payees?page=2', 200]);
    expect(rawOf({ request: undefined, request_method: 'GET', uri: '/v2/payees', args: 'page=3' }).uri).toBe(
      '/v2/payees?page=3',
    );
  });

  it('sums upstream times when request_time is not logged', () => {
    expect(rawOf({ request_time: undefined, upstream_response_time: '1.500, 1.501 : 0.002' }).latencyMs).toBe(3003);
  });

  it('reads a variable from the key config.fields names, and only from there', () => {
    const raw = rawOf(
      { time: '2024-06-17T09:00:02+00:00', msec: undefined, time_iso8601: '2024-06-17T09:00:03+00:00', login: 'bob' },
      { fields: { time_iso8601: 'time', http_x_login_username: 'login' } },
    );
    expect([raw.ts, raw.headers['x-login-username']]).toEqual([1718614802000, 'bob']);
  });

  it('refuses config.fields keys that are not variables it reads', () => {
    expect(() => createNginxJsonDecoder(testConfig({ fields: { remote_user: 'user' } }))).toThrow(ConfigError);
    expect(() => createNginxJsonDecoder(testConfig({ fields: { http_x_device_id: 'device' } }))).not.toThrow();
  });

  it('maps the same variables exactly like the text decoder', () => {
    const format = `${NGINX_VARIABLES.map((v) => `"$${v}"`).join(' ')} "$http_x_device_id" "$cookie_sid"`;
    const values: Record<string, string> = {
      ...Object.fromEntries(NGINX_VARIABLES.map((v) => [v, '-'])),
      remote_addr: '2001:db8::25',
      time_local: '17/Jun/2024:09:00:01 +0000',
      request: 'GET /v2/balances HTTP/1.1',
      status: '200',
      bytes_sent: '612',
      request_time: '0.029',
      host: 'api.bank.example',
      ssl_client_verify: 'SUCCESS',
      http_x_device_id: 'dev-1',
      cookie_sid: 's-1',
    };
    const text = [...NGINX_VARIABLES, 'http_x_device_id', 'cookie_sid'].map((v) => `"${values[v]}"`).join(' ');
    const fromText = valueOf(createNginxDecoder(testConfig({ nginxLogFormat: format })).decode(text));
    const fromJson = valueOf(createNginxJsonDecoder(testConfig()).decode(JSON.stringify(values)));
    expect({ ...fromJson, gateway: 'nginx', record: null }).toEqual(fromText);
  });
});

describe('NGINX JSON decoder: AccessEvent', () => {
  it('finds the real client behind the trusted load balancer', () => {
    expect(eventOf().clientIp).toBe('203.0.113.9');
    expect(eventOf({ remote_addr: '2001:db8:4f2a:100::25', http_x_forwarded_for: '' }).clientIp).toBe(
      '2001:db8:4f2a:100::25',
    );
  });

  it('attributes a login to http_x_login_username, and a session to cookie_sid', () => {
    const login = eventOf();
    expect([login.principal, login.principalSource]).toEqual([hashed('p', 'alice.nguyen@example.com'), 'login_header']);
    expect(eventOf({ request: 'GET /v2/payees HTTP/2.0', cookie_sid: 's-42' }).sessionId).toBe(hashed('s', 's-42'));
  });

  it('templates and classifies, with latency in ms and event time from msec', () => {
    const e = eventOf({ request: 'POST /v2/payments HTTP/1.1', status: '502', request_time: '3.002' });
    expect([e.routeTemplate, e.routeClass, e.status, e.latencyMs, e.bytesIn, e.ts]).toEqual([
      '/v2/payments',
      'payment',
      502,
      3002,
      540,
      1718614801204,
    ]);
  });

  it('decodes every record of nginx.ndjson', () => {
    const decoder = createSourceDecoder('nginx-json', testConfig());
    expect(gatewayFixture('nginx.ndjson').map((l) => summaryOf(valueOf(decoder.decode(l))))).toEqual([
      '203.0.113.24 POST /v2/auth/login login 200 login_header none',
      '203.0.113.24 POST /v2/auth/mfa mfa 200 login_header session_cookie',
      '203.0.113.24 GET /v2/accounts/{id} data-read 200 - session_cookie',
      '203.0.113.24 POST /v2/payments payment 201 - session_cookie',
      '198.51.100.14 GET /v2/payees account-change 200 - session_cookie',
      '198.51.100.14 POST /v2/payees account-change 201 - session_cookie',
      '198.51.100.14 GET /static/js/app.3f9c2b.js static 200 - none',
      '10.0.0.1 GET /healthz health 200 - none',
      '2001:db8:4f2a:100::25 POST /v2/auth/login login 401 login_header none',
      '203.0.113.9 POST /v2/auth/login login 401 login_header none',
      '203.0.113.24 GET /v2/accounts/{id}/statements data-read 499 - session_cookie',
      '203.0.113.24 POST /v2/payments payment 502 - session_cookie',
      '192.0.2.45 GET /open-banking/v3.1/aisp/accounts other 200 - mtls',
      '192.0.2.80 GET /v2/balances data-read 200 - api_key',
      '2001:db8:aa::7 POST /v2/auth/password-reset password-reset 202 login_header none',
    ]);
  });
});

describe('NGINX JSON decoder: hostile records', () => {
  const decoder = createSourceDecoder('nginx-json', testConfig());

  it('dead-letters, flags or sanitises each line of nginx-hostile.ndjson', () => {
    expect(gatewayFixture('nginx-hostile.ndjson').map((l) => outcomeOf(decoder.decode(l)))).toEqual([
      'malformed_json', // \xHH escapes: the format lacks escape=json
      'not_an_object',
      'invalid_status', // status is an object
      'missing_field', // no remote_addr
      'invalid_ip', // not-an-ip
      'invalid_timestamp', // hour 25
      'ok malformed:binary,control_chars', // a TLS ClientHello as the request line
      'ok malformed:bad_target,control_chars', // BEL and ANSI escapes in the path, U+2028 in the user agent
      'ok', // ../../etc/passwd and <script> are kept for detection, as text
      'ok user_agent_truncated', // 10 KB user agent
      'invalid_field_type', // request_time "fast"
    ]);
  });

  it.each([
    ['no request line ("" in escape=json)', '', 'UNKNOWN', '', 'empty'],
    ['no request line ("-")', '-', 'UNKNOWN', '', 'empty'],
    ['a TLS ClientHello', '\u0016\u0003\u0001\u0002\u0000', 'UNKNOWN', '\uFFFD'.repeat(5), 'binary'],
    ['the HTTP/2 preface', 'PRI * HTTP/2.0', 'PRI', '/*', 'h2_preface'],
    ['a target with spaces and no protocol', 'GET /a b c', 'GET', '/a b c', 'no_protocol'],
    ['a lower-case method', 'get /v2/payees HTTP/1.1', 'get', '/v2/payees', 'bad_method'],
  ])('reads %s as an event flagged like the text decoder does', (_what, request, method, path, malformed) => {
    const e = eventOf({ request, status: '400', http_user_agent: 'zgrab/0.x', http_x_login_username: '' });
    expect([e.method, e.path, e.routeClass, e.malformed, e.status, e.userAgent, e.clientIp]).toEqual([
      method,
      path,
      'other',
      malformed,
      400,
      'zgrab/0.x',
      '203.0.113.9',
    ]);
  });

  it('survives a flood of distinct http_* keys', () => {
    const flood = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`http_x_${i}`, 'v']));
    expect(rawOf(flood).headers['x-9999']).toBe('v');
  });

  it('never throws on arbitrary lines or objects', () => {
    const keys = [
      ...NGINX_VARIABLES,
      'http_cookie',
      'http_x_login_username',
      'cookie_sid',
      '__proto__',
      'http___proto__',
    ];
    assertNeverThrows(decoder, arbitraryJsonLines(keys, line));
  });
});
