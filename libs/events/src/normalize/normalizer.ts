/**
 * RawRequest → AccessEvent with one source's config: real client IP behind trusted proxies,
 * principal/session/device/API-key attribution and hashing, masking, route templating and
 * classification, sanitising. Pure and synchronous; built once per source, then called per record.
 */
import type { AccessEvent, AuthType, PrincipalSource, RouteClass, SanitizeNote } from '../access-event';
import { ACCESS_EVENT_VERSION, UNKNOWN_METHOD, UNKNOWN_ROUTE_TEMPLATE } from '../access-event';
import { fail, type DecodeResult } from '../dead-letter';
import { getPath } from '../decoders/json-fields';
import type { RawRequest } from '../raw-request';
import { DEFAULT_ROUTE_RULES, DEVELOPMENT_HASH_KEY, type SourceConfig } from '../source-config';
import { cookie, header, jwtClaim } from './headers';
import { IdHasher } from './hasher';
import { CidrSet, parseIp, subnetOf, type ParsedIp } from './ip';
import { Masker } from './masking';
import { RouteClassifier } from './route-classifier';
import { RouteTemplater } from './route-templater';
import { cleanOptional, cleanString } from './sanitize';

const NO_NOTES: readonly SanitizeNote[] = Object.freeze([]);
const COUNTRY_RE = /^[A-Za-z]{2}$/;
/** A gateway-given template is used only when it is printable ASCII with no long digit run (no unmasked ids). */
const SAFE_TEMPLATE_RE = /^\/(?![^]*[0-9]{8})[\x21-\x7e]*$/;

/**
 * Every request header `normalize` reads with this config, lower case. Decoders of formats that log only
 * the headers someone named (Envoy `json_format`) use it to know which keys to look for; keep it in step
 * with the `header(...)` calls below.
 */
export function headersReadByNormalizer(config: SourceConfig): readonly string[] {
  const names = [
    'authorization',
    'cookie',
    config.principal.loginHeader,
    config.session.header,
    config.device.header,
    ...config.apiKey.headers,
    ...config.country.headers,
    ...config.tlsFingerprint.headers,
  ];
  return [...new Set(names)];
}

export interface NormalizerInfo {
  /** True when no hashing key was configured and the development key is in use. */
  readonly usingDevelopmentKey: boolean;
}

export class Normalizer {
  readonly info: NormalizerInfo;
  private readonly trusted: CidrSet;
  /** Public for observers (IdHasher.observer): raw → id maps for analysts, opt-in. */
  readonly hasher: IdHasher;
  private readonly masker: Masker;
  private readonly templater: RouteTemplater;
  private readonly classifier: RouteClassifier;
  private readonly sourceId: string | null;
  private readonly loginHeaderOn: ReadonlySet<string>;
  /** A session sends the same bearer token many times: its claim is decoded once (bounded memo). */
  private readonly jwtMemo = new Map<string, string | null>();

  constructor(private readonly config: SourceConfig) {
    this.trusted = new CidrSet(config.trustedProxies);
    const key = config.hashing.key ?? DEVELOPMENT_HASH_KEY;
    this.info = { usingDevelopmentKey: config.hashing.key === undefined };
    this.hasher = new IdHasher(key, config.hashing.hexChars);
    this.masker = new Masker(config.masking);
    this.templater = new RouteTemplater(config.routes.pinnedTemplates);
    this.classifier = new RouteClassifier({
      rules: config.routes.useDefaults ? [...config.routes.rules, ...DEFAULT_ROUTE_RULES] : config.routes.rules,
      staticExtensions: config.routes.staticExtensions,
    });
    this.sourceId = config.sourceId ?? null;
    this.loginHeaderOn = new Set(config.principal.loginHeaderOn);
  }

  /** The shared templater, for components (the inventory) that must template exactly like events. */
  get routeTemplater(): RouteTemplater {
    return this.templater;
  }

