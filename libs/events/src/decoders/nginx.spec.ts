import fc from 'fast-check';
import {
  assertDecodesSafely,
  assertNeverThrows,
  gatewayFixture,
  hashed,
  outcomeOf,
  summaryOf,
  testConfig,
  valueOf,
} from '../../../../test/fixtures/gateways';
import type { AccessEvent } from '../access-event';
import { ConfigError, type SourceConfigInput } from '../source-config';
import { createSourceDecoder } from '../source-decoder';
import { NGINX_COMBINED_FORMAT, compileNginxFormat, createNginxDecoder, decodeNginxEscapes } from './nginx';

interface CombinedFields {
  remoteAddr?: string;
  remoteUser?: string;
  time?: string;
  request?: string;
  status?: string;
  bytes?: string;
  referer?: string;
  userAgent?: string;
}

/** A `combined` line: a mobile login unless a test says otherwise. */
function combinedLine(f: CombinedFields = {}): string {
  return (
    `${f.remoteAddr ?? '203.0.113.24'} - ${f.remoteUser ?? '-'} [${f.time ?? '17/Jun/2024:09:00:01 +0000'}] ` +
    `"${f.request ?? 'POST /v2/auth/login HTTP/1.1'}" ${f.status ?? '200'} ${f.bytes ?? '1187'} ` +
    `"${f.referer ?? '-'}" "${f.userAgent ?? 'BankApp/5.12.0 (iPhone14,2; iOS 17.5.1)'}"`
  );
}

/** A custom format behind the load balancer, logging what the combined format lacks. */
const EDGE_FORMAT =
  '$remote_addr [$time_iso8601] "$request" $status $bytes_sent $request_length $request_time ' +
  '"$http_x_forwarded_for" "$http_user_agent" "$http_x_login_username" $cookie_sid ${request_id} $ssl_client_verify';

function edgeLine(o: { xff?: string; request?: string; login?: string; sid?: string; verify?: string } = {}): string {
  return (
    `10.0.3.17 [2024-06-17T09:00:01+00:00] "${o.request ?? 'POST /v2/auth/login HTTP/1.1'}" 200 1415 540 0.143 ` +
    `"${o.xff ?? '198.51.100.77, 203.0.113.9'}" "BankApp/5.12.0" "${o.login ?? 'Alice.Nguyen@example.com'}" ` +
    `${o.sid ?? '-'} 5c1f8e0a3b9d4c8e ${o.verify ?? 'NONE'}`
  );
}

const edgeConfig: SourceConfigInput = { nginxLogFormat: EDGE_FORMAT };
const rawOf = (text: string, config: SourceConfigInput = {}) =>
  valueOf(createNginxDecoder(testConfig(config)).decode(text));
const eventOf = (text: string, config: SourceConfigInput = {}) =>
  valueOf(createSourceDecoder('nginx', testConfig(config)).decode(text));

describe('compileNginxFormat', () => {
  it('turns combined into one anchored pattern with a capture per variable', () => {
    const { regex, variables } = compileNginxFormat(NGINX_COMBINED_FORMAT);
    expect(variables).toEqual([
      'remote_addr',
      'remote_user',
      'time_local',
      'request',
      'status',
      'body_bytes_sent',
      'http_referer',
      'http_user_agent',
    ]);
    expect(regex.source.startsWith('^')).toBe(true);
    expect(regex.exec(combinedLine())?.slice(1)).toEqual([
      '203.0.113.24',
      '-',
      '17/Jun/2024:09:00:01 +0000',
      'POST /v2/auth/login HTTP/1.1',
      '200',
      '1187',
      '-',
      'BankApp/5.12.0 (iPhone14,2; iOS 17.5.1)',
    ]);
  });

  it('captures a quoted variable up to the closing quote, over \\" escapes', () => {
    const { regex } = compileNginxFormat('"$http_user_agent" $status');
    expect(regex.exec('"say \\"hi\\" [x]" 200')?.slice(1)).toEqual(['say \\"hi\\" [x]', '200']);
  });

  it('accepts ${name} and the single-quoted pieces of a multi-line log_format directive', () => {
    const pasted = `'$remote_addr [\${time_local}] ' '"$request" $status'`;
    expect(compileNginxFormat(pasted).variables).toEqual(['remote_addr', 'time_local', 'request', 'status']);
  });

  it('rejects a format without variables or with a broken ${', () => {
    expect(() => compileNginxFormat('just text')).toThrow(ConfigError);
    expect(() => compileNginxFormat('$remote_addr ${status')).toThrow(ConfigError);
  });
});

