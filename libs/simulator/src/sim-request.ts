/**
 * One simulated request, before any gateway format: what happened on the wire, plus the gateway's own
 * view of it (route, service, authenticated consumer). Writers in `formats/` turn it into one log line
 * of a given gateway; the labels refer to it by `requestId`.
 *
 * Values are raw (usernames, session ids, device ids, API keys in clear): the simulator plays the
 * client. The detector only ever sees them HMAC-hashed by the Normalizer (see `labels.ts`).
 */

/** The gateway's upstream service (Kong `service`, Envoy cluster, API Gateway stage integration). */
export interface SimService {
  /** Stable UUID (Kong entity id). */
  readonly id: string;
  readonly name: string;
  /** Upstream host name and port. */
  readonly host: string;
  readonly port: number;
  readonly protocol: 'http' | 'https';
  /** Upstream base path (Kong `service.path`). */
  readonly path: string;
  /** Upstream addresses the balancer picks from (Kong `tries[].ip`, Envoy `upstream_host`). */
  readonly upstreamIps: readonly string[];
}

/** A route of the gateway: one endpoint (method + template) on one host. */
export interface SimRoute {
  /** Stable UUID (Kong route id). */
  readonly id: string;
  /** `auth-login`, `accounts-get`, ... */
  readonly name: string;
  readonly host: string;
  readonly method: string;
  /** The true route template, in the templater's slot syntax (`/accounts/{id}`). */
  readonly template: string;
  /** Kong `route.paths`: the prefix or regex the route matches on. */
  readonly gatewayPaths: readonly string[];
  readonly service: SimService;
  /** Kong strips the matched prefix and prefixes the service path (`upstream_uri`). */
  readonly stripPath: boolean;
}

/** What the gateway knows about the authenticated caller (Kong consumer, API Gateway authorizer). */
export interface SimConsumer {
  readonly id: string;
  readonly username: string;
}

export interface SimRequest {
  /** Gateway receive time, ms since the Unix epoch. */
  readonly ts: number;
  /** 32 hex characters (Kong request id / Envoy x-request-id). */
  readonly requestId: string;
  /** The real client address. */
  readonly clientIp: string;
  /**
   * The TCP peer the gateway saw: `clientIp` when the client connects directly, else the last proxy
   * (CDN, load balancer) — then `forwardedFor` carries the chain ending in that proxy's view.
   */
  readonly peerIp: string;
  /** The `X-Forwarded-For` header as received, or null. */
  readonly forwardedFor: string | null;
  readonly method: string;
  readonly host: string;
  /** Path without query, as sent. */
  readonly path: string;
  /** Query string without `?`, or null. */
  readonly query: string | null;
  readonly protocol: 'HTTP/1.1' | 'HTTP/2';
  readonly status: number;
  /** Request bytes (line + headers + body). */
  readonly bytesIn: number;
  /** Response bytes (headers + body). */
  readonly bytesOut: number;
  /** Total time at the gateway, ms. */
  readonly latencyMs: number;
  /** Upstream share of `latencyMs`, ms (0 when the gateway answered itself, e.g. 401 from key-auth). */
  readonly upstreamLatencyMs: number;
  readonly userAgent: string | null;
  readonly referer: string | null;
  readonly accept: string;
  readonly acceptLanguage: string | null;
  /** Request content type on requests with a body. */
  readonly contentType: string | null;
  /** The whole Cookie header (`sid=...; _ga=...`), or null. */
  readonly cookie: string | null;
  /** The web session id carried in the `sid` cookie (also inside `cookie`), or null. */
  readonly sessionCookie: string | null;
  /** Mobile session header `x-session-id`, or null. */
  readonly sessionHeader: string | null;
  /** Header `x-device-id`, or null. */
  readonly deviceId: string | null;
  /** Header `x-login-username` (the gateway copies it from the body on login-like calls), or null. */
  readonly loginUsername: string | null;
  /** Header `apikey`, or null. */
  readonly apiKey: string | null;
  /** Header `authorization` (`Bearer ...`), or null. */
  readonly authorization: string | null;
  /** CDN country header `cf-ipcountry`, or null. */
  readonly country: string | null;
  /** CDN header `x-ja4`: the JA4 fingerprint of the client's TLS ClientHello, or null. */
  readonly tlsFingerprint: string | null;
  /** The gateway-authenticated caller (after login), or null. */
  readonly consumer: SimConsumer | null;
  /** The route the gateway matched; null when none matched (404 from the gateway itself). */
  readonly route: SimRoute | null;
}
