/**
 * NGINX access logs, text (`log_format`, default `combined`) and JSON (`log_format … escape=json`).
 * http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format
 *
 * Both writers draw from one table of NGINX variables computed from a SimRequest, so a custom
 * `log_format` string is written exactly as NGINX would fill it: `$remote_addr - $remote_user ...`.
 * Text values are escaped NGINX's default way (`"`, `\`, control and non-ASCII bytes as `\xHH`; an empty
 * value as `-`); JSON values the `escape=json` way (an empty value as `""`).
 */
import type { SimRequest } from '../sim-request';
import {
  clfTime,
  clientPort,
  isoSeconds,
  jsonString,
  jsonStringRepeated,
  requestUri,
  secondsMillis,
  withPort,
} from './text';

/** NGINX's predefined `combined` format. */
export const NGINX_COMBINED_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

/**
 * `combined` plus what attribution needs (host, forwarded-for, timing, sizes, the login, device and
 * session headers, the API key, the CDN country and TLS fingerprint, the request id). `vigil simulate --format nginx` writes
 * this; pass it as `nginxLogFormat` in the source config to read the lines back (it is also in the
 * manifest).
 */
export const NGINX_VIGIL_FORMAT =
  `${NGINX_COMBINED_FORMAT} "$http_x_forwarded_for" $host $request_time $request_length $request_id ` +
  '"$http_x_login_username" "$http_x_device_id" "$http_x_session_id" "$cookie_sid" "$http_apikey" "$http_cf_ipcountry" ' +
  '"$http_x_ja4"';

/** Headers sent back by the (simulated) upstream, counted in $bytes_sent but not in $body_bytes_sent. */
const RESPONSE_HEADER_BYTES = 310;

type Var = (r: SimRequest) => string | number | null;

const VARIABLES: Readonly<Record<string, Var>> = {
  remote_addr: (r) => r.peerIp,
  remote_port: (r) => clientPort(r.requestId),
  remote_user: () => null,
  time_local: (r) => clfTime(r.ts),
  time_iso8601: (r) => isoSeconds(r.ts),
  msec: (r) => (r.ts / 1000).toFixed(3),
  request: (r) => `${r.method} ${requestUri(r.path, r.query)} ${r.protocol}`,
  request_method: (r) => r.method,
  request_uri: (r) => requestUri(r.path, r.query),
  uri: (r) => r.path,
  args: (r) => r.query,
  server_protocol: (r) => r.protocol,
  scheme: () => 'https',
  status: (r) => r.status,
  body_bytes_sent: (r) => Math.max(0, r.bytesOut - RESPONSE_HEADER_BYTES),
  bytes_sent: (r) => r.bytesOut,
  request_length: (r) => r.bytesIn,
  request_time: (r) => secondsMillis(r.latencyMs),
  upstream_response_time: (r) => (r.upstreamLatencyMs > 0 ? secondsMillis(r.upstreamLatencyMs) : null),
  upstream_addr: (r) =>
    r.route !== null && r.upstreamLatencyMs > 0
      ? withPort(
          r.route.service.upstreamIps[parseInt(r.requestId.slice(-2), 16) % r.route.service.upstreamIps.length]!,
          r.route.service.port,
        )
      : null,
  host: (r) => r.host,
  server_name: (r) => r.host,
  request_id: (r) => r.requestId,
  http_referer: (r) => r.referer,
  http_user_agent: (r) => r.userAgent,
  http_x_forwarded_for: (r) => r.forwardedFor,
  http_x_login_username: (r) => r.loginUsername,
  http_x_device_id: (r) => r.deviceId,
  http_x_session_id: (r) => r.sessionHeader,
  http_cookie: (r) => r.cookie,
  cookie_sid: (r) => r.sessionCookie,
  http_apikey: (r) => r.apiKey,
  http_authorization: (r) => r.authorization,
  http_cf_ipcountry: (r) => r.country,
  http_x_ja4: (r) => r.tlsFingerprint,
  http_accept_language: (r) => r.acceptLanguage,
};

export function nginxVariableNames(): string[] {
  return Object.keys(VARIABLES);
}

type Part = string | Var;

