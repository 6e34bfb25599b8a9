/**
 * What a proxy does with one request, from the decisions that match it: the strongest action wins
 * (block over revoking the session over step-up over challenge over throttle), and the answer is an HTTP
 * status plus headers that NGINX `auth_request` and Envoy `ext_authz` act on unchanged:
 * - allowed, challenged, stepped up, throttled within its rate: 200 — the proxy forwards, and
 *   `X-Vigil-Action` tells the proxy (a challenge page) or the upstream and IdP (step-up) what to do;
 * - blocked: 403; session revoked: 401 (the client must sign in again);
 * - throttled beyond its rate: 429 for Envoy, which hands a denial's status to the client; 403 for
 *   NGINX, whose auth_request passes only 401 and 403 through (any other status is an error there), with
 *   `X-Vigil-Action: throttle` so that the NGINX config turns it into a 429 (deploy/nginx/).
 * The rate is the enforcer's (config `check.throttle`), per decision: a proxy needs no limiter of its own.
 */
import type { DecisionAction } from '@vigil/detection';
import type { ActiveDecision } from './active-decisions';

export const ACTION_PRECEDENCE: Readonly<Record<DecisionAction, number>> = {
  block: 5,
  revoke_session: 4,
  step_up: 3,
  challenge: 2,
  throttle: 1,
  monitor: 0,
};

export const VERDICT_HEADERS = {
  action: 'x-vigil-action',
  decisionId: 'x-vigil-decision-id',
  detector: 'x-vigil-detector',
  scope: 'x-vigil-scope',
  expiresIn: 'x-vigil-expires-in',
  throttleKey: 'x-vigil-throttle-key',
} as const;

export interface Verdict {
  /** Null: nothing applies, the request is allowed. */
  readonly winner: ActiveDecision | null;
  readonly matched: readonly ActiveDecision[];
}

export function verdictOf(matched: readonly ActiveDecision[]): Verdict {
  let winner: ActiveDecision | null = null;
  for (const e of matched) {
    if (!winner) winner = e;
    else {
      const a = ACTION_PRECEDENCE[e.decision.action];
      const b = ACTION_PRECEDENCE[winner.decision.action];
      // Equal actions: the one that lasts longer, so Retry-After is honest.
      if (a > b || (a === b && e.expiresAt > winner.expiresAt)) winner = e;
    }
  }
  return { winner, matched };
}

export interface CheckResponse {
  readonly status: 200 | 401 | 403 | 429;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON body for a denial (Envoy shows it to the client; auth_request drops it). */
  readonly body: string | null;
}

const ALLOW: CheckResponse = { status: 200, headers: { [VERDICT_HEADERS.action]: 'allow' }, body: null };

export interface CheckContext {
  /** Who asks: NGINX auth_request cannot pass a 429 through, Envoy ext_authz can. */
  readonly flavour: 'nginx' | 'envoy';
  /** The throttle decision's rate is used up (asked only when the winner is a throttle). */
  readonly overRate?: (winner: ActiveDecision) => boolean;
}

export function checkResponse(v: Verdict, now: number, ctx: CheckContext = { flavour: 'envoy' }): CheckResponse {
  const w = v.winner;
  if (!w) return ALLOW;
  const { action } = w.decision;
  const remaining = Math.max(1, Math.ceil((w.expiresAt - now) / 1000));
  const headers: Record<string, string> = {
    [VERDICT_HEADERS.action]: action,
    [VERDICT_HEADERS.decisionId]: w.decision.id,
    [VERDICT_HEADERS.detector]: w.decision.detector,
    [VERDICT_HEADERS.scope]: w.decision.scope,
    [VERDICT_HEADERS.expiresIn]: String(remaining),
  };
  if (action === 'throttle') {
    headers[VERDICT_HEADERS.throttleKey] = w.decision.id;
    if (ctx.overRate?.(w)) {
      headers['retry-after'] = '1';
      const body = JSON.stringify({ message: 'too many requests', action, decision: w.decision.id });
      return { status: ctx.flavour === 'nginx' ? 403 : 429, headers, body };
    }
  }
  if (action === 'block' || action === 'revoke_session') {
    headers['retry-after'] = String(remaining);
    const body = JSON.stringify({
      message: action === 'block' ? 'request blocked' : 'session revoked: sign in again',
      action,
      decision: w.decision.id,
    });
    return { status: action === 'block' ? 403 : 401, headers, body };
  }
  return { status: 200, headers, body: null };
}