  normalize(raw: RawRequest): DecodeResult<AccessEvent> {
    const cfg = this.config;
    const limits = cfg.limits;
    let notes: SanitizeNote[] | null = null;
    const n = (): SanitizeNote[] => (notes ??= []);

    // --- client IP
    const peer = parseIp(raw.remoteAddr);
    if (!peer) return fail('invalid_ip', `client address is not an IP: ${JSON.stringify(raw.remoteAddr.slice(0, 64))}`);
    const client = this.realClient(peer, raw.forwardedFor);

    // --- URI: split, cap, clean, mask, template, classify
    const malformed = raw.malformed;
    let uri = raw.uri;
    if (uri.length > limits.maxPathChars) uri = cleanString(uri, limits.maxPathChars, n(), 'path_truncated');
    let path: string;
    let query: string | null;
    if (malformed !== null && raw.method === UNKNOWN_METHOD) {
      // Nothing could be read as a target: the line itself is the evidence, kept as the path, untemplated.
      path = cleanString(uri, limits.maxPathChars, n(), 'path_truncated');
      query = null;
    } else {
      const q = uri.indexOf('?');
      path = q < 0 ? uri : uri.slice(0, q);
      query = q < 0 ? null : uri.slice(q + 1) || null;
      if (path.length === 0 || path.charCodeAt(0) !== 47) {
        // Absolute-form request targets (`GET http://host/path`) and garbage: keep the path part only.
        const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(path);
        path = m ? (m[1] ?? '/') : `/${path}`;
      }
      path = cleanString(path, limits.maxPathChars, n(), 'path_truncated');
      if (query !== null) query = cleanString(query, limits.maxPathChars, n(), 'path_truncated');
    }
    const masked = this.masker.mask(path, query);
    const hint = raw.routeTemplateHint;
    let routeTemplate: string;
    let routeClass: RouteClass;
    if (malformed !== null) {
      // Mostly answered by the gateway itself (400) before any route: not a login, payment or read.
      routeTemplate = raw.method === UNKNOWN_METHOD ? UNKNOWN_ROUTE_TEMPLATE : this.templater.template(masked.path);
      routeClass = 'other';
    } else {
      routeTemplate =
        hint !== null && hint.length <= limits.maxPathChars && SAFE_TEMPLATE_RE.test(hint)
          ? hint
          : this.templater.template(masked.path);
      routeClass = this.classifier.classify(raw.method, routeTemplate);
    }

    // --- attribution
    const h = raw.headers;
    const authorization = header(h, 'authorization');
    const cookieHeader = header(h, 'cookie');
    const principal = this.principal(raw, routeClass, authorization);
    const sessionRaw = cookie(cookieHeader, cfg.session.cookie) ?? header(h, cfg.session.header);
    let apiKeyRaw: string | null = null;
    for (const name of cfg.apiKey.headers) {
      apiKeyRaw = header(h, name);
      if (apiKeyRaw) break;
    }
    const deviceRaw = header(h, cfg.device.header);
    let country: string | null = null;
    for (const name of cfg.country.headers) {
      const c = header(h, name);
      if (c && COUNTRY_RE.test(c) && c !== 'XX' && c !== 'T1') {
        country = c.toUpperCase();
        break;
      }
    }
    let tls = raw.tlsFingerprint;
    if (tls === null) {
      for (const name of cfg.tlsFingerprint.headers) {
        tls = header(h, name);
        if (tls) break;
      }
    }

    const maxField = limits.maxFieldChars;
    const event: AccessEvent = {
      v: ACCESS_EVENT_VERSION,
      ts: raw.ts,
      source: this.sourceId ?? raw.gateway,
      gateway: raw.gateway,
      requestId: cleanOptional(raw.requestId, maxField, n()),
      clientIp: client.text,
      subnet: subnetOf(client),
      asn: null,
      country,
      userAgent: cleanOptional(raw.userAgent, limits.maxUserAgentChars, n(), 'user_agent_truncated'),
      tlsFingerprint: cleanOptional(tls, maxField, n()),
      deviceId: deviceRaw ? this.hasher.hash('d', deviceRaw) : null,
      sessionId: sessionRaw ? this.hasher.hash('s', sessionRaw) : null,
      apiKeyId: apiKeyRaw ? this.hasher.hash('k', apiKeyRaw) : null,
      principal: principal ? this.hasher.hash('p', principal.value) : null,
      principalSource: principal ? principal.source : null,
      authType: authTypeOf(raw, authorization, apiKeyRaw, sessionRaw),
      method: raw.method,
      host: cleanString((raw.host ?? '').toLowerCase(), maxField, n(), 'field_truncated'),
      path: masked.path,
      query: masked.query,
      routeTemplate,
      routeClass,
      status: raw.status,
      bytesIn: raw.bytesIn ?? 0,
      bytesOut: raw.bytesOut ?? 0,
      latencyMs: raw.latencyMs ?? 0,
      sensitive: masked.sensitive,
      sanitized: notes ?? NO_NOTES,
      malformed,
    };
    return { ok: true, value: event };
  }

