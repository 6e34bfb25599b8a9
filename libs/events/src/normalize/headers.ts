import type { HeaderMap } from '../raw-request';

/** First value of a header (keys are lower case). */
export function header(headers: HeaderMap, name: string): string | null {
  const v = headers[name];
  if (v === undefined) return null;
  if (typeof v === 'string') return v.length ? v : null;
  // Repeated headers arrive as arrays; anything else (numbers, objects) is a hostile record.
  if (Array.isArray(v) && typeof v[0] === 'string' && v[0].length) return v[0];
  return null;
}

/** Value of one cookie from a Cookie header, without allocating the whole cookie map. */
export function cookie(cookieHeader: string | null, name: string): string | null {
  if (!cookieHeader) return null;
  let from = 0;
  while (from < cookieHeader.length) {
    const at = cookieHeader.indexOf(name, from);
    if (at < 0) return null;
    const before = at === 0 ? 59 : cookieHeader.charCodeAt(at - 1);
    const eq = at + name.length;
    if ((before === 59 || before === 32) && cookieHeader.charCodeAt(eq) === 61) {
      let end = cookieHeader.indexOf(';', eq + 1);
      if (end < 0) end = cookieHeader.length;
      const value = cookieHeader.slice(eq + 1, end).trim();
      return value.length ? value : null;
    }
    from = at + name.length;
  }
  return null;
}

/** A claim from a JWT's payload, without verifying it (attribution, not authentication). */
export function jwtClaim(authorization: string | null, claim: string): string | null {
  if (!authorization || !/^bearer /i.test(authorization)) return null;
  const token = authorization.slice(7).trim();
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first <= 0 || second <= first + 1 || token.length > 8192) return null;
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null) return null;
    const v = (payload as Record<string, unknown>)[claim];
    return typeof v === 'string' && v.length ? v : typeof v === 'number' ? String(v) : null;
  } catch {
    return null; // not a JWT (opaque token): no claim, not an error
  }
}