describe('decodeNginxEscapes', () => {
  it('reads \\xHH as bytes of UTF-8, and \\" \\\\ as the characters', () => {
    expect(decodeNginxEscapes('Caf\\xC3\\xA9 \\x22q\\x22 \\"x\\" a\\\\b')).toBe('Café "q" "x" a\\b');
  });

  it('turns bytes that are not UTF-8 into U+FFFD and leaves unknown escapes alone', () => {
    expect(decodeNginxEscapes('\\xFF\\x16ok\\q')).toBe('\uFFFD\u0016ok\\q');
  });
});

describe('NGINX text decoder: RawRequest', () => {
  it('reads a combined line', () => {
    const { record, headers, ...raw } = rawOf(combinedLine());
    expect(record).toBeNull();
    expect(headers).toEqual({ 'user-agent': 'BankApp/5.12.0 (iPhone14,2; iOS 17.5.1)' });
    expect(raw).toEqual({
      gateway: 'nginx',
      ts: Date.UTC(2024, 5, 17, 9, 0, 1),
      requestId: null,
      remoteAddr: '203.0.113.24',
      forwardedFor: null,
      method: 'POST',
      host: null,
      uri: '/v2/auth/login',
      malformed: null,
      status: 200,
      bytesIn: null,
      bytesOut: 1187,
      latencyMs: null,
      userAgent: 'BankApp/5.12.0 (iPhone14,2; iOS 17.5.1)',
      consumerName: null,
      authenticatedId: null,
      routeTemplateHint: null,
      tlsFingerprint: null,
      clientCertVerified: false,
    });
  });

  it('reads a custom log_format: headers, cookies, request time in ms, request id, mTLS', () => {
    const raw = rawOf(edgeLine({ sid: 's-42', verify: 'SUCCESS' }), edgeConfig);
    expect(raw).toMatchObject({
      forwardedFor: '198.51.100.77, 203.0.113.9',
      bytesIn: 540,
      bytesOut: 1415,
      latencyMs: 143,
      requestId: '5c1f8e0a3b9d4c8e',
      clientCertVerified: true,
      headers: { 'x-login-username': 'Alice.Nguyen@example.com', cookie: 'sid=s-42' },
    });
  });

  it('decodes escaped bytes in every value', () => {
    const raw = rawOf(
      combinedLine({ request: 'GET /v2/payees?name=Fran\\xC3\\xA7ois HTTP/1.1', userAgent: 'a\\x22b' }),
    );
    expect([raw.uri, raw.userAgent]).toEqual(['/v2/payees?name=François', 'a"b']);
  });

  it('refuses config.fields, which the text format does not use', () => {
    expect(() => createNginxDecoder(testConfig({ fields: { remote_addr: 'ip' } }))).toThrow(ConfigError);
  });
});

describe('NGINX text decoder: AccessEvent', () => {
  it('finds the real client behind the trusted load balancer', () => {
    expect(eventOf(edgeLine(), edgeConfig).clientIp).toBe('203.0.113.9');
    expect(eventOf(edgeLine(), { ...edgeConfig, trustedProxies: [] }).clientIp).toBe('10.0.3.17');
  });

  it('attributes a login to the logged x-login-username header', () => {
    const e = eventOf(edgeLine(), edgeConfig);
    expect([e.principal, e.principalSource]).toEqual([hashed('p', 'alice.nguyen@example.com'), 'login_header']);
  });

  it('reads a session from a $cookie_ variable', () => {
    expect(eventOf(edgeLine({ request: 'GET /v2/payees HTTP/1.1', sid: 's-42' }), edgeConfig).sessionId).toBe(
      hashed('s', 's-42'),
    );
  });

  it('templates, classifies and times a combined line', () => {
    const e = eventOf(combinedLine({ request: 'GET /v2/accounts/12345678 HTTP/1.1', status: '404', bytes: '153' }));
    expect([e.routeTemplate, e.routeClass, e.status, e.bytesOut, e.ts]).toEqual([
      '/v2/accounts/{id}',
      'data-read',
      404,
      153,
      1718614801000,
    ]);
  });

  it('reads the zone of $time_local', () => {
    expect(eventOf(combinedLine({ time: '17/Jun/2024:10:00:01 +0100' })).ts).toBe(1718614801000);
  });

  it('decodes every line of nginx-combined.log', () => {
    const decoder = createSourceDecoder('nginx', testConfig());
    expect(gatewayFixture('nginx-combined.log').map((l) => summaryOf(valueOf(decoder.decode(l))))).toEqual([
      '203.0.113.24 POST /v2/auth/login login 200 - none',
      '203.0.113.24 POST /v2/auth/mfa mfa 200 - none',
      '203.0.113.24 GET /v2/accounts/{id} data-read 200 - none',
      '203.0.113.24 GET /v2/accounts/{uuid}/transactions data-read 200 - none',
      '203.0.113.24 POST /v2/payments payment 201 - none',
      '198.51.100.14 GET /v2/payees account-change 200 - none',
      '198.51.100.14 POST /v2/payees account-change 201 - none',
      '198.51.100.14 GET /static/js/app.3f9c2b.js static 200 - none',
      '198.51.100.14 GET /favicon.ico static 304 - none',
      '10.0.0.1 GET /healthz health 200 - none',
      '2001:db8:4f2a:100::25 POST /v2/auth/login login 401 - none',
      '198.51.100.77 POST /v2/auth/login login 401 - none',
      '203.0.113.24 GET /v2/accounts/{id}/statements data-read 499 - none',
      '192.0.2.80 GET /v2/balances data-read 200 - none',
      '203.0.113.99 GET /v2/payees account-change 200 - none',
      '198.51.100.200 HEAD /status health 200 - none',
    ]);
  });
});

