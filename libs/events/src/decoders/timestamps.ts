/**
 * Timestamp readers for the formats gateways log. All return ms since epoch, or NaN.
 * A plausibility window rejects garbage that parses (year 0, year 3000, seconds mistaken for ms).
 */
import { fail, type DecodeResult } from '../dead-letter';
import { preview } from './json-fields';

/** 2000-01-01 .. 2100-01-01: anything outside is a broken clock or a broken record. */
export const MIN_PLAUSIBLE_TS = 946_684_800_000;
export const MAX_PLAUSIBLE_TS = 4_102_444_800_000;

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

/** NGINX `$time_local` and API Gateway `$context.requestTime`: `10/Oct/2000:13:55:36 -0700`. */
export function parseClfTime(s: string): number {
  // dd/Mon/yyyy:HH:MM:SS +zzzz  (26 chars)
  if (s.length < 26 || s.charCodeAt(2) !== 47 || s.charCodeAt(6) !== 47 || s.charCodeAt(11) !== 58) {
    return Number.NaN;
  }
  const day = num2(s, 0);
  const month = MONTHS[s.slice(3, 6)];
  const year = num4(s, 7);
  const hh = num2(s, 12);
  const mm = num2(s, 15);
  const ss = num2(s, 18);
  const sign = s.charCodeAt(21) === 45 ? -1 : s.charCodeAt(21) === 43 ? 1 : 0;
  const zh = num2(s, 22);
  const zm = num2(s, 24);
  if (month === undefined || sign === 0 || [day, year, hh, mm, ss, zh, zm].some(Number.isNaN)) return Number.NaN;
  if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return Number.NaN;
  const utc = Date.UTC(year, month, day, hh, mm, ss);
  return utc - sign * (zh * 60 + zm) * 60_000;
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/;

/** ISO 8601 with a zone (Envoy `%START_TIME%`, NGINX `$time_iso8601`). A time without a zone is refused. */
export function parseIsoTime(s: string): number {
  if (s.length > 40 || !ISO_RE.test(s)) return Number.NaN;
  return Date.parse(s.replace(' ', 'T').replace(',', '.'));
}

/**
 * Epoch numbers: seconds (NGINX `$msec` "1701450362.123"), ms (Kong `started_at`), or µs.
 * The magnitude decides, which is safe inside the plausibility window.
 */
export function parseEpoch(v: number): number {
  if (!Number.isFinite(v) || v <= 0) return Number.NaN;
  if (v < 1e11) return Math.round(v * 1000); // seconds
  if (v < 1e14) return Math.round(v); // ms
  if (v < 1e17) return Math.round(v / 1000); // µs
  return Number.NaN;
}

/** Any of the above, chosen by shape. */
export function parseAnyTime(v: unknown): number {
  if (typeof v === 'number') return parseEpoch(v);
  if (typeof v !== 'string' || v.length === 0) return Number.NaN;
  const c = v.charCodeAt(0);
  if (v.length >= 26 && v.charCodeAt(2) === 47) return parseClfTime(v);
  if (v.length >= 19 && v.charCodeAt(4) === 45) return parseIsoTime(v);
  if (c >= 48 && c <= 57 && /^\d+(\.\d+)?$/.test(v)) return parseEpoch(Number(v));
  return Number.NaN;
}

export function checkTime(ms: number, raw: unknown, label: string): DecodeResult<number> {
  if (Number.isNaN(ms)) return fail('invalid_timestamp', `${label} is not a valid time: ${preview(raw)}`);
  if (ms < MIN_PLAUSIBLE_TS || ms > MAX_PLAUSIBLE_TS) {
    return fail('invalid_timestamp', `${label} is outside 2000..2100: ${preview(raw)}`);
  }
  return { ok: true, value: ms };
}

export function readTime(v: unknown, label: string): DecodeResult<number> {
  if (v === undefined || v === null || v === '' || v === '-') return fail('missing_field', `${label} is missing`);
  return checkTime(parseAnyTime(v), v, label);
}

function num2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) return Number.NaN;
  return a * 10 + b;
}

function num4(s: string, i: number): number {
  const hi = num2(s, i);
  const lo = num2(s, i + 2);
  return hi * 100 + lo;
}
