/**
 * The alert as the SIEM formats read it, and its decoder for records of the alerts topic.
 *
 * The shape is `Alert` of @vigil/detection (libs/detection/src/records/records.ts), written again here
 * because @vigil/detection depends on this lib and cannot be imported from it; apps/notifier checks at
 * compile time that the two are assignable both ways, so a change to `Alert` breaks the build there
 * instead of drifting. The decoder is the edge: a record that passes it is trusted by every format.
 */
import { fail, type DecodeResult } from '@vigil/events';

export const SIEM_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type SiemSeverity = (typeof SIEM_SEVERITIES)[number];

export interface SiemReason {
  readonly feature: string;
  readonly value: number;
  readonly baseline: number;
}

export interface SiemAlert {
  /** Deterministic (the detector derives it from detector, entity and time): receivers dedupe on it. */
  readonly id: string;
  /** Event time of the detection (ms since the epoch). */
  readonly ts: number;
  readonly detector: string;
  readonly severity: SiemSeverity;
  /** What the alert is about: `ip`, `subnet`, `principal` (an HMAC id, never the raw account), … */
  readonly entity: { readonly type: string; readonly value: string };
  readonly score: number;
  readonly reasons: readonly SiemReason[];
  readonly decisionIds: readonly string[];
}

/** Who reports the alerts: the product fields of every format's header. */
export interface SiemProduct {
  readonly vendor: string;
  readonly product: string;
  readonly version: string;
}

/** Past this, an alerts-topic record is refused before parsing (an alert is a few hundred bytes). */
export const DEFAULT_MAX_ALERT_BYTES = 1_000_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * One alerts-topic value → a SiemAlert, or why not (the dead-letter reasons of @vigil/events). Unknown
 * fields are ignored: the record may only grow by optional fields.
 */
export function decodeSiemAlert(
  value: Buffer | null,
  maxBytes: number = DEFAULT_MAX_ALERT_BYTES,
): DecodeResult<SiemAlert> {
  if (value === null) return fail('missing_field', 'tombstone: the record has no value');
  if (value.length > maxBytes) return fail('record_too_large', `${value.length} bytes, over the ${maxBytes} limit`);
  let raw: unknown;
  try {
    raw = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return fail('malformed_json', (err as Error).message);
  }
  if (!isObject(raw))
    return fail('not_an_object', `an alert is a JSON object, got ${Array.isArray(raw) ? 'an array' : typeof raw}`);
  const missing = ['id', 'ts', 'detector', 'severity', 'entity', 'score', 'reasons', 'decisionIds'].find(
    (k) => raw[k] === undefined,
  );
  if (missing) return fail('missing_field', `alert.${missing} is missing`);
  const { id, ts, detector, severity, entity, score, reasons, decisionIds } = raw;
  const bad = (field: string, want: string) => fail('invalid_field_type', `alert.${field} must be ${want}`);
  if (typeof id !== 'string' || id === '') return bad('id', 'a non-empty string');
  if (!isFiniteNumber(ts) || ts < 0) return bad('ts', 'a time in ms since the epoch');
  if (typeof detector !== 'string' || detector === '') return bad('detector', 'a non-empty string');
  if (typeof severity !== 'string' || !(SIEM_SEVERITIES as readonly string[]).includes(severity))
    return bad('severity', `one of ${SIEM_SEVERITIES.join(', ')}`);
  if (!isObject(entity) || typeof entity['type'] !== 'string' || typeof entity['value'] !== 'string')
    return bad('entity', 'an object with string type and value');
  if (!isFiniteNumber(score)) return bad('score', 'a finite number');
  if (!Array.isArray(reasons)) return bad('reasons', 'an array');
  for (const [i, r] of reasons.entries())
    if (
      !isObject(r) ||
      typeof r['feature'] !== 'string' ||
      !isFiniteNumber(r['value']) ||
      !isFiniteNumber(r['baseline'])
    )
      return bad(`reasons[${i}]`, 'an object with a string feature and finite value and baseline');
  if (!Array.isArray(decisionIds) || !decisionIds.every((d) => typeof d === 'string'))
    return bad('decisionIds', 'an array of strings');
  return {
    ok: true,
    value: {
      id,
      ts,
      detector,
      severity: severity as SiemSeverity,
      entity: { type: entity['type'], value: entity['value'] },
      score,
      reasons: reasons.map((r) => ({
        feature: r.feature as string,
        value: r.value as number,
        baseline: r.baseline as number,
      })),
      decisionIds: decisionIds as string[],
    },
  };
}
