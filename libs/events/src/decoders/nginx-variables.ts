/**
 * NGINX variables → RawRequest: the one mapping shared by the text decoder (nginx.ts, `log_format` lines)
 * and the JSON decoder (nginx-json.ts, `escape=json` objects), so that the same variables mean the same
 * thing in both. Variables: https://nginx.org/en/docs/varindex.html
 *
 *   remote_addr                           the TCP peer (or what the realip module made of it)
 *   msec | time_iso8601 | time_local      event time, tried in that order (msec is the most precise)
 *   request                               "GET /path?q HTTP/1.1", split by request-line.ts (a line that is
 *                                         not a valid one is read as far as it goes and flagged
 *                                         `malformed`); else request_method + request_uri (else uri +
 *                                         args/query_string)
 *   status, request_length (bytes in), bytes_sent | body_bytes_sent (bytes out)
 *   request_time (s → ms), else the sum of upstream_response_time (s → ms)
 *   host | http_host | server_name, request_id
 *   ssl_client_verify                     SUCCESS → mTLS
 *   ssl_ja4 | ssl_ja3_hash                TLS fingerprint (third-party modules)
 *   http_<name>                           request header <name> with `_` → `-` (http_user_agent, http_x_forwarded_for, …)
 *   cookie_<name>                         added to the request's cookie string
 * Unset variables are logged as `-` (or "" in escape=json) and read as absent.
 */
import type { MalformedRequest } from '../access-event';
import { fail, type DecodeFailure, type DecodeResult } from '../dead-letter';
import type { HeaderMap, RawRequest } from '../raw-request';
import { isAbsent, isSafeKey } from './field-lookup';
import { readMethod, readNonNegative, readStatus, typeName } from './json-fields';
import { RequestLine } from './request-line';
import { readTime } from './timestamps';

/** The fixed variables the mapping reads, by slot. */
export const NGINX_VARIABLES = [
  'remote_addr',
  'msec',
  'time_iso8601',
  'time_local',
  'request',
  'request_method',
  'request_uri',
  'uri',
  'args',
  'query_string',
  'status',
  'request_length',
  'bytes_sent',
  'body_bytes_sent',
  'request_time',
  'upstream_response_time',
  'host',
  'server_name',
  'request_id',
  'ssl_client_verify',
  'ssl_ja4',
  'ssl_ja3_hash',
] as const;
export type NginxVariable = (typeof NGINX_VARIABLES)[number];

const SLOT = Object.fromEntries(NGINX_VARIABLES.map((v, i) => [v, i])) as Record<NginxVariable, number>;
const VARIABLE_COUNT = NGINX_VARIABLES.length;
const REQUEST_SLOT = SLOT.request;
const EMPTY_HEADERS: HeaderMap = Object.freeze({});

/** Where one logged variable goes; decided once per format or JSON key, never per record. */
export type NginxTarget =
  | { readonly kind: 'var'; readonly slot: number }
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'cookie'; readonly name: string };

/** The target of a variable name (without `$`), or null when Vigil does not read it. */
export function nginxTarget(variable: string): NginxTarget | null {
  if (Object.hasOwn(SLOT, variable)) return { kind: 'var', slot: SLOT[variable as NginxVariable] };
  if (variable.length > 5 && variable.startsWith('http_')) {
    return { kind: 'header', name: variable.slice(5).toLowerCase().replace(/_/g, '-') };
  }
  if (variable.length > 7 && variable.startsWith('cookie_')) return { kind: 'cookie', name: variable.slice(7) };
  return null;
}

/**
 * One record's variable values. A decoder owns one and resets it per record (decoding is synchronous),
 * so that a record costs no slot array; the header object is new per record since it goes into the event.
 */
export class NginxValues {
  readonly vars: unknown[] = new Array<unknown>(VARIABLE_COUNT).fill(undefined);
  headers: Record<string, string> | null = null;
  cookies: string | null = null;
  /** Where `request` is read into. */
  readonly requestLine = new RequestLine();

  reset(): void {
    this.vars.fill(undefined);
    this.headers = null;
    this.cookies = null;
  }

  /**
   * Absent values (`-`, "", null) are skipped; a repeated variable keeps its first value. Except the request
   * line: `-` there is a connection that sent none (a probe, a timeout), an event flagged `empty`.
   */
  set(target: NginxTarget, value: unknown): void {
    if (target.kind === 'var') {
      if (this.vars[target.slot] !== undefined || value === undefined || value === null) return;
      if (target.slot !== REQUEST_SLOT && (value === '' || value === '-')) return;
      this.vars[target.slot] = value;
      return;
    }
    if (isAbsent(value)) return;
    const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
    if (text === null) return; // a header logged as an object or array is not a header value
    if (target.kind === 'header') {
      if (!isSafeKey(target.name)) return;
      const headers = (this.headers ??= {});
      if (headers[target.name] === undefined) headers[target.name] = text;
    } else {
      const pair = `${target.name}=${text}`;
      this.cookies = this.cookies === null ? pair : `${this.cookies}; ${pair}`;
    }
  }
}

