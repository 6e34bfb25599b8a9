/**
 * Canonical JSON for audit records and digests: the same value always gives the same bytes, whatever the
 * order its object keys were built in. Object keys are sorted by UTF-16 code units and strings and numbers
 * are written as `JSON.stringify` writes them (shortest round-trip numbers), which is the serialization of
 * RFC 8785 (JCS) for the values records hold. Non-finite numbers become `null`, as `JSON.stringify` does;
 * `undefined` members are left out; `toJSON` (Date) is honoured.
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return value === null ? 'null' : canonicalObject(value);
    case 'bigint':
      throw new TypeError('canonicalJson: a bigint has no JSON form');
    default:
      // undefined, functions and symbols: what JSON.stringify writes for them inside an array.
      return 'null';
  }
}

function canonicalObject(value: object): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]);
    return out + ']';
  }
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON());
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(v);
    first = false;
  }
  return out + '}';
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * SHA-256 of a value's canonical JSON: the `configDigest` of a validated config object or the
 * `manifestDigest` of a parsed model manifest, stable across key order and re-serialization.
 */
export function canonicalDigest(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
