/**
 * The canonical event: every gateway record becomes one of these, and everything downstream
 * (windows, detectors, training, inventory) reads only this type.
 *
 * Versioned together with its Avro twin in `schema/access-event-avro.ts`: a field added here is added
 * there in the same change, with a default, and ACCESS_EVENT_VERSION is bumped.
 *   v1  the first version
 *   v2  `malformed` (a logged request that was not a valid HTTP request line); v1 events read as
 *       `malformed: null`, since a v1 producer dead-lettered such requests
 */
export const ACCESS_EVENT_VERSION = 2 as const;
/** The versions `validateAccessEvent` reads (and upgrades to ACCESS_EVENT_VERSION). */
export const READABLE_ACCESS_EVENT_VERSIONS: readonly number[] = [1, 2];

export const GATEWAY_KINDS = ['kong', 'envoy', 'nginx', 'nginx-json', 'apigw', 'vigil'] as const;
export type GatewayKind = (typeof GATEWAY_KINDS)[number];

export const ROUTE_CLASSES = [
  'login',
  'signup',
  'password-reset',
  'mfa',
  'payment',
  'account-change',
  'data-read',
  'static',
  'health',
  'other',
] as const;
export type RouteClass = (typeof ROUTE_CLASSES)[number];

/** How the request authenticated, as far as the access log shows it. */
export const AUTH_TYPES = ['none', 'api_key', 'bearer', 'basic', 'session_cookie', 'mtls'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/** Where the principal was read from: kept so that a detection can say why it attributed a request. */
export const PRINCIPAL_SOURCES = ['login_header', 'consumer', 'authenticated_entity', 'jwt', 'field'] as const;
export type PrincipalSource = (typeof PRINCIPAL_SOURCES)[number];

/** Sensitive values found (and masked) in the path or query string. */
export const SENSITIVE_KINDS = ['pan', 'account_number', 'email'] as const;
export type SensitiveKind = (typeof SENSITIVE_KINDS)[number];

/** What normalization had to change in a hostile or oversized record (the event is kept, not dropped). */
export const SANITIZE_NOTES = [
  'control_chars',
  'path_truncated',
  'user_agent_truncated',
  'field_truncated',
  'invalid_utf8',
] as const;
export type SanitizeNote = (typeof SANITIZE_NOTES)[number];

/**
 * Why a request the gateway logged is not a valid HTTP request line (scanners, exploit kits, other
 * protocols spoken to an HTTP port). Such a record is an event, not a dead letter: the probe is evidence.
 * One flag per event, the first problem in reading order (decoders/request-line.ts):
 *   empty        no request line (NGINX `-`): the connection closed or timed out before sending one
 *   binary       the first token is not text (control bytes, bytes that are not UTF-8): TLS to a plain
 *                port, RDP, SMB and other binary protocols
 *   h2_preface   `PRI * HTTP/2.0`: HTTP/2 with prior knowledge sent to an HTTP/1 listener
 *   bad_method   the first token is not a registered HTTP method (`FOO`, lower-case `get`, `SSH-2.0-…`)
 *   no_protocol  no HTTP version after the target (`GET /a b c`, HTTP/0.9 style)
 *   bad_protocol the last token starts with `HTTP/` but is not HTTP/1.0, 1.1, 2(.0) or 3(.0)
 *   bad_target   an empty target, spaces or control characters in it, or a target of no request form
 *   truncated    no HTTP version and status 414: the gateway cut an over-long line at its buffer limit
 */
export const MALFORMED_REQUESTS = [
  'empty',
  'binary',
  'h2_preface',
  'bad_method',
  'no_protocol',
  'bad_protocol',
  'bad_target',
  'truncated',
] as const;
export type MalformedRequest = (typeof MALFORMED_REQUESTS)[number];

/**
 * The method of a malformed request whose first token could not be read as a method (`empty`, `binary`,
 * an unreadable `bad_method`). Such an event's `path` is the whole request line as logged (sanitized,
 * capped and masked like a path, not templated) and its `routeTemplate` is UNKNOWN_ROUTE_TEMPLATE, so
 * that probes share one route instead of one per distinct garbage.
 */
export const UNKNOWN_METHOD = 'UNKNOWN';
/** Cannot be a templated path (those start with `/`). */
export const UNKNOWN_ROUTE_TEMPLATE = '-';

export interface AccessEvent {
  readonly v: typeof ACCESS_EVENT_VERSION;
  /** Event time: when the gateway received the request, ms since the Unix epoch. */
  readonly ts: number;
  /** Configured id of the log source (one gateway cluster), e.g. `kong-edge`. */
  readonly source: string;
  readonly gateway: GatewayKind;
  readonly requestId: string | null;
  /** The real client: the TCP peer, or the first untrusted hop of X-Forwarded-For behind trusted proxies. */
  readonly clientIp: string;
  /** `a.b.c.0/24` for IPv4, `/64` for IPv6. */
  readonly subnet: string;
  readonly asn: number | null;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string | null;
  readonly userAgent: string | null;
  /** JA3/JA4 when the gateway logs one. */
  readonly tlsFingerprint: string | null;
  /** Keyed HMAC of the device id header. */
  readonly deviceId: string | null;
  /** Keyed HMAC of the session cookie or header. */
  readonly sessionId: string | null;
  /** Keyed HMAC of the API key, or the OAuth client id. */
  readonly apiKeyId: string | null;
  /** Keyed HMAC of the account the request acts for or tries to log in as; never the raw name. */
  readonly principal: string | null;
  readonly principalSource: PrincipalSource | null;
  readonly authType: AuthType;
  readonly method: string;
  readonly host: string;
  /** Path with card and account numbers and e-mail addresses masked. */
  readonly path: string;
  /** Query string without `?`, masked like the path; null when there was none. */
  readonly query: string | null;
  /** `/accounts/{id}`: identifiers replaced by typed slots (see normalize/route-templater.ts). */
  readonly routeTemplate: string;
  readonly routeClass: RouteClass;
  readonly status: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly latencyMs: number;
  readonly sensitive: readonly SensitiveKind[];
  readonly sanitized: readonly SanitizeNote[];
  /**
   * Null for a valid request line. Otherwise what was wrong with it; the event still carries the client,
   * time, status, bytes and user agent as logged, method and path as far as they could be read, and
   * `routeClass` `other` (the gateway mostly answers these itself, with 400, before any route).
   */
  readonly malformed: MalformedRequest | null;
}
