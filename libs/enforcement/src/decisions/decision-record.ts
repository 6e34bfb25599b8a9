/**
 * Reading the decisions topic: a record is a Decision as JSON (libs/detection's fixed shape), keyed by
 * `scope:value` (decisionValueKey; shadow decisions under their own `shadow|` keys), or a tombstone (null
 * value) that revokes whatever its key held. Anything else is refused with a dead-letter reason — an
 * enforcer must never serve a half-read decision.
 */
import {
  DECISION_ACTIONS,
  DECISION_SCOPES,
  SIGNATURE_FIELDS,
  decisionRecordKey,
  decisionValueKey,
  type Decision,
  type DecisionAction,
  type DecisionScope,
  type Signature,
} from '@vigil/detection';
import { fail, type DecodeResult } from '@vigil/events';
import { parseNetwork } from '../match/prefix-tree';

/** Decisions are a few hundred bytes; a megabyte is no decision. */
export const MAX_DECISION_RECORD_BYTES = 64 * 1024;

const ACTIONS: ReadonlySet<string> = new Set(DECISION_ACTIONS);
const SCOPES: ReadonlySet<string> = new Set(DECISION_SCOPES);
const FIELDS: ReadonlySet<string> = new Set(SIGNATURE_FIELDS);
const ADDRESS_SCOPES: ReadonlySet<DecisionScope> = new Set(['ip', 'subnet']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseSignature(v: unknown): Signature | string {
  if (!isObject(v)) return 'a signature decision needs an object value (field → value)';
  const entries = Object.entries(v);
  if (entries.length === 0) return 'a signature must name at least one field';
  for (const [f, want] of entries) {
    if (!FIELDS.has(f)) return `unknown signature field "${f.slice(0, 40)}" (known: ${SIGNATURE_FIELDS.join(', ')})`;
    if (typeof want !== 'string' || want.length === 0) return `signature field ${f} needs a non-empty string`;
  }
  return v as Signature;
}

/** Validates a decoded JSON value as a Decision (every field the enforcer reads, with its type). */
export function validateDecision(v: unknown): DecodeResult<Decision> {
  if (!isObject(v)) return fail('not_an_object', 'a decision record must be a JSON object');
  for (const f of ['id', 'detector', 'modelVersion'] as const) {
    if (typeof v[f] !== 'string' || (v[f] as string).length === 0) {
      return fail(v[f] === undefined ? 'missing_field' : 'invalid_field_type', `${f} must be a non-empty string`);
    }
  }
  if (typeof v['ts'] !== 'number' || !Number.isFinite(v['ts']))
    return fail('invalid_timestamp', 'ts must be ms since the epoch');
  if (typeof v['ttlSeconds'] !== 'number' || !(v['ttlSeconds'] >= 0) || !Number.isFinite(v['ttlSeconds'])) {
    return fail('invalid_field_type', 'ttlSeconds must be a non-negative number');
  }
  if (typeof v['score'] !== 'number') return fail('invalid_field_type', 'score must be a number');
  if (typeof v['shadow'] !== 'boolean') return fail('invalid_field_type', 'shadow must be true or false');
  if (!Array.isArray(v['reasons'])) return fail('invalid_field_type', 'reasons must be an array');
  if (typeof v['action'] !== 'string' || !ACTIONS.has(v['action'])) {
    return fail('invalid_decision', `action must be one of ${DECISION_ACTIONS.join(', ')}`);
  }
  if (typeof v['scope'] !== 'string' || !SCOPES.has(v['scope'])) {
    return fail('invalid_decision', `scope must be one of ${DECISION_SCOPES.join(', ')}`);
  }
  const scope = v['scope'] as DecisionScope;
  if (scope === 'signature') {
    const s = parseSignature(v['value']);
    if (typeof s === 'string') return fail('invalid_decision', s);
  } else {
    if (typeof v['value'] !== 'string' || v['value'].length === 0 || v['value'].length > 512) {
      return fail('invalid_field_type', `a ${scope} decision needs a string value (1-512 characters)`);
    }
    if (ADDRESS_SCOPES.has(scope)) {
      const net = parseNetwork(v['value']);
      if (!net || (scope === 'ip' && v['value'].includes('/'))) {
        return fail(
          'invalid_ip',
          `"${v['value'].slice(0, 60)}" is not ${scope === 'ip' ? 'an IP address' : 'a CIDR range'}`,
        );
      }
    }
  }
  return { ok: true, value: v as unknown as Decision };
}

export type DecisionRecordResult =
  | { readonly ok: true; readonly kind: 'decision'; readonly key: string; readonly decision: Decision }
  | { readonly ok: true; readonly kind: 'revocation'; readonly key: string }
  | { readonly ok: false; readonly reason: import('@vigil/events').DeadLetterReason; readonly detail: string };

/** One record of the decisions topic: its key (Kafka key, or the decision's own) and value bytes. */
export function readDecisionRecord(key: Buffer | string | null, value: Buffer | null): DecisionRecordResult {
  const keyText = key === null ? null : typeof key === 'string' ? key : key.toString('utf8');
  if (value === null) {
    if (!keyText) return fail('missing_field', 'a tombstone (revocation) needs the key of the decision it revokes');
    return { ok: true, kind: 'revocation', key: keyText };
  }
  if (value.length > MAX_DECISION_RECORD_BYTES) {
    return fail('record_too_large', `${value.length} bytes; a decision record is at most ${MAX_DECISION_RECORD_BYTES}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return fail('malformed_json', (err as Error).message.slice(0, 200));
  }
  const checked = validateDecision(parsed);
  if (!checked.ok) return checked;
  const decision = checked.value;
  const own = decisionRecordKey(decision);
  // A decision keyed under another target would be compacted away by the wrong record: refuse it.
  if (keyText !== null && keyText !== own && keyText !== decisionValueKey(decision.scope, decision.value)) {
    return fail(
      'invalid_decision',
      `record key "${keyText.slice(0, 80)}" is not the decision's target "${own.slice(0, 80)}"`,
    );
  }
  return { ok: true, kind: 'decision', key: keyText ?? own, decision };
}

export type { DecisionAction };
