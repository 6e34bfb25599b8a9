/**
 * AWS API Gateway access logs in JSON, REST APIs and HTTP APIs, as delivered to CloudWatch Logs or Firehose
 * (one object a line). Variables: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html
 * and …/http-api-logging-variables.html.
 *
 * Keys are whatever the API owner wrote in the format; the defaults read AWS's example formats and the keys
 * commonly added to them. Each field is named by its `$context` variable without `$context.`, and
 * `config.fields` maps that name to your key: `{ 'identity.sourceIp': 'clientIp', requestTimeEpoch: 'ts' }`.
 * A key is tried as written (`"authorizer.principalId": …` is common), then as a path into nested objects.
 *
 *   requestId, identity.sourceIp (key `ip`), requestTimeEpoch (ms) or requestTime (CLF), httpMethod,
 *   path, resourcePath (REST) / routeKey (HTTP), stage, status, responseLength, responseLatency /
 *   integrationLatency (ms), domainName, identity.userAgent, authorizer.principalId / authorizer.claims.sub /
 *   identity.user / identity.caller (the authenticated caller), identity.apiKeyId,
 *   identity.clientCert.serialNumber (mTLS on a custom domain).
 *
 * Values are strings; `-` means absent. API Gateway cannot log request headers: there is no X-Forwarded-For,
 * login-username header, session or device header. The API key id is handed to the normalizer as the first
 * configured API-key header (`apiKey.headers[0]`, default `apikey`), so it is hashed like any API key.
 *
 * Paths and stages: `$context.path` is the path the client sent, with the stage on the execute-api
 * endpoint (`/prod/accounts/42`) and with the base-path mapping on a custom domain, while `resourcePath` and
 * `routeKey` are relative to the API (`/accounts/{id}`). The stage prefix is removed from the path when
 * `stage` is logged (stages are deployments, not routes: `/prod/auth/login` and `/dev/auth/login` are the
 * same login route), and the route template is the gateway's template under whatever prefix is left (a
 * base path), so template and path always have the same segments. A greedy template (`/{proxy+}`) names no
 * route and is not used: the normalizer templates the path itself. Without `path`, a non-greedy template
 * stands in for the path (AWS's example formats log no path). A template with anything the normalizer
 * would have to clean or mask is dropped (isPlainTemplate).
 */
import { fail, type DecodeResult } from '../dead-letter';
import type { JsonRecordDecoder } from '../decoder';
import type { HeaderMap, RawRequest } from '../raw-request';
import type { SourceConfig } from '../source-config';
import { compileFieldRefs, readFirst, readFirstString, type FieldRef } from './field-lookup';
import { preview, readMethod, readNonNegative, readStatus, typeName } from './json-fields';
import { jsonDecoder } from './json-line';
import { readTime } from './timestamps';

/** The `config.fields` keys this decoder reads, with their default record keys (tried in order). */
export const APIGW_DEFAULT_FIELDS = {
  requestId: ['requestId', 'extendedRequestId'],
  'identity.sourceIp': ['ip', 'sourceIp', 'identity.sourceIp'],
  requestTimeEpoch: ['requestTimeEpoch'],
  requestTime: ['requestTime'],
  httpMethod: ['httpMethod'],
  path: ['path'],
  resourcePath: ['resourcePath'],
  routeKey: ['routeKey'],
  stage: ['stage'],
  status: ['status'],
  responseLength: ['responseLength'],
  responseLatency: ['responseLatency'],
  integrationLatency: ['integrationLatency'],
  domainName: ['domainName'],
  'identity.userAgent': ['userAgent', 'identity.userAgent'],
  'authorizer.principalId': ['authorizer.principalId', 'principalId'],
  'authorizer.claims.sub': ['authorizer.claims.sub', 'claims.sub'],
  'identity.user': ['user', 'identity.user'],
  'identity.caller': ['caller', 'identity.caller'],
  'identity.apiKeyId': ['apiKeyId', 'identity.apiKeyId'],
  'identity.clientCert.serialNumber': ['identity.clientCert.serialNumber', 'clientCert.serialNumber'],
} as const satisfies Record<string, readonly string[]>;

