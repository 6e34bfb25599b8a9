/**
 * Vigil's own canonical AccessEvent JSON (what `vigil replay --events-out` writes), read back with a
 * full check of every field: canonical events come from other producers too, and are trusted only
 * after this.
 */
import {
  ACCESS_EVENT_VERSION,
  AUTH_TYPES,
  GATEWAY_KINDS,
  MALFORMED_REQUESTS,
  PRINCIPAL_SOURCES,
  READABLE_ACCESS_EVENT_VERSIONS,
  ROUTE_CLASSES,
  SANITIZE_NOTES,
  SENSITIVE_KINDS,
  type AccessEvent,
} from '../access-event';
import { fail, type DecodeResult } from '../dead-letter';
import { parseIp } from '../normalize/ip';
import { isRecord, preview, typeName } from './json-fields';
import { parseJsonObject } from './json-line';
import { MAX_PLAUSIBLE_TS, MIN_PLAUSIBLE_TS } from './timestamps';

const MAX_STRING = 8192;
const sets = {
  gateway: new Set<string>(GATEWAY_KINDS),
  authType: new Set<string>(AUTH_TYPES),
  principalSource: new Set<string>(PRINCIPAL_SOURCES),
  routeClass: new Set<string>(ROUTE_CLASSES),
  sensitive: new Set<string>(SENSITIVE_KINDS),
  sanitized: new Set<string>(SANITIZE_NOTES),
  malformed: new Set<string>(MALFORMED_REQUESTS),
};

const REQUIRED_STRINGS = ['source', 'clientIp', 'subnet', 'method', 'host', 'path', 'routeTemplate'] as const;
const NULLABLE_STRINGS = [
  'requestId',
  'country',
  'userAgent',
  'tlsFingerprint',
  'deviceId',
  'sessionId',
  'apiKeyId',
  'principal',
  'query',
] as const;
const NUMBERS = ['bytesIn', 'bytesOut', 'latencyMs'] as const;

export function decodeVigilJson(line: string): DecodeResult<AccessEvent> {
  const parsed = parseJsonObject(line);
  return parsed.ok ? validateAccessEvent(parsed.value) : parsed;
}

