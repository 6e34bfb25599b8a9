import fc from 'fast-check';
import { MALFORMED_REQUESTS, UNKNOWN_METHOD } from '../access-event';
import { RequestLine } from './request-line';

const read = (line: string, status = 400) => {
  const r = new RequestLine().read(line, status);
  return [r.method, r.target, r.malformed];
};

describe('RequestLine', () => {
  it.each([
    ['GET /v1/accounts?page=2 HTTP/1.1'],
    ['POST /auth/login HTTP/1.0'],
    ['GET / HTTP/2.0'],
    ['GET /static/app.js HTTP/3.0'],
    ['POST /auth/token/refresh HTTP/2'],
    ['GET /v1/rates HTTP/3'],
    ['OPTIONS * HTTP/1.1'],
    ['CONNECT api.bank.example:443 HTTP/1.1'],
    ['GET http://api.bank.example/v1/x HTTP/1.1'],
    ['PROPFIND /dav/ HTTP/1.1'],
    ['GET /caf\uFFFD HTTP/1.1'],
  ])('reads a valid line: %s', (line) => {
    const sp1 = line.indexOf(' ');
    const sp2 = line.lastIndexOf(' ');
    expect(read(line, 200)).toEqual([line.slice(0, sp1), line.slice(sp1 + 1, sp2), null]);
  });

  it.each([
    ['no line at all (NGINX -)', '-', [UNKNOWN_METHOD, '', 'empty']],
    ['an empty line (escape=json)', '', [UNKNOWN_METHOD, '', 'empty']],
    ['a TLS ClientHello', '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\uFFFD\u0003\u0003', 'binary'],
    ['RDP', '\u0003\u0000\u0000/*\uFFFD\u0000\u0000\u0000\u0000\u0000Cookie: mstshash=Administr', 'binary'],
    ['bytes that were not UTF-8 in the method', 'G\uFFFDT / HTTP/1.1', 'binary'],
    ['the HTTP/2 preface', 'PRI * HTTP/2.0', ['PRI', '*', 'h2_preface']],
    ['an unregistered method', 'FOO / HTTP/1.1', ['FOO', '/', 'bad_method']],
    ['a lower-case method (methods are case-sensitive)', 'get /x HTTP/1.1', ['get', '/x', 'bad_method']],
    ['a banner of another protocol', 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3', 'bad_method'],
    ['a first token too long for a method', `${'A'.repeat(17)} / HTTP/1.1`, 'bad_method'],
    ['a leading space', ' GET / HTTP/1.1', 'bad_method'],
    ['the literal UNKNOWN (the marker of an unread line)', 'UNKNOWN / HTTP/1.1', 'bad_method'],
    ['spaces in the target and no protocol', 'GET /a b c', ['GET', '/a b c', 'no_protocol']],
    ['an HTTP/0.9-style line', 'GET /', ['GET', '/', 'no_protocol']],
    ['a method alone', 'GET', ['GET', '', 'no_protocol']],
    ['another protocol as the version', 'GET /x SSH-2.0', ['GET', '/x SSH-2.0', 'no_protocol']],
    ['a lower-case version', 'GET /x http/1.1', ['GET', '/x http/1.1', 'no_protocol']],
    ['an unknown version', 'GET /x HTTP/9.9', ['GET', '/x', 'bad_protocol']],
    ['a version cut short', 'GET /x HTTP/1.', ['GET', '/x', 'bad_protocol']],
    ['HTTP/1 without its minor', 'GET /x HTTP/1', ['GET', '/x', 'bad_protocol']],
    ['spaces in the target', 'GET /a b HTTP/1.1', ['GET', '/a b', 'bad_target']],
    ['a control character in the target', 'GET /x\u0000\u001b[2J HTTP/1.1', ['GET', '/x\u0000\u001b[2J', 'bad_target']],
    ['no target', 'GET HTTP/1.1', ['GET', '', 'bad_target']],
    ['an empty target', 'GET  HTTP/1.1', ['GET', '', 'bad_target']],
    ['a target of no request form', 'GET x/y HTTP/1.1', ['GET', 'x/y', 'bad_target']],
    ['an asterisk for another method than OPTIONS', 'GET * HTTP/1.1', ['GET', '*', 'bad_target']],
  ])('flags %s', (_what, line, expected) => {
    const want = typeof expected === 'string' ? [UNKNOWN_METHOD, line, expected] : expected;
    expect(read(line)).toEqual(want);
  });

  it('flags a line with no version answered 414 as truncated: the gateway cut it at its buffer', () => {
    const cut = `GET /search?q=${'A'.repeat(8000)}`;
    expect(read(cut, 414)).toEqual(['GET', cut.slice(4), 'truncated']);
    expect(read(cut, 400)[2]).toBe('no_protocol');
    expect(read('GET /x HTTP/1.1', 414)[2]).toBeNull();
  });

  it('keeps the first problem in reading order: method, then version, then target', () => {
    expect(read('get /a b c')[2]).toBe('bad_method');
    expect(read('GET /a b HTTP/1.x')[2]).toBe('bad_protocol');
    expect(read('PRI * HTTP/2.0 x')[2]).toBe('h2_preface');
  });

  it('always gives a method, a target and a flag of the closed set, whatever the line', () => {
    const piece = fc.constantFrom(' ', '/', 'GET', 'get', 'HTTP/1.1', 'HTTP/', '\u0000', '\uFFFD', '*', '-', 'x');
    const lines = fc.oneof(
      fc.string(),
      fc.array(piece, { maxLength: 12 }).map((p) => p.join('')),
    );
    const r = new RequestLine();
    fc.assert(
      fc.property(lines, fc.constantFrom(400, 414), (line, status) => {
        r.read(line, status);
        expect(r.malformed === null || MALFORMED_REQUESTS.includes(r.malformed)).toBe(true);
        expect(r.method.length).toBeGreaterThan(0);
        expect(r.method.length).toBeLessThanOrEqual(16);
        // The target is part of the line, or the line itself (or nothing for `-`).
        expect(line.includes(r.target) || (line === '-' && r.target === '')).toBe(true);
        if (r.malformed === null) expect(`${r.method} ${r.target} `.length).toBeLessThan(line.length);
      }),
      { numRuns: 2000 },
    );
  });
});
