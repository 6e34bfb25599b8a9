/**
 * The request line as a gateway logs it (NGINX `$request`: `METHOD target HTTP/x.y`), split into method and
 * target, and flagged when it is not a valid request line (MALFORMED_REQUESTS in access-event.ts). Gateways
 * log whatever a client sent — a TLS handshake on a plain port, another protocol, a fuzzed or cut line —
 * and such a record is read as far as it goes, never dead-lettered: the first token is the method when it
 * is one, the target runs up to the last token that is an HTTP version (or to the end). One flag, the
 * first problem in reading order: the line, the method, the version, the target.
 *
 * RFC 9112 §3 (request line, request-target forms), RFC 9110 §9.1 (methods are case-sensitive), the IANA
 * HTTP Method Registry (https://www.iana.org/assignments/http-methods), RFC 9113 §3.4 (the `PRI` preface).
 */
import { UNKNOWN_METHOD, type MalformedRequest } from '../access-event';

/** The IANA HTTP Method Registry: a first token outside it (`FOO`, `get`) is `bad_method`. */
const REGISTERED_METHODS: ReadonlySet<string> = new Set([
  'ACL',
  'BASELINE-CONTROL',
  'BIND',
  'CHECKIN',
  'CHECKOUT',
  'CONNECT',
  'COPY',
  'DELETE',
  'GET',
  'HEAD',
  'LABEL',
  'LINK',
  'LOCK',
  'MERGE',
  'MKACTIVITY',
  'MKCALENDAR',
  'MKCOL',
  'MKREDIRECTREF',
  'MKWORKSPACE',
  'MOVE',
  'OPTIONS',
  'ORDERPATCH',
  'PATCH',
  'POST',
  'PRI',
  'PROPFIND',
  'PROPPATCH',
  'PUT',
  'QUERY',
  'REBIND',
  'REPORT',
  'SEARCH',
  'TRACE',
  'UNBIND',
  'UNCHECKOUT',
  'UNLINK',
  'UNLOCK',
  'UPDATE',
  'UPDATEREDIRECTREF',
  'VERSION-CONTROL',
]);

/** Longest first token kept as a method when it is not a registered one. */
const MAX_METHOD_CHARS = 16;
/** Spaces and control characters: a target holding one is not a request-target. */
const BAD_TARGET_CHAR_RE = /[\u0000-\u0020\u007f]/;
const ABSOLUTE_FORM_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** What a first token is. Method: letters, digits, `-`, `_`, starting with a letter, at most MAX_METHOD_CHARS. */
const METHOD_TOKEN = 0;
/** Printable text that cannot be a method (`SSH-2.0-OpenSSH_9.6`, `<script>`, 200 letters). */
const TEXT_TOKEN = 1;
/** Control bytes, DEL, or U+FFFD (bytes that were not UTF-8). */
const BINARY_TOKEN = 2;

/**
 * One request line, read in place: a decoder owns one and reads each record into it (decoding is
 * synchronous), so a valid line costs no result object.
 */
export class RequestLine {
  /** The method as sent (not upper-cased: `get` is not GET), or UNKNOWN_METHOD when none could be read. */
  method = '';
  /** Path and query as sent; the whole line when no method could be read; '' for no line at all. */
  target = '';
  malformed: MalformedRequest | null = null;

  /**
   * `status` is the one the gateway logged: NGINX answers a line longer than its buffer with 414 and logs
   * the part it read, which has no version — `truncated`, not `no_protocol`.
   */
  read(line: string, status: number): this {
    this.malformed = null;
    const n = line.length;
    if (n === 0 || line === '-') return this.unread('', 'empty');
    const sp1 = line.indexOf(' ');
    const methodEnd = sp1 < 0 ? n : sp1;
    const method = line.slice(0, methodEnd);
    if (!REGISTERED_METHODS.has(method)) {
      const kind = tokenKind(line, methodEnd);
      if (kind === BINARY_TOKEN) return this.unread(line, 'binary');
      // A literal `UNKNOWN` would read as the marker of an unread line: it is one.
      if (kind === TEXT_TOKEN || method === UNKNOWN_METHOD) return this.unread(line, 'bad_method');
      this.malformed = 'bad_method';
    } else if (method === 'PRI') {
      this.malformed = 'h2_preface';
    }
    this.method = method;
    const sp2 = sp1 < 0 ? -1 : line.lastIndexOf(' ');
    if (sp1 >= 0 && line.startsWith('HTTP/', sp2 + 1)) {
      const target = sp2 > sp1 ? line.slice(sp1 + 1, sp2) : '';
      this.target = target;
      if (!knownVersion(line, sp2 + 1)) this.flag('bad_protocol');
      else if (!targetOk(method, target)) this.flag('bad_target');
    } else {
      this.target = sp1 < 0 ? '' : line.slice(sp1 + 1);
      this.flag(status === 414 ? 'truncated' : 'no_protocol');
    }
    return this;
  }

  private unread(line: string, why: MalformedRequest): this {
    this.method = UNKNOWN_METHOD;
    this.target = line;
    this.malformed = why;
    return this;
  }

  private flag(why: MalformedRequest): void {
    if (this.malformed === null) this.malformed = why;
  }
}

function tokenKind(line: string, end: number): number {
  let kind = end > 0 && end <= MAX_METHOD_CHARS ? METHOD_TOKEN : TEXT_TOKEN;
  for (let i = 0; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0xfffd) return BINARY_TOKEN;
    if (kind !== METHOD_TOKEN) continue;
    const l = c | 0x20;
    const letter = l >= 97 && l <= 122;
    if (!letter && (i === 0 || !((c >= 48 && c <= 57) || c === 45 || c === 95))) kind = TEXT_TOKEN;
  }
  return kind;
}

/**
 * HTTP/1.0, HTTP/1.1, HTTP/2(.0) or HTTP/3(.0) from `at` to the end of the line. NGINX logs HTTP/2 and 3
 * requests as `HTTP/2.0`, `HTTP/3.0`; RFC 9113 and other writers (`$server_protocol` elsewhere, log
 * shippers) spell them `HTTP/2`, `HTTP/3`.
 */
function knownVersion(line: string, at: number): boolean {
  const len = line.length - at;
  const major = line.charCodeAt(at + 5);
  if (len === 6) return major === 50 /* 2 */ || major === 51; /* 3 */
  if (len !== 8 || line.charCodeAt(at + 6) !== 46 /* . */) return false;
  const minor = line.charCodeAt(at + 7);
  return major === 49 /* 1 */ ? minor === 48 || minor === 49 : (major === 50 || major === 51) && minor === 48;
}

/** The request-target forms of RFC 9112 §3.2: origin, absolute, authority (CONNECT), asterisk (OPTIONS). */
function targetOk(method: string, target: string): boolean {
  if (target.length === 0 || BAD_TARGET_CHAR_RE.test(target)) return false;
  if (target.charCodeAt(0) === 47 /* / */) return true;
  if (target === '*') return method === 'OPTIONS' || method === 'PRI';
  return method === 'CONNECT' || ABSOLUTE_FORM_RE.test(target);
}
