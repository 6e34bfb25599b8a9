/**
 * Configurable record keys for the JSON gateway formats whose keys the user chooses (Envoy `json_format`,
 * NGINX `escape=json`, API Gateway access-log formats). Each logical field has a list of default keys; a
 * source's `fields` map replaces that list with the one key it names. Keys are compiled once per decoder,
 * so a record costs one property read per candidate and no string work.
 */
import { ConfigError } from '../source-config';
import { isRecord } from './json-fields';

/** One key to read: a top-level key, tried as written first; a dotted key then walks nested objects. */
export interface FieldRef {
  readonly key: string;
  readonly path: readonly string[] | null;
}

export function fieldRef(key: string): FieldRef {
  return { key, path: key.includes('.') ? key.split('.') : null };
}

/** True for the values gateways write for "not set": nothing, null, empty and NGINX/AWS `-`. */
export function isAbsent(v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === '-';
}

export function readField(rec: Record<string, unknown>, ref: FieldRef): unknown {
  const v = rec[ref.key];
  if (v !== undefined || ref.path === null) return v;
  let cur: unknown = rec;
  for (const part of ref.path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** The first candidate that is present; undefined when none is. */
export function readFirst(rec: Record<string, unknown>, refs: readonly FieldRef[]): unknown {
  for (let i = 0; i < refs.length; i++) {
    const v = readField(rec, refs[i]!);
    if (!isAbsent(v)) return v;
  }
  return undefined;
}

/** Like readFirst, for optional text: numbers are accepted (gateways disagree), other types are ignored. */
export function readFirstString(rec: Record<string, unknown>, refs: readonly FieldRef[]): string | null {
  const v = readFirst(rec, refs);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/**
 * Compiles the default keys of each field, with the source's `fields` overrides applied. Keys of `fields`
 * that are neither a field of this gateway nor accepted by `isExtraKey` are a config error: a typo must not
 * silently fall back to a default.
 */
export function compileFieldRefs<K extends string>(
  gateway: string,
  defaults: Readonly<Record<K, readonly string[]>>,
  fields: Readonly<Record<string, string>>,
  isExtraKey: (key: string) => boolean = () => false,
): Record<K, readonly FieldRef[]> {
  const unknown = Object.keys(fields).filter((k) => !Object.hasOwn(defaults, k) && !isExtraKey(k));
  if (unknown.length > 0) {
    const issues = unknown.map((k) => `fields.${k}: not a field the ${gateway} decoder reads`);
    throw new ConfigError(
      `config is invalid:\n  - ${issues.join('\n  - ')}\n  (${gateway} fields: ${Object.keys(defaults).join(', ')})`,
      issues,
    );
  }
  const out = {} as Record<K, readonly FieldRef[]>;
  for (const name of Object.keys(defaults) as K[]) {
    const override = fields[name];
    out[name] = override !== undefined ? [fieldRef(override)] : defaults[name].map(fieldRef);
  }
  return out;
}

/** Header names cannot be object-prototype keys; a hostile `__proto__` key is dropped, not assigned. */
export function isSafeKey(key: string): boolean {
  return key !== '__proto__';
}