/** Splits a log_format string into literal text and variable readers (`$name` or `${name}`). */
function compile(format: string): Part[] {
  const parts: Part[] = [];
  const re = /\$(?:\{([a-z0-9_]+)\}|([a-z0-9_]+))/g;
  let last = 0;
  for (let m = re.exec(format); m !== null; m = re.exec(format)) {
    if (m.index > last) parts.push(format.slice(last, m.index));
    const name = (m[1] ?? m[2])!;
    const v = VARIABLES[name];
    if (!v) throw new Error(`log_format variable $${name} is not simulated; have: ${nginxVariableNames().join(', ')}`);
    parts.push(v);
    last = re.lastIndex;
  }
  if (last < format.length) parts.push(format.slice(last));
  return parts;
}

const TEXT_NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;

/** NGINX's default log escaping: `"`, `\` and bytes outside printable ASCII as `\xHH` (of the UTF-8 bytes). */
export function nginxTextEscape(s: string): string {
  if (!TEXT_NEEDS_ESCAPE.test(s)) return s;
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    out +=
      byte === 0x22 || byte === 0x5c || byte < 0x20 || byte > 0x7e
        ? `\\x${byte.toString(16).toUpperCase().padStart(2, '0')}`
        : String.fromCharCode(byte);
  }
  return out;
}

export class NginxTextWriter {
  readonly format = 'nginx' as const;
  private readonly parts: readonly Part[];

  constructor(readonly logFormat: string = NGINX_VIGIL_FORMAT) {
    this.parts = compile(logFormat);
  }

  write(r: SimRequest): string {
    let s = '';
    for (const p of this.parts) {
      if (typeof p === 'string') s += p;
      else {
        const v = p(r);
        s += v === null || v === '' ? '-' : typeof v === 'number' ? v : nginxTextEscape(v);
      }
    }
    return s;
  }
}

/** Keys of the JSON log_format the nginx-json writer emits, each named after the NGINX variable it holds. */
export const NGINX_JSON_KEYS = [
  'time_iso8601',
  'msec',
  'remote_addr',
  'remote_user',
  'request_id',
  'request_method',
  'request_uri',
  'server_protocol',
  'status',
  'body_bytes_sent',
  'bytes_sent',
  'request_length',
  'request_time',
  'upstream_response_time',
  'upstream_addr',
  'host',
  'http_referer',
  'http_user_agent',
  'http_x_forwarded_for',
  'http_x_login_username',
  'http_x_device_id',
  'http_x_session_id',
  'cookie_sid',
  'http_apikey',
  'http_authorization',
  'http_cf_ipcountry',
  'http_x_ja4',
] as const;

/** Variables whose values repeat request after request (client headers): escaped through a memo. */
const REPEATING = new Set([
  'remote_addr',
  'server_protocol',
  'host',
  'http_user_agent',
  'http_x_forwarded_for',
  'http_x_login_username',
  'http_x_device_id',
  'http_x_session_id',
  'cookie_sid',
  'http_apikey',
  'http_authorization',
  'http_cf_ipcountry',
  'http_x_ja4',
  'upstream_addr',
]);

/** Variables NGINX configs usually write unquoted in JSON formats (numbers). */
const JSON_NUMBERS = new Set(['status', 'body_bytes_sent', 'bytes_sent', 'request_length', 'request_time', 'msec']);

/**
 * The `log_format` an operator would write for these lines:
 * `log_format vigil_json escape=json '{"time_iso8601":"$time_iso8601",...}';`
 */
export function nginxJsonLogFormat(): string {
  const body = NGINX_JSON_KEYS.map((k) => (JSON_NUMBERS.has(k) ? `"${k}":$${k}` : `"${k}":"$${k}"`)).join(',');
  return `log_format vigil_json escape=json '{${body}}';`;
}

export class NginxJsonWriter {
  readonly format = 'nginx-json' as const;
  private readonly vars = NGINX_JSON_KEYS.map(
    (k) => [`"${k}":`, VARIABLES[k]!, JSON_NUMBERS.has(k), REPEATING.has(k) ? jsonStringRepeated : jsonString] as const,
  );

  write(r: SimRequest): string {
    let s = '{';
    const vars = this.vars;
    for (let i = 0; i < vars.length; i++) {
      const [key, read, numeric, quote] = vars[i]!;
      if (i > 0) s += ',';
      s += key;
      const v = read(r);
      if (numeric) s += v === null ? '0' : v;
      else s += v === null ? '""' : typeof v === 'number' ? `"${v}"` : quote(v);
    }
    return s + '}';
  }
}