/** A probe as NGINX logs it: answered 400 by NGINX itself, nothing sent back but its error page. */
const probeLine = (request: string, status = '400') =>
  combinedLine({ remoteAddr: '198.51.100.66', request, status, bytes: '157', userAgent: '-' });

describe('NGINX text decoder: malformed requests are events, flagged', () => {
  const decoder = createSourceDecoder('nginx', testConfig());
  const probe = (request: string, status?: string) => valueOf(decoder.decode(probeLine(request, status)));
  const shape = (e: AccessEvent) => [e.method, e.path, e.query, e.routeTemplate, e.routeClass, e.malformed];

  it('keeps the client, time, status, bytes and user agent of a probe as logged', () => {
    const e = eventOf(
      combinedLine({
        request: '-',
        status: '400',
        bytes: '0',
        userAgent: 'masscan/1.3 (https://github.com/robertdavidgraham/masscan)',
      }),
    );
    expect([e.clientIp, e.subnet, e.ts, e.status, e.bytesOut, e.userAgent]).toEqual([
      '203.0.113.24',
      '203.0.113.0/24',
      Date.UTC(2024, 5, 17, 9, 0, 1),
      400,
      0,
      'masscan/1.3 (https://github.com/robertdavidgraham/masscan)',
    ]);
  });

  it('reads "-" (a connection that sent no request line) as empty, method UNKNOWN, one route for all', () => {
    expect(shape(probe('-'))).toEqual(['UNKNOWN', '', null, '-', 'other', 'empty']);
  });

  it('reads the bytes of a TLS ClientHello on the plain port as binary, the line kept sanitized as the path', () => {
    const e = probe('\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03\\x9A\\x8F');
    expect(shape(e)).toEqual(['UNKNOWN', '\uFFFD'.repeat(13), null, '-', 'other', 'binary']);
    expect(e.sanitized).toEqual(['control_chars']);
  });

  it('reads another binary protocol (RDP) as binary, its readable bytes kept', () => {
    const e = probe('\\x03\\x00\\x00/*\\xE0\\x00\\x00\\x00\\x00\\x00Cookie: mstshash=Administr');
    expect([e.method, e.malformed, e.path.endsWith('Cookie: mstshash=Administr')]).toEqual(['UNKNOWN', 'binary', true]);
  });

  it('reads PRI * HTTP/2.0 (the HTTP/2 preface sent to an HTTP/1 port) as h2_preface', () => {
    expect(shape(probe('PRI * HTTP/2.0'))).toEqual(['PRI', '/*', null, '/*', 'other', 'h2_preface']);
  });

  it('reads a target with spaces and no protocol as no_protocol, method and target as sent', () => {
    expect(shape(probe('GET /a b c'))).toEqual(['GET', '/a b c', null, '/a b c', 'other', 'no_protocol']);
  });

  it('reads an unregistered or lower-case method as bad_method, kept as sent and never classified', () => {
    expect(shape(probe('FOO / HTTP/1.1'))).toEqual(['FOO', '/', null, '/', 'other', 'bad_method']);
    expect(shape(probe('get /v2/accounts/1234 HTTP/1.1'))).toEqual([
      'get',
      '/v2/accounts/1234',
      null,
      '/v2/accounts/{id}',
      'other',
      'bad_method',
    ]);
  });

  it('reads a line NGINX cut at its buffer (414, no version) as truncated, capped like any path', () => {
    const e = probe(`GET /v2/search?q=${'A'.repeat(8170)}`, '414');
    expect([e.method, e.path, e.status, e.malformed]).toEqual(['GET', '/v2/search', 414, 'truncated']);
    expect(e.query!.length).toBe(2048 - '/v2/search?'.length);
    expect(e.sanitized).toEqual(['path_truncated']);
  });

  it('reads bytes that are not UTF-8 (\\xHH as NGINX writes them): a valid request noted invalid_utf8, binary as a method', () => {
    const e = probe('GET /caf\\xE9?q=\\xFF\\xFE HTTP/1.1', '404');
    expect([e.path, e.query, e.malformed, e.sanitized]).toEqual([
      '/caf\uFFFD',
      'q=\uFFFD\uFFFD',
      null,
      ['invalid_utf8'],
    ]);
    expect(probe('G\\xC9T / HTTP/1.1').malformed).toBe('binary');
  });

  it('produces events the canonical validator accepts, for every flag', () => {
    for (const request of [
      '-',
      '\\x16\\x03\\x01',
      'PRI * HTTP/2.0',
      'GET /a b c',
      'FOO / HTTP/1.1',
      'GET /x HTTP/9.9',
      'GET x HTTP/1.1',
    ]) {
      assertDecodesSafely(decoder, probeLine(request));
    }
    assertDecodesSafely(decoder, probeLine(`GET /${'A'.repeat(9000)}`, '414'));
  });

  it('still dead-letters what the log format cannot read, with its reason', () => {
    expect(outcomeOf(decoder.decode(probeLine('GET / HTTP/1.1').slice(0, 70)))).toBe('unparseable_line');
    expect(outcomeOf(decoder.decode(probeLine('-', '000')))).toBe('invalid_status');
    expect(outcomeOf(decoder.decode(combinedLine({ remoteAddr: 'scanner', request: '-' })))).toBe('invalid_ip');
  });
});