type ApiGwField = keyof typeof APIGW_DEFAULT_FIELDS;

const EMPTY_HEADERS: HeaderMap = Object.freeze({});
/** HTTP API catch-all route, and the stage of an HTTP API without named stages. */
const DEFAULT_ROUTE = '$default';

export function createApiGatewayDecoder(config: SourceConfig): JsonRecordDecoder {
  const decoder = new ApiGatewayDecoder(config);
  return jsonDecoder('apigw', (rec) => decoder.decodeObject(rec));
}

class ApiGatewayDecoder {
  private readonly f: Record<ApiGwField, readonly FieldRef[]>;
  /** The header the normalizer reads API keys from; null when the config reads none. */
  private readonly apiKeyHeader: string | null;
  private readonly maxTemplateChars: number;
  /** Fields with a fallback, as one candidate list: the first one logged wins. */
  private readonly timeRefs: readonly FieldRef[];
  private readonly latencyRefs: readonly FieldRef[];
  private readonly callerRefs: readonly FieldRef[];

  constructor(config: SourceConfig) {
    const f = compileFieldRefs('apigw', APIGW_DEFAULT_FIELDS, config.fields);
    this.f = f;
    this.timeRefs = [...f.requestTimeEpoch, ...f.requestTime];
    this.latencyRefs = [...f.responseLatency, ...f.integrationLatency];
    this.callerRefs = [
      ...f['authorizer.principalId'],
      ...f['authorizer.claims.sub'],
      ...f['identity.user'],
      ...f['identity.caller'],
    ];
    this.apiKeyHeader = config.apiKey.headers[0] ?? null;
    this.maxTemplateChars = config.limits.maxPathChars;
  }

  decodeObject(rec: Record<string, unknown>): DecodeResult<RawRequest> {
    const f = this.f;
    const ts = readTime(readFirst(rec, this.timeRefs), 'requestTimeEpoch (or requestTime)');
    if (!ts.ok) return ts;

    const ip = readFirst(rec, f['identity.sourceIp']);
    if (typeof ip !== 'string') {
      return ip === undefined
        ? fail('missing_field', 'identity.sourceIp (key ip) is missing')
        : fail('invalid_field_type', `identity.sourceIp must be a string, got ${preview(ip)}`);
    }

    // REST resourcePath, else HTTP API routeKey ("GET /accounts/{id}", "$default").
    let template = readFirstString(rec, f.resourcePath);
    let routeMethod: string | null = null;
    if (template === null) {
      const routeKey = readFirstString(rec, f.routeKey);
      if (routeKey !== null && routeKey !== DEFAULT_ROUTE) {
        const sp = routeKey.indexOf(' ');
        if (sp > 0) routeMethod = routeKey.slice(0, sp);
        template = routeKey.slice(sp + 1);
      }
    }
    if (template !== null && (template.charCodeAt(0) !== 47 || template.includes('+}'))) template = null;

    let method: DecodeResult<string>;
    const httpMethod = readFirst(rec, f.httpMethod);
    if (httpMethod === undefined && routeMethod !== null && routeMethod !== 'ANY') {
      method = readMethod(routeMethod, 'routeKey method');
    } else {
      method = readMethod(httpMethod, 'httpMethod');
    }
    if (!method.ok) return method;

    const status = readStatus(readFirst(rec, f.status), 'status');
    if (!status.ok) return status;

    const rawPath = readFirst(rec, f.path);
    let uri: string;
    let hint: string | null;
    if (rawPath === undefined) {
      if (template === null) return fail('missing_field', 'path is missing and no resourcePath/routeKey names a route');
      uri = template;
      hint = template;
    } else {
      if (typeof rawPath !== 'string')
        return fail('invalid_field_type', `path must be a string, got ${typeName(rawPath)}`);
      uri = withoutStage(rawPath, readFirstString(rec, f.stage));
      hint = template === null ? null : templateUnderPrefix(uri, template);
    }
    if (hint !== null && !isPlainTemplate(hint, this.maxTemplateChars)) hint = null;

    const bytesOut = readNonNegative(readFirst(rec, f.responseLength), 'responseLength');
    if (!bytesOut.ok) return bytesOut;
    const latency = readNonNegative(readFirst(rec, this.latencyRefs), 'responseLatency (or integrationLatency)');
    if (!latency.ok) return latency;

    const apiKeyId = this.apiKeyHeader === null ? null : readFirstString(rec, f['identity.apiKeyId']);
    return {
      ok: true,
      value: {
        gateway: 'apigw',
        ts: ts.value,
        requestId: readFirstString(rec, f.requestId),
        remoteAddr: ip,
        forwardedFor: null,
        method: method.value,
        host: readFirstString(rec, f.domainName),
        uri,
        malformed: null,
        status: status.value,
        bytesIn: null,
        bytesOut: bytesOut.value,
        latencyMs: latency.value,
        userAgent: readFirstString(rec, f['identity.userAgent']),
        headers: apiKeyId === null ? EMPTY_HEADERS : { [this.apiKeyHeader!]: apiKeyId },
        consumerName: null,
        authenticatedId: readFirstString(rec, this.callerRefs),
        routeTemplateHint: hint,
        tlsFingerprint: null,
        // API Gateway rejects a client certificate that fails the truststore at the handshake.
        clientCertVerified: readFirst(rec, f['identity.clientCert.serialNumber']) !== undefined,
        record: rec,
      },
    };
  }
}

