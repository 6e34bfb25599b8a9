import fc from 'fast-check';
import { kongLine, kongRecord } from '../../../../test/fixtures/builders/kong-record';
import { createSourceDecoder } from '../source-decoder';
import { parseSourceConfig } from '../source-config';
import { decodeKong } from './kong';

const decoder = (config: object = {}) => createSourceDecoder('kong', parseSourceConfig(config));

describe('Kong http-log decoder', () => {
  it('reads a login call into a RawRequest', () => {
    const r = decodeKong(kongRecord({ status: 401 }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      gateway: 'kong',
      ts: 1764590400000,
      method: 'POST',
      uri: '/v1/auth/login',
      status: 401,
      bytesIn: 612,
      bytesOut: 1432,
      latencyMs: 48,
      remoteAddr: '198.51.100.23',
      host: 'api.bank.example',
      requestId: 'req-0001',
    });
  });

  it('normalizes a failed login into an AccessEvent with a hashed principal', () => {
    const r = decoder().decode(kongLine({ status: 401 }));
    expect(r.ok && r.value).toMatchObject({
      clientIp: '198.51.100.23',
      subnet: '198.51.100.0/24',
      routeTemplate: '/v1/auth/login',
      routeClass: 'login',
      principalSource: 'login_header',
      authType: 'session_cookie',
      status: 401,
    });
    if (!r.ok) return;
    expect(r.value.principal).toMatch(/^[0-9a-f]{24}$/);
    expect(JSON.stringify(r.value)).not.toContain('alice');
  });

  it('accepts Kong < 3 string sizes', () => {
    const r = decodeKong(kongRecord({ requestSize: '75', responseSize: '434' }));
    expect(r.ok && [r.value.bytesIn, r.value.bytesOut]).toEqual([75, 434]);
  });

  it('attributes authenticated calls to consumer.username, then authenticated_entity.id', () => {
    const base = { uri: '/v1/accounts/1234', method: 'GET', headers: { 'x-login-username': undefined } };
    const withConsumer = decoder().decode(kongLine({ ...base, consumer: { username: 'bob', id: 'c-1' } }));
    const withEntity = decoder().decode(kongLine({ ...base, authenticatedEntity: { id: 'e-9' } }));
    expect(withConsumer.ok && withConsumer.value.principalSource).toBe('consumer');
    expect(withEntity.ok && withEntity.value.principalSource).toBe('authenticated_entity');
    expect(withConsumer.ok && withConsumer.value.routeTemplate).toBe('/v1/accounts/{id}');
    expect(withConsumer.ok && withConsumer.value.routeClass).toBe('data-read');
  });

  it('reports mTLS when Kong verified the client certificate', () => {
    const r = decoder().decode(kongLine({ tlsVerify: 'SUCCESS' }));
    expect(r.ok && r.value.authType).toBe('mtls');
  });

  it.each([
    ['missing request', { request: undefined }, 'missing_field'],
    ['request not an object', { request: 'x' }, 'invalid_field_type'],
    ['missing response', { response: undefined }, 'missing_field'],
  ])('dead-letters a record with %s', (_name, patch, reason) => {
    const rec = { ...kongRecord(), ...patch };
    const r = decoder().decode(JSON.stringify(rec));
    expect(r.ok ? 'ok' : r.reason).toBe(reason);
  });

  it.each([
    ['an invalid client ip', { clientIp: '300.1.2.3' }, 'invalid_ip'],
    ['a client ip of the wrong type', { clientIp: 12345 }, 'invalid_field_type'],
    ['no timestamp', { startedAt: null }, 'missing_field'],
    ['a timestamp in seconds before 2000', { startedAt: 12 }, 'invalid_timestamp'],
    ['a timestamp that is text', { startedAt: 'yesterday' }, 'invalid_timestamp'],
    ['a status out of range', { status: 999 }, 'invalid_status'],
    ['a status that is not a number', { status: 'OK' }, 'invalid_status'],
    ['a negative size', { requestSize: -5 }, 'invalid_field_type'],
    ['a method that is not a token', { method: 'GET /x' }, 'invalid_method'],
  ])('dead-letters a record with %s', (_name, overrides, reason) => {
    const r = decoder().decode(kongLine(overrides));
    expect(r.ok ? 'ok' : r.reason).toBe(reason);
  });

  it('keeps hostile paths and user agents but neutralises control characters and length', () => {
    const r = decoder().decode(
      kongLine({
        uri: '/v1/../../etc/passwd\u0000<script>alert(1)</script>',
        headers: { 'user-agent': `evil\r\nX-Injected: 1${'A'.repeat(10_000)}` },
      }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.path).not.toMatch(/[\u0000-\u001f]/);
    expect(r.value.userAgent!.length).toBe(512);
    expect(r.value.userAgent).not.toContain('\n');
    expect(r.value.sanitized).toEqual(expect.arrayContaining(['control_chars', 'user_agent_truncated']));
  });

  it('ignores header values of hostile types instead of crashing', () => {
    const r = decoder().decode(
      kongLine({ headers: { cookie: { length: 3, 0: 'x' }, 'x-login-username': 42, host: ['api.bank.example'] } }),
    );
    expect(r.ok && r.value.sessionId).toBeNull();
    expect(r.ok && r.value.principal).toBeNull();
    expect(r.ok && r.value.host).toBe('api.bank.example');
  });

  it('dead-letters a record larger than the configured limit', () => {
    const r = decoder({ limits: { maxRecordBytes: 4096 } }).decode(
      kongLine({ headers: { 'x-pad': 'x'.repeat(5000) } }),
    );
    expect(r.ok ? 'ok' : r.reason).toBe('record_too_large');
  });

  it('never throws on arbitrary JSON values or strings', () => {
    const d = decoder();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (line) => {
          const r = d.decode(line);
          expect(typeof r.ok).toBe('boolean');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws when any field of a real record is replaced by an arbitrary value', () => {
    const d = decoder();
    const paths = ['request', 'response', 'client_ip', 'started_at', 'latencies', 'consumer', 'authenticated_entity'];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), (key, value) => {
        const r = d.decode(JSON.stringify({ ...kongRecord(), [key]: value }));
        if (!r.ok) expect(r.detail.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });
});
