import type { RawRequest } from '../raw-request';
import { parseSourceConfig } from '../source-config';
import { Normalizer } from './normalizer';

const raw = (o: Partial<RawRequest> = {}): RawRequest => ({
  gateway: 'kong',
  ts: 1764590400000,
  requestId: 'r-1',
  remoteAddr: '198.51.100.23',
  forwardedFor: null,
  method: 'GET',
  host: 'API.Bank.Example',
  uri: '/v1/accounts/42?page=2',
  malformed: null,
  status: 200,
  bytesIn: 100,
  bytesOut: 2000,
  latencyMs: 31,
  userAgent: 'okhttp/4.12.0',
  headers: {},
  consumerName: null,
  authenticatedId: null,
  routeTemplateHint: null,
  tlsFingerprint: null,
  clientCertVerified: false,
  record: null,
  ...o,
});

const normalizer = (config: object = {}) => new Normalizer(parseSourceConfig(config));
const ok = (n: Normalizer, r: RawRequest) => {
  const res = n.normalize(r);
  if (!res.ok) throw new Error(`${res.reason}: ${res.detail}`);
  return res.value;
};

describe('normalizer', () => {
  describe('client IP behind proxies', () => {
    const behindLb = normalizer({ trustedProxies: ['10.0.0.0/8', '172.16.0.0/12'] });

    it('takes the first untrusted hop of X-Forwarded-For from the right', () => {
      const e = ok(behindLb, raw({ remoteAddr: '10.0.0.5', forwardedFor: '6.6.6.6, 203.0.113.9, 172.16.4.4' }));
      expect(e.clientIp).toBe('203.0.113.9');
    });

    it('ignores X-Forwarded-For from an untrusted peer, which could forge it', () => {
      const e = ok(behindLb, raw({ remoteAddr: '198.51.100.23', forwardedFor: '1.2.3.4' }));
      expect(e.clientIp).toBe('198.51.100.23');
    });

    it('ignores X-Forwarded-For when no proxy is trusted (the default)', () => {
      const e = ok(normalizer(), raw({ remoteAddr: '10.0.0.5', forwardedFor: '1.2.3.4' }));
      expect(e.clientIp).toBe('10.0.0.5');
    });

    it('stops at garbage in the chain rather than trusting what lies beyond it', () => {
      const e = ok(behindLb, raw({ remoteAddr: '10.0.0.5', forwardedFor: '1.2.3.4, not-an-ip, 10.9.9.9' }));
      expect(e.clientIp).toBe('10.9.9.9');
    });
  });

  describe('attribution', () => {
    it('uses the login header only on login-like routes, lower-cased', () => {
      const n = normalizer();
      const login = ok(n, raw({ method: 'POST', uri: '/auth/login', headers: { 'x-login-username': 'Alice ' } }));
      const again = ok(n, raw({ method: 'POST', uri: '/auth/login', headers: { 'x-login-username': 'alice' } }));
      const elsewhere = ok(n, raw({ uri: '/v1/accounts/1', headers: { 'x-login-username': 'alice' } }));
      expect(login.principal).toBe(again.principal);
      expect(login.principalSource).toBe('login_header');
      expect(elsewhere.principal).toBeNull();
    });

    it('reads a configured JWT claim from the bearer token', () => {
      const payload = Buffer.from(JSON.stringify({ sub: 'user-77' })).toString('base64url');
      const n = normalizer({ principal: { jwtClaim: 'sub' } });
      const e = ok(n, raw({ headers: { authorization: `Bearer eyJhbGciOiJIUzI1NiJ9.${payload}.sig` } }));
      expect(e.principalSource).toBe('jwt');
      expect(e.authType).toBe('bearer');
      expect(e.principal).toMatch(/^[0-9a-f]{24}$/);
    });

    it('reads a principal from a configured field path', () => {
      const n = normalizer({ principal: { fieldPaths: ['request.querystring.user'] } });
      const e = ok(n, raw({ record: { request: { querystring: { user: 'carol' } } } }));
      expect(e.principalSource).toBe('field');
    });

    it('hashes session, device and API key with the configured key, differently per key', () => {
      const headers = { cookie: 'a=b; sid=S1', 'x-device-id': 'D1', apikey: 'K1' };
      const a = ok(normalizer({ hashing: { key: 'k'.repeat(32) } }), raw({ headers }));
      const b = ok(normalizer({ hashing: { key: 'z'.repeat(32) } }), raw({ headers }));
      expect(a.sessionId).toMatch(/^[0-9a-f]{24}$/);
      expect(a.deviceId).not.toBe(b.deviceId);
      expect(a.authType).toBe('api_key');
      expect(JSON.stringify(a)).not.toMatch(/S1|D1|K1/);
    });

    it('takes the mobile session header when there is no cookie, and the CDN country', () => {
      const e = ok(normalizer(), raw({ headers: { 'x-session-id': 'm-1', 'cf-ipcountry': 'de' } }));
      expect(e.sessionId).not.toBeNull();
      expect(e.country).toBe('DE');
    });
  });

  describe('routes', () => {
    it.each([
      ['POST', '/api/v2/auth/login', 'login'],
      ['POST', '/auth/mfa/verify', 'mfa'],
      ['POST', '/auth/password-reset', 'password-reset'],
      ['POST', '/v1/payments', 'payment'],
      ['PUT', '/v1/payees/12', 'account-change'],
      ['GET', '/v1/accounts/12/transactions', 'data-read'],
      ['POST', '/v1/accounts/12', 'other'],
      ['GET', '/health', 'health'],
      ['GET', '/static/app.3f9a.js', 'static'],
      ['GET', '/v1/loans', 'other'],
    ])('classifies %s %s as %s', (method, uri, cls) => {
      expect(ok(normalizer(), raw({ method, uri })).routeClass).toBe(cls);
    });

    it('lets user rules override the defaults', () => {
      const n = normalizer({ routes: { rules: [{ match: '/session', class: 'login', methods: ['post'] }] } });
      expect(ok(n, raw({ method: 'POST', uri: '/v3/session' })).routeClass).toBe('login');
      expect(ok(n, raw({ method: 'GET', uri: '/v3/session' })).routeClass).toBe('other');
    });

    it('prefers the gateway route template when it has one', () => {
      const e = ok(normalizer(), raw({ uri: '/v1/accounts/42', routeTemplateHint: '/v1/accounts/{accountId}' }));
      expect(e.routeTemplate).toBe('/v1/accounts/{accountId}');
    });

    it('ignores a gateway template that is not safe to store', () => {
      const e = ok(
        normalizer(),
        raw({ uri: '/v1/cards/4111111111111111', routeTemplateHint: '/v1/cards/4111111111111111' }),
      );
      expect(e.routeTemplate).toBe('/v1/cards/{id}');
      const c = ok(normalizer(), raw({ uri: '/v1/x', routeTemplateHint: '/v1/\u0000x' }));
      expect(c.routeTemplate).toBe('/v1/x');
    });

    it('keeps the path of an absolute-form request target', () => {
      const e = ok(normalizer(), raw({ uri: 'http://api.bank.example/v1/accounts/9?x=1' }));
      expect([e.path, e.query, e.routeTemplate]).toEqual(['/v1/accounts/9', 'x=1', '/v1/accounts/{id}']);
    });

    it('masks before templating, and reports what it masked', () => {
      const e = ok(normalizer(), raw({ uri: '/v1/cards/4111111111111111?email=a@b.co' }));
      expect(e.path).toBe('/v1/cards/****1111');
      expect(e.routeTemplate).toBe('/v1/cards/{id}');
      expect(e.sensitive).toEqual(['email', 'pan']);
      expect(JSON.stringify(e)).not.toContain('4111111111111111');
    });
  });

  describe('malformed requests', () => {
    it('sets malformed null on a valid request', () => {
      expect(ok(normalizer(), raw()).malformed).toBeNull();
    });

    it('templates what could be read as a target, classed other: the gateway answered it, not the route', () => {
      const n = normalizer();
      const e = ok(n, raw({ method: 'POST', uri: '/auth/login x', malformed: 'no_protocol', status: 400 }));
      expect([e.method, e.path, e.routeTemplate, e.routeClass, e.malformed]).toEqual([
        'POST',
        '/auth/login x',
        '/auth/login x',
        'other',
        'no_protocol',
      ]);
      expect(ok(n, raw({ uri: '/v1/accounts/7', malformed: 'bad_method', method: 'get' })).routeTemplate).toBe(
        '/v1/accounts/{id}',
      );
    });

    it('keeps an unread line whole as the path (sanitized, capped, masked, not split), one route for all', () => {
      const n = normalizer();
      const line = '\u0016\u0003\u0001 ?x=4111111111111111 /a/1';
      const e = ok(n, raw({ method: 'UNKNOWN', uri: line, malformed: 'binary', status: 400 }));
      expect([e.path, e.query, e.routeTemplate, e.routeClass]).toEqual([
        '\uFFFD\uFFFD\uFFFD ?x=****1111 /a/1',
        null,
        '-',
        'other',
      ]);
      expect(e.sanitized).toEqual(['control_chars']);
      expect(e.sensitive).toEqual(['pan']);
      expect(ok(n, raw({ method: 'UNKNOWN', uri: 'x'.repeat(5000), malformed: 'bad_method' })).path.length).toBe(2048);
    });
  });

  it('lower-cases the host and caps an over-long path', () => {
    const e = ok(normalizer(), raw({ uri: `/${'a'.repeat(5000)}` }));
    expect(e.host).toBe('api.bank.example');
    expect(e.path.length).toBe(2048);
    expect(e.sanitized).toContain('path_truncated');
  });

  it('notes invalid UTF-8 that the reader replaced with U+FFFD', () => {
    const e = ok(normalizer(), raw({ userAgent: 'curl/\uFFFD\uFFFD' }));
    expect(e.sanitized).toEqual(['invalid_utf8']);
  });

  it('replaces lone surrogates (JSON escapes with no pair) with U+FFFD, keeping whole pairs', () => {
    const e = ok(normalizer(), raw({ userAgent: 'x\ud800y\udc00z \ud83d\ude00' }));
    expect(e.userAgent).toBe('x\uFFFDy\uFFFDz \ud83d\ude00');
    expect(e.userAgent!.isWellFormed()).toBe(true);
    expect(e.sanitized).toEqual(['invalid_utf8']);
  });

  it('dead-letters an unparseable client address with the reason', () => {
    const r = normalizer().normalize(raw({ remoteAddr: 'unix:/var/run/x.sock' }));
    expect(r.ok ? 'ok' : r.reason).toBe('invalid_ip');
  });
});
