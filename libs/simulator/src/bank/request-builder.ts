/**
 * Builds a SimRequest for one call of one endpoint by one client: fills sizes, latency, headers and
 * the gateway's view (route, consumer) from the endpoint's profile and the client's state.
 */
import type { Random } from '../random';
import type { SimConsumer, SimRequest } from '../sim-request';
import { responseBytes, upstreamLatency, type EndpointSpec } from './surface';

/** What a client sends on every request, and how it reaches the gateway. */
export interface ClientContext {
  readonly clientIp: string;
  /** The proxy the client comes through (CDN edge, corporate proxy), when any. */
  readonly proxyIp: string | null;
  readonly userAgent: string | null;
  readonly acceptLanguage: string | null;
  readonly country: string | null;
  readonly protocol: 'HTTP/1.1' | 'HTTP/2';
  /** Extra cookies besides `sid` (analytics, consent), or null. */
  readonly extraCookies: string | null;
  readonly deviceId: string | null;
  /**
   * The JA4 fingerprint of the client's TLS stack as the CDN edge passes it on (`x-ja4`), or null when no
   * edge fingerprints the connection (direct partners, monitors).
   */
  readonly tlsFingerprint: string | null;
  /** A static client key the app sends on every call (`apikey`), when the bank's apps do. */
  readonly clientKey?: string | null;
}

/** What the client holds after logging in. */
export interface SessionState {
  /** The web `sid` cookie value, or null (mobile). */
  readonly sid: string | null;
  /** The mobile `x-session-id` value, or null (web). */
  readonly sessionHeader: string | null;
  /** `Bearer <jwt>` (mobile and API callers), or null. */
  readonly authorization: string | null;
  readonly consumer: SimConsumer | null;
  /** The Cookie header this client sends (see `cookieHeader`), computed once per session. */
  readonly cookie: string | null;
}

export const NO_SESSION: SessionState = {
  sid: null,
  sessionHeader: null,
  authorization: null,
  consumer: null,
  cookie: null,
};

export interface CallOptions {
  readonly status: number;
  /** Concrete path; default: the template with drawn ids. */
  readonly path: string;
  readonly query?: string | null;
  readonly loginUsername?: string | null;
  readonly apiKey?: string | null;
  readonly referer?: string | null;
  /** The gateway answered itself (auth plugin, rate limit): no upstream time. */
  readonly answeredByGateway?: boolean;
  /** Route matched by the gateway; false for a path no route knows (404 from the gateway). */
  readonly routed?: boolean;
}

export function buildRequest(
  rng: Random,
  ts: number,
  e: EndpointSpec,
  client: ClientContext,
  session: SessionState,
  call: CallOptions,
): SimRequest {
  const routed = call.routed !== false;
  const byGateway = call.answeredByGateway === true || !routed;
  const upstream = byGateway ? 0 : upstreamLatency(e, rng);
  const gatewayMs = rng.int(0, 3);
  const cookie = session.cookie ?? client.extraCookies;
  const body = e.reqBody > 0 ? e.reqBody + rng.int(0, 40) : 0;
  const path = call.path;
  const query = call.query ?? null;
  const headerBytes =
    180 +
    path.length +
    (query?.length ?? 0) +
    (client.userAgent?.length ?? 0) +
    (cookie?.length ?? 0) +
    (session.authorization?.length ?? 0) +
    (client.deviceId ? 50 : 0) +
    (client.tlsFingerprint ? 43 : 0);
  const isStatic = e.route.name.startsWith('static-');
  return {
    ts,
    requestId: rng.hex(32),
    clientIp: client.clientIp,
    peerIp: client.proxyIp ?? client.clientIp,
    forwardedFor: client.proxyIp !== null ? client.clientIp : null,
    method: e.route.method,
    host: e.route.host,
    path,
    query,
    protocol: client.protocol,
    status: call.status,
    bytesIn: headerBytes + body,
    bytesOut: responseBytes(e, call.status, rng),
    latencyMs: upstream + gatewayMs,
    upstreamLatencyMs: upstream,
    userAgent: client.userAgent,
    referer: call.referer ?? null,
    accept: isStatic ? '*/*' : e.page ? 'text/html,application/xhtml+xml' : 'application/json',
    acceptLanguage: client.acceptLanguage,
    contentType: body > 0 ? 'application/json' : null,
    cookie,
    sessionCookie: session.sid,
    sessionHeader: session.sessionHeader,
    deviceId: client.deviceId,
    loginUsername: call.loginUsername ?? null,
    apiKey: call.apiKey ?? client.clientKey ?? null,
    authorization: session.authorization,
    country: client.country,
    tlsFingerprint: client.tlsFingerprint,
    consumer: session.consumer,
    route: routed ? e.route : null,
  };
}

const JWT_HEADER = Buffer.from('{"alg":"RS256","typ":"JWT","kid":"bank-2026-01"}').toString('base64url');

/**
 * `Bearer <jwt>` for a session: a real JWT shape (header.payload.signature) whose payload names the user
 * in `sub`, so that `principal.jwtClaim: sub` attributes requests after login. Not signed for real.
 */
export function bearerFor(
  rng: Random,
  username: string,
  issuedAtMs: number,
  issuer = 'https://auth.bank.example',
): string {
  const iat = Math.floor(issuedAtMs / 1000);
  const payload = Buffer.from(
    `{"iss":${JSON.stringify(issuer)},"sub":${JSON.stringify(username)},"aud":"bank-api","iat":${iat},"exp":${iat + 900},"scope":"accounts payments"}`,
  ).toString('base64url');
  return `Bearer ${JWT_HEADER}.${payload}.${rng.token(43)}`;
}

/** The Cookie header for a web session: `sid` first, then the site's other cookies. */
export function cookieHeader(sid: string | null, extraCookies: string | null): string | null {
  if (sid === null) return extraCookies;
  return extraCookies === null ? `sid=${sid}` : `sid=${sid}; ${extraCookies}`;
}
