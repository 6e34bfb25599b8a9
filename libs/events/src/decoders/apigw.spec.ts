import fc from 'fast-check';
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
import { APIGW_DEFAULT_FIELDS, createApiGatewayDecoder, templateUnderPrefix, withoutStage } from './apigw';

/** AWS's REST example format ($context values are strings, `-` when unset) for a call on the custom domain. */
function restRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    ip: '203.0.113.24',
    caller: '-',
    user: '-',
    requestTime: '17/Jun/2024:09:00:04 +0000',
    httpMethod: 'GET',
    resourcePath: '/accounts/{accountId}',
    status: '200',
    protocol: 'HTTP/1.1',
    responseLength: '2214',
    ...overrides,
  };
}

/** AWS's HTTP API example format plus the keys commonly added to it. */
function httpApiRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    requestId: 'ZkT3aiTBjoEEMsQ=',
    ip: '203.0.113.24',
    requestTime: '17/Jun/2024:09:00:01 +0000',
    requestTimeEpoch: '1718614801204',
    httpMethod: 'POST',
    routeKey: 'POST /auth/login',
    path: '/auth/login',
    stage: '$default',
    status: '200',
    protocol: 'HTTP/1.1',
    responseLength: '1187',
    responseLatency: '143',
    integrationLatency: '139',
    domainName: 'api.bank.example',
    userAgent: 'BankApp/5.12.0 (iPhone14,2; iOS 17.5.1)',
    ...overrides,
  };
}

const json = (r: Record<string, unknown>) => JSON.stringify(r);
const rawOf = (record: Record<string, unknown>, config: SourceConfigInput = {}) =>
  valueOf(createApiGatewayDecoder(testConfig(config)).decode(json(record)));
const eventOf = (record: Record<string, unknown>, config: SourceConfigInput = {}) =>
  valueOf(createSourceDecoder('apigw', testConfig(config)).decode(json(record)));

describe('withoutStage and templateUnderPrefix', () => {
  it.each([
    ['/prod/accounts/1', 'prod', '/accounts/1'],
    ['/prod', 'prod', '/'],
    ['/production/x', 'prod', '/production/x'],
    ['/accounts/1', '$default', '/accounts/1'],
    ['/accounts/1', null, '/accounts/1'],
  ])('%s without stage %s is %s', (path, stage, expected) => {
    expect(withoutStage(path, stage)).toBe(expected);
  });

  it.each([
    ['/accounts/42', '/accounts/{id}', '/accounts/{id}'],
    ['/v1/accounts/42/', '/accounts/{id}', '/v1/accounts/{id}'],
    ['/bank/v1/accounts/42?x=1', '/accounts/{id}', '/bank/v1/accounts/{id}'],
    ['/v1', '/', '/v1'],
    ['/payees/42', '/accounts/{id}', null],
    ['/42', '/accounts/{id}', null],
  ])('%s under %s is %s', (path, template, expected) => {
    expect(templateUnderPrefix(path, template)).toBe(expected);
  });
});

