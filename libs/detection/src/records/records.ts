/**
 * The decision and alert records: fixed shapes, one NDJSON line each, read by the enforcer, the notifier,
 * the compliance reports and external tools. Change them only by adding optional fields.
 */

export const DECISION_ACTIONS = ['block', 'throttle', 'challenge', 'step_up', 'revoke_session', 'monitor'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/** Actions that change what a proxy does with a request (everything but `monitor`). */
export const ENFORCING_ACTIONS: ReadonlySet<DecisionAction> = new Set([
  'block',
  'throttle',
  'challenge',
  'step_up',
  'revoke_session',
]);

export const DECISION_SCOPES = [
  'ip',
  'subnet',
  'asn',
  'country',
  'principal',
  'api_key',
  'session',
  'device',
  'signature',
] as const;
export type DecisionScope = (typeof DECISION_SCOPES)[number];

/** The AccessEvent fields a proxy sees before it forwards a request: what a signature may name. */
export const SIGNATURE_FIELDS = [
  'method',
  'host',
  'path',
  'routeClass',
  'userAgent',
  'tlsFingerprint',
  'country',
  'asn',
] as const;
export type SignatureField = (typeof SIGNATURE_FIELDS)[number];
/** Field → required value; a request matches when every field matches. */
export type Signature = Readonly<Partial<Record<SignatureField, string>>>;

export interface Reason {
  /** `<entity>.<feature>` for features, or a named signal such as `signature.lift`. */
  readonly feature: string;
  readonly value: number;
  readonly baseline: number;
}

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface Decision {
  /** Deterministic: the same detector, scope and value, in the same episode, give the same id. */
  readonly id: string;
  /** Event time (ms) when decided (or extended). */
  readonly ts: number;
  readonly action: DecisionAction;
  readonly scope: DecisionScope;
  /** The entity (HMAC id for principal, session, device, api_key); for `signature`, field → value. */
  readonly value: string | Signature;
  readonly ttlSeconds: number;
  readonly detector: string;
  readonly score: number;
  readonly reasons: readonly Reason[];
  readonly modelVersion: string;
  /** Monitor-only: written and audited, never enforced. */
  readonly shadow: boolean;
}

export interface Alert {
  readonly id: string;
  readonly ts: number;
  readonly detector: string;
  readonly severity: Severity;
  readonly entity: { readonly type: string; readonly value: string };
  readonly score: number;
  readonly reasons: readonly Reason[];
  readonly decisionIds: readonly string[];
}

/** A decision is in force at event time `t` (ms) when `ts <= t < ts + ttl`. */
export function decisionExpiresAt(d: Pick<Decision, 'ts' | 'ttlSeconds'>): number {
  return d.ts + d.ttlSeconds * 1000;
}

/** Stable text form of a decision's value, for ids and keys (`scope:value` on the decisions topic). */
export function decisionValueKey(scope: DecisionScope, value: string | Signature): string {
  if (typeof value === 'string') return `${scope}:${value}`;
  const fields = SIGNATURE_FIELDS.filter((f) => value[f] !== undefined).map((f) => `${f}=${value[f]}`);
  return `${scope}:${fields.join('&')}`;
}

/**
 * The key a decision is written under on the compacted decisions topic: its target, or a key of its own
 * for a shadow decision, so that a challenger's decision never replaces (nor, once compacted, erases) the
 * champion's decision on the same target.
 */
export function decisionRecordKey(d: Pick<Decision, 'scope' | 'value' | 'shadow'>): string {
  const key = decisionValueKey(d.scope, d.value);
  return d.shadow ? `shadow|${key}` : key;
}
