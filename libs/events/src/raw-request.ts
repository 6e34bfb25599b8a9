import type { GatewayKind, MalformedRequest } from './access-event';

/** Request headers as logged, keys lower case. Kong logs repeated headers as arrays. */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * What a gateway decoder extracts from one log record, before any policy is applied: no trusted-proxy
 * logic, no hashing, no masking. The normalizer turns it into an AccessEvent with the source's config.
 * Decoders fill what their format has and leave the rest null.
 */
export interface RawRequest {
  readonly gateway: GatewayKind;
  /** ms since epoch; the decoder has already rejected records without a valid time. */
  readonly ts: number;
  readonly requestId: string | null;
  /** The address the gateway saw (Kong's `client_ip` already applies Kong's own trusted_ips). */
  readonly remoteAddr: string;
  /** The X-Forwarded-For value, used only when remoteAddr is a trusted proxy. */
  readonly forwardedFor: string | null;
  readonly method: string;
  readonly host: string | null;
  /**
   * Path plus optional `?query`, as received (percent-encoding untouched). For a malformed request whose
   * method is UNKNOWN_METHOD, the whole request line as logged.
   */
  readonly uri: string;
  /** Why the logged request line is not a valid one (decoders of formats that log it raw); null otherwise. */
  readonly malformed: MalformedRequest | null;
  readonly status: number;
  readonly bytesIn: number | null;
  readonly bytesOut: number | null;
  readonly latencyMs: number | null;
  readonly userAgent: string | null;
  readonly headers: HeaderMap;
  /** Kong `consumer.username` (or Kong-like gateway identity), when the gateway authenticated the caller. */
  readonly consumerName: string | null;
  /** Kong `authenticated_entity.id`, API Gateway `authorizer.principalId`, and the like. */
  readonly authenticatedId: string | null;
  /** A route template the gateway itself knows (API Gateway `resourcePath`/`routeKey`); preferred when set. */
  readonly routeTemplateHint: string | null;
  readonly tlsFingerprint: string | null;
  /** The client presented a verified certificate (mTLS). */
  readonly clientCertVerified: boolean;
  /** The parsed record, for `field:` principal paths in the config. Null for text formats. */
  readonly record: unknown;
}
