import { ConfigError, parseSourceConfig } from './source-config';

describe('source config', () => {
  it('needs no file: every field has a default', () => {
    const c = parseSourceConfig(undefined);
    expect(c.principal.loginHeader).toBe('x-login-username');
    expect(c.session.cookie).toBe('sid');
    expect(c.apiKey.headers).toEqual(['apikey', 'x-api-key']);
    expect(c.trustedProxies).toEqual([]);
  });

  it('lower-cases header names', () => {
    expect(parseSourceConfig({ device: { header: 'X-Device-ID' } }).device.header).toBe('x-device-id');
  });

  it('names every invalid key in one error', () => {
    let err: unknown;
    try {
      parseSourceConfig(
        {
          trustedProxies: ['10.0.0.0/40'],
          hashing: { key: 'short' },
          routes: { rules: [{ match: '/x', class: 'admin' }] },
          bogus: 1,
        },
        'vigil.yaml',
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toContain('vigil.yaml is invalid');
    expect(message).toContain('hashing.key: hashing.key must be at least 16 characters');
    expect(message).toMatch(/routes\.rules\.0\.class/);
    expect(message).toMatch(/bogus/);
    expect(message).toContain('trustedProxies.0: "10.0.0.0/40" has an invalid prefix length');
  });
});
