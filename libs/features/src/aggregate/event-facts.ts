/** Per-event facts shared by every entity the event touches, computed once per event. */
import type { AccessEvent } from '@vigil/events';
import { murmur64a, murmurResult } from '../hll/murmur64a';
import { COUNTER_INDEX as C } from '../registry/compiled-layout';

export function isLoginSuccess(e: AccessEvent): boolean {
  return e.routeClass === 'login' && e.status >= 200 && e.status < 400;
}

export function isLoginFailure(e: AccessEvent): boolean {
  return e.routeClass === 'login' && e.status >= 400 && e.status < 500;
}

export function isSensitive(e: AccessEvent): boolean {
  const c = e.routeClass;
  return c === 'payment' || c === 'account-change' || c === 'password-reset';
}

/**
 * The numeric identifier a request addresses (the last all-digit path segment, up to 15 digits), or -1.
 * Only looked for when the route template has an `{id}` slot; masked card and account numbers
 * (`****1234`) are not numeric and never count.
 */
export function numericIdOf(e: AccessEvent): number {
  if (e.routeTemplate.indexOf('{id}') < 0) return -1;
  const p = e.path;
  let end = p.length;
  while (end > 0) {
    const start = p.lastIndexOf('/', end - 1);
    const len = end - start - 1;
    if (len > 0 && len <= 15) {
      let digits = true;
      for (let i = start + 1; i < end; i++) {
        const c = p.charCodeAt(i);
        if (c < 48 || c > 57) {
          digits = false;
          break;
        }
      }
      if (digits) return Number(p.slice(start + 1, end));
    }
    if (start < 0) break;
    end = start;
  }
  return -1;
}

const encoder = new TextEncoder();

/** A short stable digest of a user agent, so long-memory members are small and ASCII. */
export function userAgentDigest(userAgent: string): string {
  const bytes = encoder.encode(userAgent);
  murmur64a(bytes, bytes.length, 0x5bd1e995);
  return murmurResult.hi.toString(16).padStart(8, '0') + murmurResult.lo.toString(16).padStart(8, '0');
}

/**
 * Fills `facts` (indexed like COUNTERS) with what one applied event adds to every entity it touches, and
 * returns the event's numeric id (-1: none). `unknownPrincipal` is asked only for a failed login that
 * names a principal: whether that principal had never logged in successfully before the batch.
 */
export function fillEventFacts(
  facts: Float64Array,
  e: AccessEvent,
  loginOk: boolean,
  loginFail: boolean,
  sensitive: boolean,
  unknownPrincipal: (principal: string) => boolean,
): number {
  facts.fill(0);
  facts[C.requests] = 1;
  if (e.routeClass === 'login') facts[C.logins] = 1;
  if (loginFail) {
    facts[C.loginFailures] = 1;
    if (e.principal !== null && unknownPrincipal(e.principal)) facts[C.unknownPrincipalLoginFailures] = 1;
  }
  if (loginOk) facts[C.loginSuccesses] = 1;
  if (e.status === 403) facts[C.status403] = 1;
  else if (e.status === 404) facts[C.status404] = 1;
  if (e.status >= 400 && e.status < 500) facts[C.clientErrors] = 1;
  if (e.routeClass === 'static') facts[C.staticRequests] = 1;
  facts[C.bytesOut] = e.bytesOut;
  const numericId = numericIdOf(e);
  if (numericId >= 0) facts[C.numericIdRequests] = 1;
  if (sensitive) facts[C.sensitiveActions] = 1;
  if (e.routeClass === 'mfa') facts[C.mfaRequests] = 1;
  if (e.routeClass === 'password-reset') facts[C.passwordResets] = 1;
  if (e.malformed !== null) facts[C.malformedRequests] = 1;
  return numericId;
}
