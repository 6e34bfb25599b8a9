/**
 * String building blocks shared by the writers: JSON string literals without JSON.stringify on the
 * common (clean ASCII) path, and the gateways' time formats. Writers build lines by concatenation
 * because the benchmarks need hundreds of thousands of 2 KB records a second.
 */

const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;

/** A JSON string literal. Falls back to JSON.stringify only when the text needs escaping. */
export function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

const literalMemo = new Map<string, string>();
const LITERAL_MEMO_CAP = 50_000;

/**
 * jsonString for values that repeat across requests (user agents, cookies, tokens, hosts): the same
 * string object comes back request after request, and V8 caches a string's hash, so the memo hit is
 * cheaper than scanning it again. Bounded: cleared when full.
 */
export function jsonStringRepeated(s: string): string {
  let lit = literalMemo.get(s);
  if (lit === undefined) {
    lit = jsonString(s);
    if (literalMemo.size >= LITERAL_MEMO_CAP) literalMemo.clear();
    literalMemo.set(s, lit);
  }
  return lit;
}

/** jsonStringRepeated or `null`. */
export function jsonOptRepeated(s: string | null): string {
  return s === null ? 'null' : jsonStringRepeated(s);
}

/** A JSON string literal or `null`. */
export function jsonOpt(s: string | null): string {
  return s === null ? 'null' : jsonString(s);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Formatting a Date costs more than the rest of a record; traffic arrives many requests a second, so each
 * format keeps the text of the last second it formatted.
 */
class SecondCache {
  private second = NaN;
  private text = '';
  constructor(private readonly format: (secondMs: number) => string) {}
  get(ts: number): string {
    const sec = Math.floor(ts / 1000);
    if (sec !== this.second) {
      this.second = sec;
      this.text = this.format(sec * 1000);
    }
    return this.text;
  }
}

const isoSecondPrefix = new SecondCache((ms) => new Date(ms).toISOString().slice(0, 19));
const MILLIS: readonly string[] = Array.from({ length: 1000 }, (_, i) => `.${String(i).padStart(3, '0')}Z`);

/** `2026-03-01T12:00:00.123Z` (Envoy %START_TIME% default, API Gateway requestTime ISO variants). */
export function isoMillis(ts: number): string {
  return isoSecondPrefix.get(ts) + MILLIS[((ts % 1000) + 1000) % 1000]!;
}

/** `2026-03-01T12:00:00+00:00` (NGINX $time_iso8601, seconds only). */
export function isoSeconds(ts: number): string {
  return `${isoSecondPrefix.get(ts)}+00:00`;
}

const clfCache = new SecondCache(formatClf);
const httpDateCache = new SecondCache(formatHttpDate);

/** `01/Mar/2026:12:00:00 +0000` (NGINX $time_local, API Gateway $context.requestTime), UTC. */
export function clfTime(ts: number): string {
  return clfCache.get(ts);
}

/** `Sun, 01 Mar 2026 12:00:00 GMT` (HTTP Date header). */
export function httpDate(ts: number): string {
  return httpDateCache.get(ts);
}

function formatClf(ts: number): string {
  const d = new Date(ts);
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(
    d.getUTCMinutes(),
  )}:${two(d.getUTCSeconds())} +0000`;
}

function formatHttpDate(ts: number): string {
  const d = new Date(ts);
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(
    d.getUTCHours(),
  )}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} GMT`;
}

/** Seconds with millisecond resolution, as NGINX prints $request_time (`0.042`). */
export function secondsMillis(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** The request target as sent: path plus `?query`. */
export function requestUri(path: string, query: string | null): string {
  return query === null ? path : `${path}?${query}`;
}

/** A `host:port` or `[v6]:port` address. */
export function withPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** A deterministic ephemeral client port from the request id (no randomness needed in writers). */
export function clientPort(requestId: string): number {
  return 32768 + (parseInt(requestId.slice(0, 4), 16) % 28232);
}