  private memoJwtClaim(authorization: string | null, claim: string): string | null {
    if (!authorization) return null;
    const hit = this.jwtMemo.get(authorization);
    if (hit !== undefined) return hit;
    const value = jwtClaim(authorization, claim);
    if (this.jwtMemo.size >= JWT_MEMO_CAP) this.jwtMemo.clear();
    this.jwtMemo.set(authorization, value);
    return value;
  }

  /**
   * The first untrusted address, walking X-Forwarded-For from the right (the hop nearest to us),
   * and only when the peer itself is a trusted proxy: a client cannot spoof its address by sending
   * its own X-Forwarded-For.
   */
  private realClient(peer: ParsedIp, xff: string | null): ParsedIp {
    if (!xff || this.trusted.size === 0 || !this.trusted.contains(peer)) return peer;
    const hops = xff.split(',');
    let candidate = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = parseIp(hops[i]!);
      if (!hop) return candidate; // garbage in the chain: stop at the last address we could trust
      candidate = hop;
      if (!this.trusted.contains(hop)) return hop;
    }
    return candidate;
  }

  private principal(
    raw: RawRequest,
    routeClass: string,
    authorization: string | null,
  ): { value: string; source: PrincipalSource } | null {
    const cfg = this.config.principal;
    const max = this.config.limits.maxFieldChars;
    if (this.loginHeaderOn.has(routeClass)) {
      const login = header(raw.headers, cfg.loginHeader);
      // Usernames are case-insensitive at nearly every bank: one account, one id.
      if (login) return { value: login.trim().toLowerCase().slice(0, max), source: 'login_header' };
    }
    if (raw.consumerName) return { value: raw.consumerName.slice(0, max), source: 'consumer' };
    if (raw.authenticatedId) return { value: raw.authenticatedId.slice(0, max), source: 'authenticated_entity' };
    if (cfg.jwtClaim) {
      const claim = this.memoJwtClaim(authorization, cfg.jwtClaim);
      if (claim) return { value: claim.slice(0, max), source: 'jwt' };
    }
    for (const p of cfg.fieldPaths) {
      const v = getPath(raw.record, p);
      if (typeof v === 'string' && v.length) return { value: v.slice(0, max), source: 'field' };
    }
    return null;
  }
}

const JWT_MEMO_CAP = 20_000;

function authTypeOf(
  raw: RawRequest,
  authorization: string | null,
  apiKey: string | null,
  session: string | null,
): AuthType {
  if (raw.clientCertVerified) return 'mtls';
  if (authorization) {
    const c = authorization.charCodeAt(0) | 0x20;
    if (c === 98 /* b */) {
      if (/^bearer /i.test(authorization)) return 'bearer';
      if (/^basic /i.test(authorization)) return 'basic';
    }
  }
  if (apiKey) return 'api_key';
  if (session) return 'session_cookie';
  return 'none';
}
