/**
 * A checked request as the detector would have seen it logged: the proxy's view (client address, method,
 * host, URI, headers) goes through the same Normalizer, with the same source config and HMAC key, so a
 * principal, session, device or API-key decision matches the request's own hashed ids and a signature
 * matches its route class, user agent, TLS fingerprint and country exactly as the detector wrote them.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Normalizer, parseSourceConfig, type DecodeResult } from '@vigil/events';
import { subjectOfEvent, type CheckSubject } from '@vigil/enforcement';

export interface ProxiedRequest {
  readonly clientIp: string;
  readonly method: string;
  readonly host: string | null;
  readonly uri: string;
  readonly headers: IncomingHttpHeaders;
}

export class RequestSubjects {
  private readonly normalizer: Normalizer;

  constructor(source: Record<string, unknown>) {
    this.normalizer = new Normalizer(parseSourceConfig(source, 'source'));
  }

  get usingDevelopmentKey(): boolean {
    return this.normalizer.info.usingDevelopmentKey;
  }

  subjectOf(r: ProxiedRequest, now: number): DecodeResult<CheckSubject> {
    const forwarded = r.headers['x-forwarded-for'];
    const ua = r.headers['user-agent'];
    const normalized = this.normalizer.normalize({
      gateway: 'nginx',
      ts: now,
      requestId: null,
      remoteAddr: r.clientIp,
      forwardedFor: typeof forwarded === 'string' ? forwarded : null,
      method: r.method,
      host: r.host,
      uri: r.uri,
      malformed: null,
      status: 0,
      bytesIn: null,
      bytesOut: null,
      latencyMs: null,
      userAgent: typeof ua === 'string' ? ua : null,
      headers: r.headers,
      consumerName: null,
      authenticatedId: null,
      routeTemplateHint: null,
      tlsFingerprint: null,
      clientCertVerified: false,
      record: null,
    });
    return normalized.ok ? { ok: true, value: subjectOfEvent(normalized.value) } : normalized;
  }
}