describe('NGINX text decoder: hostile lines', () => {
  const decoder = createSourceDecoder('nginx', testConfig());

  it('dead-letters, flags or sanitises each line of nginx-hostile.log', () => {
    expect(gatewayFixture('nginx-hostile.log').map((l) => outcomeOf(decoder.decode(l)))).toEqual([
      'ok malformed:binary,control_chars', // a TLS ClientHello on the plain-HTTP port
      'ok malformed:empty', // "-": the connection sent no request line
      'unparseable_line', // not an access log line
      'invalid_status', // 2OO
      'invalid_ip', // 999.168.0.1
      'invalid_timestamp', // 32/Jun
      'ok', // encoded ../ and <script> are kept for detection, as text
      'ok malformed:bad_target,control_chars', // \x00 and ANSI escapes in the path, CRLF in the user agent
      'ok user_agent_truncated', // 10 KB user agent
      'invalid_field_type', // negative byte count
    ]);
  });

  it('stays linear on multi-megabyte lines that almost match', () => {
    const direct = createNginxDecoder(testConfig());
    const started = Date.now();
    for (const hostile of [
      `${combinedLine().slice(0, 60)}${'A'.repeat(4_000_000)}`,
      `${combinedLine().slice(0, -1)}${'\\"'.repeat(2_000_000)}`,
      '"'.repeat(4_000_000),
    ]) {
      expect(outcomeOf(decoder.decode(hostile))).toBe('record_too_large');
      expect(direct.decode(hostile).ok).toBe(false);
    }
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('never throws on arbitrary lines', () => {
    const piece = fc.oneof(fc.string(), fc.constantFrom('"', ' ', '[', ']', '-', '\\x', '\\"', 'GET / HTTP/1.1'));
    const lines = fc.oneof(
      fc.string(),
      fc.array(piece, { maxLength: 30 }).map((p) => p.join('')),
      fc.record({ request: fc.string(), userAgent: fc.string(), status: fc.string() }).map(combinedLine),
    );
    assertNeverThrows(decoder, lines);
  });

  it('reads back what it was given: decode(combined(x)) = x', () => {
    const requests = fc.record({
      ip: fc.ipV4(),
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
      path: fc.webPath().map((p) => p || '/'),
      status: fc.integer({ min: 100, max: 599 }),
      bytes: fc.nat(),
    });
    const direct = createNginxDecoder(testConfig());
    fc.assert(
      fc.property(requests, (r) => {
        const raw = valueOf(
          direct.decode(
            combinedLine({
              remoteAddr: r.ip,
              request: `${r.method} ${r.path} HTTP/1.1`,
              status: String(r.status),
              bytes: String(r.bytes),
            }),
          ),
        );
        expect([raw.remoteAddr, raw.method, raw.uri, raw.status, raw.bytesOut, raw.malformed]).toEqual([
          r.ip,
          r.method,
          r.path,
          r.status,
          r.bytes,
          null,
        ]);
      }),
    );
  });
});