export function validateAccessEvent(value: unknown): DecodeResult<AccessEvent> {
  if (!isRecord(value)) return fail('not_an_object', `an AccessEvent must be an object, got ${typeName(value)}`);
  const e = value;
  const v = e['v'];
  if (typeof v !== 'number' || !READABLE_ACCESS_EVENT_VERSIONS.includes(v))
    return fail('invalid_event', `v must be one of ${READABLE_ACCESS_EVENT_VERSIONS.join(', ')}, got ${preview(v)}`);
  const ts = e['ts'];
  if (typeof ts !== 'number' || !Number.isInteger(ts))
    return fail('invalid_timestamp', `ts must be integer ms, got ${preview(ts)}`);
  if (ts < MIN_PLAUSIBLE_TS || ts > MAX_PLAUSIBLE_TS)
    return fail('invalid_timestamp', `ts is outside 2000..2100: ${ts}`);
  for (const k of REQUIRED_STRINGS) {
    const s = e[k];
    if (s === undefined || s === null) return fail('missing_field', `${k} is missing`);
    if (typeof s !== 'string') return fail('invalid_field_type', `${k} must be a string, got ${typeName(s)}`);
    if (s.length > MAX_STRING) return fail('invalid_event', `${k} is longer than ${MAX_STRING} characters`);
  }
  for (const k of NULLABLE_STRINGS) {
    const s = e[k];
    if (s === undefined) return fail('missing_field', `${k} is missing (use null)`);
    if (s !== null && typeof s !== 'string')
      return fail('invalid_field_type', `${k} must be a string or null, got ${typeName(s)}`);
    if (typeof s === 'string' && s.length > MAX_STRING)
      return fail('invalid_event', `${k} is longer than ${MAX_STRING} characters`);
  }
  for (const k of NUMBERS) {
    const n = e[k];
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0)
      return fail('invalid_field_type', `${k} must be a non-negative number, got ${preview(n)}`);
  }
  const status = e['status'];
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    return fail('invalid_status', `status must be an HTTP status 100-599, got ${preview(status)}`);
  }
  const asn = e['asn'];
  if (asn === undefined) return fail('missing_field', 'asn is missing (use null)');
  if (asn !== null && (typeof asn !== 'number' || !Number.isInteger(asn) || asn < 0 || asn > 4294967295)) {
    return fail('invalid_field_type', `asn must be null or a 32-bit AS number, got ${preview(asn)}`);
  }
  const ip = parseIp(e['clientIp'] as string);
  if (!ip || ip.text !== e['clientIp'])
    return fail('invalid_ip', `clientIp is not a canonical IP address: ${preview(e['clientIp'])}`);
  if (!enumOk(e['gateway'], sets.gateway))
    return fail('invalid_event', `gateway is not one of ${GATEWAY_KINDS.join(', ')}`);
  if (!enumOk(e['authType'], sets.authType))
    return fail('invalid_event', `authType is not one of ${AUTH_TYPES.join(', ')}`);
  if (!enumOk(e['routeClass'], sets.routeClass))
    return fail('invalid_event', `routeClass is not one of ${ROUTE_CLASSES.join(', ')}`);
  if (e['principalSource'] !== null && !enumOk(e['principalSource'], sets.principalSource)) {
    return fail('invalid_event', `principalSource is not null or one of ${PRINCIPAL_SOURCES.join(', ')}`);
  }
  if (!enumArrayOk(e['sensitive'], sets.sensitive))
    return fail('invalid_event', `sensitive must be an array of ${SENSITIVE_KINDS.join(', ')}`);
  if (!enumArrayOk(e['sanitized'], sets.sanitized))
    return fail('invalid_event', `sanitized must be an array of ${SANITIZE_NOTES.join(', ')}`);
  // v1 predates the field: its producers dead-lettered malformed requests, so every v1 event is a valid one.
  const malformed = v === 1 ? null : e['malformed'];
  if (malformed === undefined) return fail('missing_field', 'malformed is missing (use null)');
  if (malformed !== null && !enumOk(malformed, sets.malformed))
    return fail('invalid_event', `malformed is not null or one of ${MALFORMED_REQUESTS.join(', ')}`);
  return { ok: true, value: project(e, malformed as AccessEvent['malformed']) };
}

/** Copies only the AccessEvent fields (unknown extra fields, and their size, stop here), as the current version. */
function project(e: Record<string, unknown>, malformed: AccessEvent['malformed']): AccessEvent {
  return {
    v: ACCESS_EVENT_VERSION,
    ts: e['ts'] as number,
    source: e['source'] as string,
    gateway: e['gateway'] as AccessEvent['gateway'],
    requestId: e['requestId'] as string | null,
    clientIp: e['clientIp'] as string,
    subnet: e['subnet'] as string,
    asn: e['asn'] as number | null,
    country: e['country'] as string | null,
    userAgent: e['userAgent'] as string | null,
    tlsFingerprint: e['tlsFingerprint'] as string | null,
    deviceId: e['deviceId'] as string | null,
    sessionId: e['sessionId'] as string | null,
    apiKeyId: e['apiKeyId'] as string | null,
    principal: e['principal'] as string | null,
    principalSource: e['principalSource'] as AccessEvent['principalSource'],
    authType: e['authType'] as AccessEvent['authType'],
    method: e['method'] as string,
    host: e['host'] as string,
    path: e['path'] as string,
    query: e['query'] as string | null,
    routeTemplate: e['routeTemplate'] as string,
    routeClass: e['routeClass'] as AccessEvent['routeClass'],
    status: e['status'] as number,
    bytesIn: e['bytesIn'] as number,
    bytesOut: e['bytesOut'] as number,
    latencyMs: e['latencyMs'] as number,
    sensitive: e['sensitive'] as AccessEvent['sensitive'],
    sanitized: e['sanitized'] as AccessEvent['sanitized'],
    malformed,
  };
}

function enumOk(v: unknown, allowed: ReadonlySet<string>): boolean {
  return typeof v === 'string' && allowed.has(v);
}

function enumArrayOk(v: unknown, allowed: ReadonlySet<string>): boolean {
  return Array.isArray(v) && v.length <= allowed.size && v.every((x) => enumOk(x, allowed));
}