/** The one NGINX variables → RawRequest mapping. */
export function nginxRequest(
  values: NginxValues,
  gateway: 'nginx' | 'nginx-json',
  record: unknown,
): DecodeResult<RawRequest> {
  const v = values.vars;
  const remote = v[SLOT.remote_addr];
  if (typeof remote !== 'string') {
    return remote === undefined
      ? fail('missing_field', 'remote_addr is missing')
      : fail('invalid_field_type', `remote_addr must be a string, got ${typeName(remote)}`);
  }

  const timeSlot =
    v[SLOT.msec] !== undefined ? SLOT.msec : v[SLOT.time_iso8601] !== undefined ? SLOT.time_iso8601 : SLOT.time_local;
  const ts = readTime(v[timeSlot], NGINX_VARIABLES[timeSlot]!);
  if (!ts.ok) {
    return ts.reason === 'missing_field' ? fail('missing_field', 'msec, time_iso8601 or time_local is missing') : ts;
  }

  const status = readStatus(v[SLOT.status], 'status');
  if (!status.ok) return status;

  let method: string;
  let uri: string;
  let malformed: MalformedRequest | null = null;
  const requestLine = v[SLOT.request];
  if (requestLine !== undefined) {
    if (typeof requestLine !== 'string') {
      return fail('invalid_field_type', `request must be a string, got ${typeName(requestLine)}`);
    }
    // Whatever the client sent is logged here; a line that is not HTTP is still a request, flagged.
    const line = values.requestLine.read(requestLine, status.value);
    method = line.method;
    uri = line.target;
    malformed = line.malformed;
  } else {
    const m = readMethod(v[SLOT.request_method], 'request_method');
    if (!m.ok)
      return m.reason === 'missing_field' ? fail('missing_field', 'request (or request_method) is missing') : m;
    method = m.value;
    const target = targetOf(v);
    if (typeof target !== 'string') return target;
    uri = target;
  }

  const bytesIn = readNonNegative(v[SLOT.request_length], 'request_length');
  if (!bytesIn.ok) return bytesIn;
  const outSlot = v[SLOT.bytes_sent] !== undefined ? SLOT.bytes_sent : SLOT.body_bytes_sent;
  const bytesOut = readNonNegative(v[outSlot], NGINX_VARIABLES[outSlot]!);
  if (!bytesOut.ok) return bytesOut;
  let latencyMs: number | null;
  if (v[SLOT.request_time] !== undefined) {
    const seconds = readNonNegative(v[SLOT.request_time], 'request_time');
    if (!seconds.ok) return seconds;
    latencyMs = seconds.value === null ? null : Math.round(seconds.value * 1000);
  } else {
    latencyMs = upstreamMs(v[SLOT.upstream_response_time]);
  }

  let h = values.headers;
  if (values.cookies !== null) {
    h ??= {};
    const logged = h['cookie'];
    h['cookie'] = logged === undefined ? values.cookies : `${logged}; ${values.cookies}`;
  }
  return {
    ok: true,
    value: {
      gateway,
      ts: ts.value,
      requestId: text(v[SLOT.request_id]),
      remoteAddr: remote,
      forwardedFor: h?.['x-forwarded-for'] ?? null,
      method,
      host: text(v[SLOT.host]) ?? h?.['host'] ?? text(v[SLOT.server_name]),
      uri,
      malformed,
      status: status.value,
      bytesIn: bytesIn.value,
      bytesOut: bytesOut.value,
      latencyMs,
      userAgent: h?.['user-agent'] ?? null,
      headers: h ?? EMPTY_HEADERS,
      consumerName: null,
      authenticatedId: null,
      routeTemplateHint: null,
      tlsFingerprint: text(v[SLOT.ssl_ja4]) ?? text(v[SLOT.ssl_ja3_hash]),
      clientCertVerified: v[SLOT.ssl_client_verify] === 'SUCCESS',
      record,
    },
  };
}

/** request_uri (original, with args), else uri + args: the normalized `$uri` is second best. */
function targetOf(v: readonly unknown[]): string | DecodeFailure {
  const requestUri = v[SLOT.request_uri];
  if (requestUri !== undefined) {
    return typeof requestUri === 'string'
      ? requestUri
      : fail('invalid_field_type', `request_uri must be a string, got ${typeName(requestUri)}`);
  }
  const path = v[SLOT.uri];
  if (path === undefined) return fail('missing_field', 'request (or request_uri) is missing');
  if (typeof path !== 'string') return fail('invalid_field_type', `uri must be a string, got ${typeName(path)}`);
  const args = v[SLOT.args] ?? v[SLOT.query_string];
  return typeof args === 'string' ? `${path}?${args}` : path;
}

/** `$upstream_response_time` lists one time per upstream tried ("0.012, 0.340 : 0.002"); their sum. */
function upstreamMs(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : null;
  if (typeof value !== 'string') return null;
  let total = 0;
  let any = false;
  let start = 0;
  for (let i = 0; i <= value.length; i++) {
    const c = i === value.length ? 44 : value.charCodeAt(i);
    if (c === 44 /* , */ || c === 58 /* : */) {
      const part = Number(value.slice(start, i));
      if (Number.isFinite(part) && part >= 0 && i > start) {
        total += part;
        any = true;
      }
      start = i + 1;
    }
  }
  return any ? Math.round(total * 1000) : null;
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}
