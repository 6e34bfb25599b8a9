/**
 * CrowdSec's Local API as bouncers read it (`GET /v1/decisions/stream`, `GET /v1/decisions`): its JSON
 * field names, its scopes (`Ip`, `Range`; Vigil's other scopes under their own names), its types (`ban`,
 * `captcha`, and Vigil's other actions under their own names), the remaining time as a Go duration, and
 * its filters (`scopes` — `ip,range` unless a bouncer asks for more —, `origins`, `scenarios_containing`,
 * `scenarios_not_containing`, `type`). Checked against crowdsec's pkg/apiserver/controllers/v1/decisions.go
 * and the models it serialises, and against a real bouncer (test/enforcer/crowdsec-bouncer.test.ts).
 */
import { decisionValueKey, type DecisionAction, type DecisionScope, type Signature } from '@vigil/detection';
import type { ActiveDecision, DecisionChange } from '../decisions/active-decisions';
import { formatGoDuration } from './go-duration';

export const CROWDSEC_ORIGIN = 'vigil';

/** What models.Decision serialises (github.com/crowdsecurity/crowdsec/pkg/models/decision.go). */
export interface CrowdsecDecision {
  readonly id: number;
  readonly uuid: string;
  readonly origin: string;
  readonly scenario: string;
  readonly scope: string;
  readonly value: string;
  readonly type: string;
  readonly duration: string;
}

export interface CrowdsecStream {
  readonly new: CrowdsecDecision[];
  readonly deleted: CrowdsecDecision[];
}

export function crowdsecScope(scope: DecisionScope): string {
  return scope === 'ip' ? 'Ip' : scope === 'subnet' ? 'Range' : scope;
}

/** CrowdSec's own types where they mean the same (`ban`, `captcha`), Vigil's action names otherwise. */
export function crowdsecType(action: DecisionAction): string {
  return action === 'block' ? 'ban' : action === 'challenge' ? 'captcha' : action;
}

function crowdsecValue(e: ActiveDecision): string {
  const { scope, value } = e.decision;
  if (typeof value === 'string') return value;
  // A signature's text form without the `signature:` prefix: field=value&field=value.
  return decisionValueKey(scope, value as Signature).slice('signature:'.length);
}

export function toCrowdsec(e: ActiveDecision, now: number): CrowdsecDecision {
  return {
    id: e.crowdsecId,
    uuid: e.decision.id,
    origin: CROWDSEC_ORIGIN,
    scenario: `vigil/${e.decision.detector}`,
    scope: crowdsecScope(e.decision.scope),
    value: crowdsecValue(e),
    type: crowdsecType(e.decision.action),
    duration: formatGoDuration(e.expiresAt - now),
  };
}

export interface CrowdsecFilter {
  /** Lower-cased CrowdSec scope names; null: any. */
  readonly scopes: ReadonlySet<string> | null;
  readonly origins: ReadonlySet<string> | null;
  readonly scenariosContaining: readonly string[] | null;
  readonly scenariosNotContaining: readonly string[] | null;
  readonly type: string | null;
}

export type QueryParams = Readonly<Record<string, string | readonly string[] | undefined>>;

const first = (q: QueryParams, name: string): string | undefined => {
  const v = q[name];
  return Array.isArray(v) ? (v[0] as string | undefined) : (v as string | undefined);
};
const list = (v: string | undefined): string[] | null =>
  v === undefined || v === ''
    ? null
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/** The filters of a request's query; `defaultScopes` is `ip,range` on the stream, any on a lookup. */
export function crowdsecFilter(q: QueryParams, defaultScopes: readonly string[] | null): CrowdsecFilter {
  const scopes = list(first(q, 'scopes'))?.map((s) => s.toLowerCase()) ?? defaultScopes;
  const origins = list(first(q, 'origins'));
  return {
    scopes: scopes ? new Set(scopes) : null,
    origins: origins ? new Set(origins) : null,
    scenariosContaining: list(first(q, 'scenarios_containing')),
    scenariosNotContaining: list(first(q, 'scenarios_not_containing')),
    type: first(q, 'type') ?? null,
  };
}

export function passes(f: CrowdsecFilter, e: ActiveDecision): boolean {
  if (f.scopes && !f.scopes.has(crowdsecScope(e.decision.scope).toLowerCase())) return false;
  if (f.origins && !f.origins.has(CROWDSEC_ORIGIN)) return false;
  if (f.type && f.type !== crowdsecType(e.decision.action)) return false;
  const scenario = `vigil/${e.decision.detector}`;
  if (f.scenariosContaining && !f.scenariosContaining.some((s) => scenario.includes(s))) return false;
  if (f.scenariosNotContaining && f.scenariosNotContaining.some((s) => scenario.includes(s))) return false;
  return true;
}

/** A bouncer's first pull (`startup=true`): everything in force, and what ended recently as deleted. */
export function startupStream(
  active: Iterable<ActiveDecision>,
  removed: Iterable<ActiveDecision>,
  f: CrowdsecFilter,
  now: number,
): CrowdsecStream {
  const out: CrowdsecStream = { new: [], deleted: [] };
  for (const e of active) if (e.expiresAt > now && passes(f, e)) out.new.push(toCrowdsec(e, now));
  for (const e of removed) if (passes(f, e)) out.deleted.push(toCrowdsec(e, now));
  return out;
}

/**
 * A later pull: decisions added since the bouncer's cursor and still in force, and those removed since.
 * `current` tells whether an added entry is still the one in force (not replaced or removed since).
 */
export function deltaStream(
  changes: readonly DecisionChange[],
  current: (e: ActiveDecision) => boolean,
  f: CrowdsecFilter,
  now: number,
): CrowdsecStream {
  const out: CrowdsecStream = { new: [], deleted: [] };
  for (const c of changes) {
    if (!passes(f, c.entry)) continue;
    if (c.kind === 'added') {
      if (current(c.entry) && c.entry.expiresAt > now) out.new.push(toCrowdsec(c.entry, now));
    } else out.deleted.push(toCrowdsec(c.entry, now));
  }
  return out;
}