describe('API Gateway decoder: RawRequest', () => {
  it("reads AWS's REST example format, with resourcePath as path and template", () => {
    const { record, ...raw } = rawOf(restRecord());
    expect(record).toEqual(restRecord());
    expect(raw).toEqual({
      gateway: 'apigw',
      ts: Date.UTC(2024, 5, 17, 9, 0, 4),
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      remoteAddr: '203.0.113.24',
      forwardedFor: null,
      method: 'GET',
      host: null,
      uri: '/accounts/{accountId}',
      malformed: null,
      status: 200,
      bytesIn: null,
      bytesOut: 2214,
      latencyMs: null,
      userAgent: null,
      headers: {},
      consumerName: null,
      authenticatedId: null,
      routeTemplateHint: '/accounts/{accountId}',
      tlsFingerprint: null,
      clientCertVerified: false,
    });
  });

  it('reads the HTTP API format: epoch ms, latency, host, user agent, routeKey as template', () => {
    const raw = rawOf(httpApiRecord({ path: '/auth/login/' }));
    expect(raw).toMatchObject({
      ts: 1718614801204,
      method: 'POST',
      uri: '/auth/login/',
      routeTemplateHint: '/auth/login',
      latencyMs: 143,
      host: 'api.bank.example',
      userAgent: 'BankApp/5.12.0 (iPhone14,2; iOS 17.5.1)',
    });
  });

  it('takes the method from routeKey when httpMethod is not logged', () => {
    expect(
      rawOf(httpApiRecord({ httpMethod: undefined, routeKey: 'DELETE /payees/{id}', path: '/payees/9' })).method,
    ).toBe('DELETE');
  });

  it('drops the stage from the path and keeps a base path under the template', () => {
    const onStage = rawOf(restRecord({ path: '/prod/accounts/42', stage: 'prod' }));
    expect([onStage.uri, onStage.routeTemplateHint]).toEqual(['/accounts/42', '/accounts/{accountId}']);
    const onDomain = rawOf(restRecord({ path: '/v1/accounts/42', stage: 'prod' }));
    expect([onDomain.uri, onDomain.routeTemplateHint]).toEqual(['/v1/accounts/42', '/v1/accounts/{accountId}']);
  });

  it('gives no template for $default, greedy routes, or a template that does not fit the path', () => {
    for (const overrides of [
      { routeKey: '$default', path: '/wp-login.php' },
      { routeKey: 'ANY /static/{proxy+}', path: '/static/css/main.css' },
      { routeKey: 'GET /accounts/{id}', path: '/payees/1' },
    ]) {
      expect(rawOf(httpApiRecord(overrides)).routeTemplateHint).toBeNull();
    }
  });

  it('drops a template the normalizer would have to clean, cap or mask', () => {
    for (const prefix of ['/\u0000\u001b[31m', `/${'x'.repeat(5000)}`, '/4111111111111111', '/a b']) {
      const raw = rawOf(restRecord({ path: `${prefix}/accounts/42` }));
      expect(raw.routeTemplateHint).toBeNull();
    }
    expect(rawOf(restRecord({ resourcePath: '/accounts/{\u0007}', path: undefined })).routeTemplateHint).toBeNull();
  });

  it('dead-letters a record with neither a path nor a template', () => {
    const result = createApiGatewayDecoder(testConfig()).decode(
      json(httpApiRecord({ path: '-', routeKey: '$default' })),
    );
    expect(result.ok ? 'ok' : result.reason).toBe('missing_field');
  });

  it('reads the authorizer principal flattened, dotted or nested, then Cognito sub, then IAM user', () => {
    expect(rawOf(restRecord({ 'authorizer.principalId': 'cust-1' })).authenticatedId).toBe('cust-1');
    expect(rawOf(restRecord({ principalId: 'cust-2' })).authenticatedId).toBe('cust-2');
    expect(rawOf(restRecord({ authorizer: { claims: { sub: 'sub-3' } } })).authenticatedId).toBe('sub-3');
    expect(rawOf(restRecord({ user: 'AROAEXAMPLE:app' })).authenticatedId).toBe('AROAEXAMPLE:app');
  });

  it('hands the API key id to the normalizer as the configured API-key header', () => {
    expect(rawOf(restRecord({ apiKeyId: 'k9x2m4p7q1' })).headers).toEqual({ apikey: 'k9x2m4p7q1' });
    expect(rawOf(restRecord({ apiKeyId: 'k9' }), { apiKey: { headers: ['x-client-key'] } }).headers).toEqual({
      'x-client-key': 'k9',
    });
  });

  it('marks mTLS when a client certificate is logged', () => {
    expect(rawOf(restRecord({ 'identity.clientCert.serialNumber': '1a:2b' })).clientCertVerified).toBe(true);
  });

  it('reads keys renamed through config.fields and refuses unknown ones', () => {
    const raw = rawOf(restRecord({ ip: undefined, clientIp: '192.0.2.9', ts: '1718614801' }), {
      fields: { 'identity.sourceIp': 'clientIp', requestTimeEpoch: 'ts' },
    });
    expect([raw.remoteAddr, raw.ts]).toEqual(['192.0.2.9', 1718614801000]);
    expect(() => createApiGatewayDecoder(testConfig({ fields: { sourceIp: 'ip' } }))).toThrow(ConfigError);
  });
});