/** `/prod/accounts/1` with stage `prod` → `/accounts/1`. */
export function withoutStage(path: string, stage: string | null): string {
  if (stage === null || stage === DEFAULT_ROUTE || path.charCodeAt(0) !== 47 || !path.startsWith(stage, 1)) {
    return path;
  }
  const end = stage.length + 1;
  if (path.length === end) return '/';
  const c = path.charCodeAt(end);
  if (c === 47 /* / */) return path.slice(end);
  if (c === 63 /* ? */) return `/${path.slice(end)}`;
  return path;
}

/**
 * Aligns the gateway's template with the end of the path, segment by segment (`{x}` matches any segment,
 * literals must be equal), and returns the template under the path's leftover prefix: `/v1/accounts/42`
 * with `/accounts/{id}` → `/v1/accounts/{id}`. Null when they do not align (the normalizer then templates
 * the path), so a template never disagrees with its path.
 */
export function templateUnderPrefix(uri: string, template: string): string | null {
  const q = uri.indexOf('?');
  const path = q < 0 ? uri : uri.slice(0, q);
  let pe = trimSlashesEnd(path, path.length);
  let te = trimSlashesEnd(template, template.length);
  while (te > 0) {
    const ts = template.lastIndexOf('/', te - 1) + 1;
    if (pe <= 0) return null;
    const ps = path.lastIndexOf('/', pe - 1) + 1;
    const isSlot = template.charCodeAt(ts) === 123 /* { */ && template.charCodeAt(te - 1) === 125; /* } */
    if (!isSlot && (te - ts !== pe - ps || !path.startsWith(template.slice(ts, te), ps))) return null;
    te = trimSlashesEnd(template, ts);
    pe = trimSlashesEnd(path, ps);
  }
  if (pe <= 0) return template;
  const prefix = path.slice(0, pe);
  return template.length <= 1 ? prefix : prefix + template;
}

/**
 * The normalizer takes a hint as it is, without the cleaning, length cap and masking it gives paths; a
 * hint is used only when none is needed: printable ASCII without spaces, within the path length limit, and
 * no run of 8+ digits (which may be a card or account number, from the client-sent part of the path).
 * Anything else is left to the normalizer's own templating of the path.
 */
export function isPlainTemplate(template: string, maxChars: number): boolean {
  if (template.length > maxChars) return false;
  let digits = 0;
  for (let i = 0; i < template.length; i++) {
    const c = template.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
    digits = c >= 48 && c <= 57 ? digits + 1 : 0;
    if (digits >= 8) return false;
  }
  return true;
}

function trimSlashesEnd(s: string, end: number): number {
  let e = end;
  while (e > 0 && s.charCodeAt(e - 1) === 47) e--;
  return e;
}
