/**
 * Envoy HTTP access logs written with a `json_format` (format dictionary), one JSON object a line.
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage
 *
 * `json_format` keys are chosen by whoever writes the Envoy config; the defaults are the names people give
 * the operators of Envoy's default format string:
 *
 *   start_time                  %START_TIME%  (ISO 8601 with ms and zone; epoch numbers also accepted)
 *   method                      %REQ(:METHOD)%
 *   path                        %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%  (path + query)
 *   response_code               %RESPONSE_CODE%  (0 = no response sent, see below)
 *   bytes_received, bytes_sent  %BYTES_RECEIVED%, %BYTES_SENT%
 *   duration                    %DURATION% (ms); fallback upstream_service_time %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
 *   x_forwarded_for, user_agent, request_id, authority   %REQ(X-FORWARDED-FOR)%, … %REQ(:AUTHORITY)%
 *   downstream_remote_address   %DOWNSTREAM_REMOTE_ADDRESS% (ip:port; Envoy's own view after xff_num_trusted_hops),
 *                               else downstream_direct_remote_address %DOWNSTREAM_DIRECT_REMOTE_ADDRESS% (the TCP peer)
 *   ja4 / ja3                   %DOWNSTREAM_TLS_JA4_FINGERPRINT% / %DOWNSTREAM_TLS_JA3_FINGERPRINT%
 *   downstream_peer_*           %DOWNSTREAM_PEER_CERT_V_START%, …SUBJECT%, …FINGERPRINT_256%, …SERIAL%: a client
 *                               certificate passed the TLS handshake → mTLS
 *   x_forwarded_client_cert     %REQ(X-FORWARDED-CLIENT-CERT)%: Envoy sets XFCC for a verified client cert
 *   request_headers             optional nested object of request headers (any case)
 *
 * Request headers: a header the normalizer reads (authorization, cookie, x-login-username, x-session-id,
 * x-device-id, apikey, x-api-key, cf-ipcountry, …, following the source config) is looked up under its own
 * name (`x-device-id`) and with `_` for `-` (`x_device_id`), after the nested `request_headers` object.
 *
 * `config.fields` overrides a key: `{ start_time: 'ts', downstream_remote_address: 'client.addr' }` (a dotted
 * value also walks nested objects), and `header.<name>` names the key of one request header:
 * `{ 'header.x-login-username': 'login_user' }`.
 *
 * Older Envoy versions write every `json_format` value as a string, unset ones as `-` or null: numeric
 * fields are accepted as numbers or numeric strings.
 */
import { fail, type DecodeResult } from '../dead-letter';
import type { JsonRecordDecoder } from '../decoder';
import { headersReadByNormalizer } from '../normalize/normalizer';
import type { HeaderMap, RawRequest } from '../raw-request';
import type { SourceConfig } from '../source-config';
import {
  compileFieldRefs,
  fieldRef,
  isAbsent,
  isSafeKey,
  readFirst,
  readFirstString,
  type FieldRef,
} from './field-lookup';
import { isRecord, preview, readMethod, readNonNegative, readStatus, typeName } from './json-fields';
import { jsonDecoder } from './json-line';
import { readTime } from './timestamps';

/** The `config.fields` keys this decoder reads, with their default record keys (tried in order). */
export const ENVOY_DEFAULT_FIELDS = {
  start_time: ['start_time'],
  method: ['method'],
  path: ['path'],
  response_code: ['response_code'],
  bytes_received: ['bytes_received'],
  bytes_sent: ['bytes_sent'],
  duration: ['duration'],
  upstream_service_time: ['upstream_service_time'],
  x_forwarded_for: ['x_forwarded_for', 'x-forwarded-for'],
  user_agent: ['user_agent', 'user-agent'],
  request_id: ['request_id', 'x_request_id', 'x-request-id'],
  authority: ['authority', 'host'],
  downstream_remote_address: ['downstream_remote_address'],
  downstream_direct_remote_address: ['downstream_direct_remote_address'],
  ja4: ['ja4', 'downstream_tls_ja4_fingerprint'],
  ja3: ['ja3', 'downstream_tls_ja3_fingerprint'],
  peer_certificate: [
    'downstream_peer_cert_v_start',
    'downstream_peer_subject',
    'downstream_peer_fingerprint_256',
    'downstream_peer_serial',
  ],
  x_forwarded_client_cert: ['x_forwarded_client_cert', 'x-forwarded-client-cert'],
  request_headers: ['request_headers'],
} as const satisfies Record<string, readonly string[]>;

type EnvoyField = keyof typeof ENVOY_DEFAULT_FIELDS;

const HEADER_KEY_PREFIX = 'header.';
const EMPTY_HEADERS: HeaderMap = Object.freeze({});
/**
 * Envoy logs RESPONSE_CODE 0 when no response was sent (the client went away: response flag DC, or a
 * protocol error). Such requests still happened; they are kept as 499, NGINX's "client closed request".
 */
const NO_RESPONSE_STATUS = 499;

interface HeaderSpec {
  readonly name: string;
  readonly refs: readonly FieldRef[];
}

