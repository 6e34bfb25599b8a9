import { createSourceDecoder, Masker, parseSourceConfig, type AccessEvent } from '@vigil/events';
import { benchRequests } from '../bench-corpus';
import type { SimRequest } from '../sim-request';
import { createWriter, FORMAT_CAPABILITIES, SIM_FORMATS, sourceConfigFor, type SimFormat } from '.';

const LOGIN_HEADER_CLASSES = new Set(['login', 'signup', 'password-reset', 'mfa']);

function decodeAll(format: SimFormat, requests: readonly SimRequest[]): AccessEvent[] {
  const config = parseSourceConfig(sourceConfigFor(format, {}, { trustedProxies: ['203.0.113.0/24'] }));
  const decoder = createSourceDecoder(format, config);
  const writer = createWriter(format);
  return requests.map((r) => {
    const line = writer.write(r);
    const result = decoder.decode(line);
    if (!result.ok) throw new Error(`${format}: ${result.reason} ${result.detail} in ${line}`);
    return result.value;
  });
}

function expectedPrincipal(format: SimFormat, r: SimRequest, e: AccessEvent): boolean {
  const caps = FORMAT_CAPABILITIES[format];
  if (caps.headers && r.loginUsername !== null && LOGIN_HEADER_CLASSES.has(e.routeClass)) return true;
  if (r.consumer !== null && caps.consumer) return true;
  return r.consumer !== null && caps.jwtSubject && r.authorization !== null;
}

describe('gateway writers round-trip through the events decoders', () => {
  const requests = [...benchRequests({ records: 3000, seed: 11, users: 300 })];
  // One request behind a CDN edge, to check that the real client survives X-Forwarded-For.
  const viaCdn: SimRequest = { ...requests[0]!, peerIp: '203.0.113.9', forwardedFor: requests[0]!.clientIp };
  const all = [...requests, viaCdn];
  const masker = new Masker(parseSourceConfig({}).masking);

  it.each(SIM_FORMATS)('%s keeps time, client, method, path, status and principal presence', (format) => {
    const events = decodeAll(format, all);
    const caps = FORMAT_CAPABILITIES[format];
    for (let i = 0; i < all.length; i++) {
      const r = all[i]!;
      const e = events[i]!;
      expect(e.ts).toBe(caps.millis ? r.ts : Math.floor(r.ts / 1000) * 1000);
      expect(e.clientIp).toBe(r.clientIp);
      expect(e.method).toBe(r.method);
      expect(e.path).toBe(masker.mask(r.path, r.query).path);
      expect(e.status).toBe(r.status);
      expect(e.host).toBe(r.host);
      expect(e.principal !== null).toBe(expectedPrincipal(format, r, e));
    }
  });

  // The events masker takes a digit-and-dash run inside a UUID for a card number when it passes Luhn
  // (`…-4d29-6418-5478…`), which breaks the `{uuid}` slot. Reported to libs/events; until it is fixed
  // those requests are left out here and the defect is pinned by the `failing` test below.
  const uuidMasked = (r: SimRequest) => /[0-9a-f-]{36}/.test(r.path) && masker.mask(r.path, null).path !== r.path;

  it.each(SIM_FORMATS)('%s gives the true route template of every routed request', (format) => {
    const events = decodeAll(format, requests);
    requests.forEach((r, i) => {
      if (r.route && !uuidMasked(r)) {
        expect(`${r.route.method} ${events[i]!.routeTemplate}`).toBe(`${r.method} ${r.route.template}`);
      }
    });
  });

  it('never masks a UUID path segment as a card number', () => {
    expect(requests.filter(uuidMasked)).toEqual([]);
  });

  it.each(SIM_FORMATS)('%s carries the CDN TLS fingerprint header where the format logs headers', (format) => {
    const ja4 = 't13d1517h2_8daaf6152771_b1ff8ab2d16f';
    const [withJa4, without] = decodeAll(format, [{ ...viaCdn, tlsFingerprint: ja4 }, viaCdn]);
    expect(withJa4!.tlsFingerprint).toBe(FORMAT_CAPABILITIES[format].tlsFingerprint ? ja4 : null);
    expect(without!.tlsFingerprint).toBeNull();
  });

  it('writes Kong records of realistic size (1.5-2.5 KB)', () => {
    const writer = createWriter('kong');
    const sizes = requests.map((r) => Buffer.byteLength(writer.write(r)));
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    expect(mean).toBeGreaterThan(1500);
    expect(mean).toBeLessThan(2500);
  });

  it('escapes hostile values so every line stays one valid record', () => {
    const hostile: SimRequest = {
      ...requests[0]!,
      userAgent: 'evil "agent"\n\\ \u0001 ünï',
      path: '/v1/products/"x"',
      loginUsername: 'a"b@example.com',
    };
    for (const format of SIM_FORMATS) {
      const line = createWriter(format).write(hostile);
      expect(line).not.toContain('\n');
      const decoded = decodeAll(format, [hostile])[0]!;
      expect(decoded.status).toBe(hostile.status);
    }
  });
});