describe('API Gateway decoder: AccessEvent', () => {
  it('takes the source IP as the client (API Gateway logs no X-Forwarded-For)', () => {
    expect(eventOf(httpApiRecord({ ip: '2001:db8:4f2a:100::25' })).clientIp).toBe('2001:db8:4f2a:100::25');
  });

  it('attributes calls to the authorizer principal and API key, hashed', () => {
    const e = eventOf(
      restRecord({ path: '/v1/accounts/12345678', 'authorizer.principalId': 'cust-004217', apiKeyId: 'k9' }),
    );
    expect([e.principal, e.principalSource, e.apiKeyId, e.authType]).toEqual([
      hashed('p', 'cust-004217'),
      'authenticated_entity',
      hashed('k', 'k9'),
      'api_key',
    ]);
  });

  it("keeps the gateway's template and classifies with it; masks the path", () => {
    const e = eventOf(restRecord({ path: '/prod/accounts/12345678', stage: 'prod' }));
    expect([e.path, e.routeTemplate, e.routeClass, e.sensitive]).toEqual([
      '/accounts/****5678',
      '/accounts/{accountId}',
      'data-read',
      ['account_number'],
    ]);
  });

  it('carries status, bytes out, latency (ms) and event time (ms)', () => {
    const e = eventOf(
      httpApiRecord({ status: '504', responseLength: '41', responseLatency: '-', integrationLatency: '29000' }),
    );
    expect([e.status, e.bytesOut, e.bytesIn, e.latencyMs, e.ts]).toEqual([504, 41, 0, 29000, 1718614801204]);
  });

  it.each([
    [
      'apigw-rest.ndjson',
      [
        '203.0.113.24 POST /v1/auth/login login 200 - none',
        '203.0.113.24 POST /v1/auth/mfa mfa 200 - none',
        '203.0.113.24 GET /v1/accounts/{accountId} data-read 200 authenticated_entity none',
        '203.0.113.24 GET /v1/accounts/{accountId}/transactions data-read 200 authenticated_entity none',
        '203.0.113.24 POST /v1/payments payment 201 authenticated_entity none',
        '198.51.100.14 GET /payees account-change 200 authenticated_entity none',
        '198.51.100.14 POST /payees account-change 201 authenticated_entity none',
        '10.0.0.1 GET /health health 200 - none',
        '2001:db8:4f2a:100::25 POST /v1/auth/login login 401 - none',
        '198.51.100.77 POST /v1/auth/login login 401 - none',
        '203.0.113.24 POST /v1/payments payment 504 authenticated_entity none',
        '192.0.2.80 GET /v1/balances data-read 200 - api_key',
        '198.51.100.200 GET /v1/.env other 403 - none',
        '198.51.100.201 GET /v1/static/img/logo.svg static 200 - none',
        '203.0.113.45 GET /v1/accounts/{accountId}/statements/{statementId} data-read 200 authenticated_entity none',
      ],
    ],
    [
      'apigw-http.ndjson',
      [
        '203.0.113.24 POST /auth/login login 200 - none',
        '203.0.113.24 POST /auth/mfa mfa 200 - none',
        '203.0.113.24 GET /accounts/{accountId} data-read 200 authenticated_entity none',
        '203.0.113.24 GET /accounts/{accountId}/transactions data-read 200 authenticated_entity none',
        '203.0.113.24 POST /payments payment 201 authenticated_entity none',
        '198.51.100.14 GET /payees account-change 200 authenticated_entity none',
        '198.51.100.14 POST /payees account-change 201 authenticated_entity none',
        '10.0.0.1 GET /health health 200 - none',
        '2001:db8:4f2a:100::25 POST /auth/login login 401 - none',
        '198.51.100.77 POST /auth/login login 401 - none',
        '198.51.100.200 GET /wp-login.php other 404 - none',
        '198.51.100.201 GET /static/css/main.8c1d.css static 200 - none',
        '203.0.113.45 DELETE /payees/{payeeId} account-change 204 authenticated_entity none',
        '203.0.113.45 POST /auth/password-reset password-reset 202 - none',
      ],
    ],
  ])('decodes every record of %s', (file, expected) => {
    const decoder = createSourceDecoder('apigw', testConfig());
    expect(gatewayFixture(file).map((l) => summaryOf(valueOf(decoder.decode(l))))).toEqual(expected);
  });
});

describe('API Gateway decoder: hostile records', () => {
  const decoder = createSourceDecoder('apigw', testConfig());

  it('dead-letters or sanitises each line of apigw-hostile.ndjson', () => {
    expect(gatewayFixture('apigw-hostile.ndjson').map((l) => outcomeOf(decoder.decode(l)))).toEqual([
      'malformed_json', // cut off mid-record
      'not_an_object', // null
      'missing_field', // status "-"
      'missing_field', // no ip
      'invalid_ip', // 203.0.113.300
      'invalid_timestamp', // not CLF
      'invalid_field_type', // responseLength "many"
      'ok control_chars', // NUL in the path, ANSI escape in the user agent; ../ and <script> kept as text
      'ok user_agent_truncated', // 10 KB user agent
      'missing_field', // $default route and no path
      'invalid_field_type', // ip is an array
      'invalid_method', // "G E T"
    ]);
  });

  it('never lets a hostile path into the route template unmasked or uncleaned', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.string({ maxLength: 20 }), (prefix, stage) => {
        const record = restRecord({
          path: `/${prefix}/accounts/4111111111111111`,
          stage,
          resourcePath: '/accounts/{id}',
        });
        const e = valueOf(decoder.decode(json(record)));
        expect(e.routeTemplate.length).toBeLessThanOrEqual(2048);
        expect(e.routeTemplate).not.toMatch(/[\u0000-\u001f\u007f-\u009f]|4111111111111111/);
      }),
    );
  });

  it('never throws on arbitrary lines or objects', () => {
    const keys = [...Object.values(APIGW_DEFAULT_FIELDS).flat(), 'authorizer', 'identity'];
    const routed = fc
      .record({ path: fc.string(), resourcePath: fc.string(), routeKey: fc.string(), stage: fc.string() })
      .map((r) => json(restRecord(r)));
    assertNeverThrows(
      decoder,
      fc.oneof(
        arbitraryJsonLines(keys, (r) => json(httpApiRecord(r))),
        routed,
      ),
    );
  });
});