export function createEnvoyDecoder(config: SourceConfig): JsonRecordDecoder {
  const decoder = new EnvoyDecoder(config);
  return jsonDecoder('envoy', (rec) => decoder.decodeObject(rec));
}

class EnvoyDecoder {
  private readonly f: Record<EnvoyField, readonly FieldRef[]>;
  /** Fields with a fallback, as one candidate list: the first one logged wins. */
  private readonly remoteRefs: readonly FieldRef[];
  private readonly latencyRefs: readonly FieldRef[];
  private readonly tlsRefs: readonly FieldRef[];
  private readonly headerSpecs: readonly HeaderSpec[];

  constructor(config: SourceConfig) {
    const fields = config.fields;
    const f = compileFieldRefs('envoy', ENVOY_DEFAULT_FIELDS, fields, (k) => k.startsWith(HEADER_KEY_PREFIX));
    this.f = f;
    this.remoteRefs = [...f.downstream_remote_address, ...f.downstream_direct_remote_address];
    this.latencyRefs = [...f.duration, ...f.upstream_service_time];
    this.tlsRefs = [...f.ja4, ...f.ja3];
    const names = new Set(headersReadByNormalizer(config));
    for (const k of Object.keys(fields)) {
      if (k.startsWith(HEADER_KEY_PREFIX)) names.add(k.slice(HEADER_KEY_PREFIX.length).toLowerCase());
    }
    this.headerSpecs = [...names].map((name) => {
      const override = fields[HEADER_KEY_PREFIX + name];
      const snake = name.replace(/-/g, '_');
      const keys = override !== undefined ? [override] : snake === name ? [name] : [name, snake];
      return { name, refs: keys.map(fieldRef) };
    });
  }

  decodeObject(rec: Record<string, unknown>): DecodeResult<RawRequest> {
    const f = this.f;
    const ts = readTime(readFirst(rec, f.start_time), 'start_time');
    if (!ts.ok) return ts;
    const method = readMethod(readFirst(rec, f.method), 'method');
    if (!method.ok) return method;

    const code = readFirst(rec, f.response_code);
    let status: number;
    if (code === 0 || code === '0') status = NO_RESPONSE_STATUS;
    else {
      const s = readStatus(code, 'response_code');
      if (!s.ok) return s;
      status = s.value;
    }

    const uri = readFirst(rec, f.path);
    if (typeof uri !== 'string') {
      return uri === undefined
        ? fail('missing_field', 'path is missing')
        : fail('invalid_field_type', `path must be a string, got ${typeName(uri)}`);
    }
    const remote = readFirst(rec, this.remoteRefs);
    if (typeof remote !== 'string') {
      return remote === undefined
        ? fail('missing_field', 'downstream_remote_address is missing')
        : fail('invalid_field_type', `downstream_remote_address must be a string, got ${preview(remote)}`);
    }

    const bytesIn = readNonNegative(readFirst(rec, f.bytes_received), 'bytes_received');
    if (!bytesIn.ok) return bytesIn;
    const bytesOut = readNonNegative(readFirst(rec, f.bytes_sent), 'bytes_sent');
    if (!bytesOut.ok) return bytesOut;
    const latency = readNonNegative(readFirst(rec, this.latencyRefs), 'duration (or upstream_service_time)');
    if (!latency.ok) return latency;

    return {
      ok: true,
      value: {
        gateway: 'envoy',
        ts: ts.value,
        requestId: readFirstString(rec, f.request_id),
        remoteAddr: remote,
        forwardedFor: readFirstString(rec, f.x_forwarded_for),
        method: method.value,
        host: readFirstString(rec, f.authority),
        uri,
        malformed: null,
        status,
        bytesIn: bytesIn.value,
        bytesOut: bytesOut.value,
        latencyMs: latency.value,
        userAgent: readFirstString(rec, f.user_agent),
        headers: this.headers(rec),
        consumerName: null,
        authenticatedId: null,
        routeTemplateHint: null,
        tlsFingerprint: readFirstString(rec, this.tlsRefs),
        clientCertVerified:
          readFirst(rec, f.peer_certificate) !== undefined || readFirstString(rec, f.x_forwarded_client_cert) !== null,
        record: rec,
      },
    };
  }

  /** The nested header object (keys lower-cased), completed by the top-level header keys. */
  private headers(rec: Record<string, unknown>): HeaderMap {
    let out: Record<string, string | readonly string[]> | null = null;
    const nested = readFirst(rec, this.f.request_headers);
    if (isRecord(nested)) {
      for (const key in nested) {
        const v = nested[key];
        if (!isSafeKey(key) || isAbsent(v)) continue;
        if (typeof v === 'string' || (Array.isArray(v) && typeof v[0] === 'string')) {
          (out ??= {})[key.toLowerCase()] = v as string | readonly string[];
        }
      }
    }
    const specs = this.headerSpecs;
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i]!;
      if (out !== null && out[spec.name] !== undefined) continue;
      const v = readFirstString(rec, spec.refs);
      if (v !== null) (out ??= {})[spec.name] = v;
    }
    return out ?? EMPTY_HEADERS;
  }
}
