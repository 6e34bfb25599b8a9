/**
 * Small, allocation-free readers for fields of parsed JSON records. Gateways disagree on types
 * (API Gateway logs numbers as strings, "-" for absent), so each reader says what it accepts.
 */
import { fail, type DecodeFailure, type DecodeResult } from '../dead-letter';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field, or null when absent, empty or the gateway's "-" placeholder. */
export function optString(obj: Record<string, unknown>, key: string): string | null {
  const v = obj[key];
  if (typeof v === 'string') return v === '' || v === '-' ? null : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** A numeric field given as a number or a numeric string; null when absent or "-". NaN when not numeric. */
export function optNumber(obj: Record<string, unknown>, key: string): number | null {
  const v = obj[key];
  if (typeof v === 'number') return Number.isFinite(v) ? v : Number.NaN;
  if (v === undefined || v === null || v === '' || v === '-') return null;
  if (typeof v === 'string') {
    const n = Number(v);
    return Number.isFinite(n) ? n : Number.NaN;
  }
  return Number.NaN;
}

/** Reads `a.b.c` from nested objects. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  let start = 0;
  while (start <= path.length) {
    let dot = path.indexOf('.', start);
    if (dot < 0) dot = path.length;
    if (!isRecord(cur)) return undefined;
    cur = cur[path.slice(start, dot)];
    start = dot + 1;
  }
  return cur;
}

export function requireString(obj: Record<string, unknown>, key: string, label: string = key): DecodeResult<string> {
  const v = obj[key];
  if (v === undefined || v === null || v === '' || v === '-') return fail('missing_field', `${label} is missing`);
  if (typeof v !== 'string') return fail('invalid_field_type', `${label} must be a string, got ${typeName(v)}`);
  return { ok: true, value: v };
}

/** HTTP status: an integer 100..599 (given as number or numeric string). */
export function readStatus(v: unknown, label: string): DecodeResult<number> {
  if (v === undefined || v === null || v === '' || v === '-') return fail('missing_field', `${label} is missing`);
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < 100 || n > 599) {
    return fail('invalid_status', `${label} must be an HTTP status 100-599, got ${preview(v)}`);
  }
  return { ok: true, value: n };
}

const METHOD_RE = /^[A-Z][A-Z-]{1,15}$/;
export function readMethod(v: unknown, label: string): DecodeResult<string> {
  if (v === undefined || v === null || v === '' || v === '-') return fail('missing_field', `${label} is missing`);
  if (typeof v !== 'string') return fail('invalid_field_type', `${label} must be a string, got ${typeName(v)}`);
  const m = v.length <= 16 && METHOD_RE.test(v) ? v : v.toUpperCase();
  if (!METHOD_RE.test(m)) return fail('invalid_method', `${label} is not an HTTP method: ${preview(v)}`);
  return { ok: true, value: m };
}

/** A non-negative size or duration; null when absent; a failure when present but not a number. */
export function readNonNegative(v: unknown, label: string): DecodeResult<number | null> {
  if (v === undefined || v === null || v === '' || v === '-') return { ok: true, value: null };
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n) || n < 0) {
    return fail('invalid_field_type', `${label} must be a non-negative number, got ${preview(v)}`);
  }
  return { ok: true, value: n };
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** A short, log-safe rendering of a hostile value for error details. */
export function preview(v: unknown, max = 60): string {
  let s: string;
  try {
    s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  // JSON.stringify escapes control characters, so the detail stays one printable line.
  const shown = JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
  return shown;
}

export function isFailure<T>(r: DecodeResult<T>): r is DecodeFailure {
  return !r.ok;
}
