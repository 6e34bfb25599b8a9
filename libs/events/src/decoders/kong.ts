/**
 * Kong `http-log` (and `file-log`, `tcp-log`, `kafka-log`: the same serializer) records.
 * Format: https://docs.konghq.com/hub/kong-inc/http-log/log-format/ (kong.log.serialize()).
 *
 *   request.{method, uri (path + query), url, size, headers, tls.client_verify}, response.{status, size},
 *   client_ip (already resolved with Kong's trusted_ips/real_ip_header), started_at (ms),
 *   latencies.{request, kong, proxy} (ms), consumer.{username, id}, authenticated_entity.{id},
 *   route.{name, paths}, service.{name, host}.
 * Sizes are strings in Kong < 3.0 and numbers after; both are accepted.
 */
import { fail, type DecodeResult } from '../dead-letter';
import type { JsonRecordDecoder } from '../decoder';
import type { HeaderMap, RawRequest } from '../raw-request';
import { isRecord, optString, preview, readMethod, readNonNegative, readStatus } from './json-fields';
import { jsonDecoder } from './json-line';
import { readTime } from './timestamps';

const EMPTY_HEADERS: HeaderMap = Object.freeze({});

export function createKongDecoder(): JsonRecordDecoder {
  return jsonDecoder('kong', decodeKong);
}

export function decodeKong(rec: Record<string, unknown>): DecodeResult<RawRequest> {
  const request = rec['request'];
  if (!isRecord(request)) {
    return request === undefined
      ? fail('missing_field', 'request is missing')
      : fail('invalid_field_type', 'request must be an object');
  }
  const response = rec['response'];
  if (!isRecord(response)) {
    return response === undefined
      ? fail('missing_field', 'response is missing')
      : fail('invalid_field_type', 'response must be an object');
  }
  const ts = readTime(rec['started_at'], 'started_at');
  if (!ts.ok) return ts;
  const method = readMethod(request['method'], 'request.method');
  if (!method.ok) return method;
  const status = readStatus(response['status'], 'response.status');
  if (!status.ok) return status;
  const uri = request['uri'];
  if (typeof uri !== 'string' || uri.length === 0) {
    return uri === undefined
      ? fail('missing_field', 'request.uri is missing')
      : fail('invalid_field_type', `request.uri must be a string, got ${preview(uri)}`);
  }
  const clientIp = rec['client_ip'];
  if (typeof clientIp !== 'string') {
    return clientIp === undefined
      ? fail('missing_field', 'client_ip is missing')
      : fail('invalid_field_type', 'client_ip must be a string');
  }
  const bytesIn = readNonNegative(request['size'], 'request.size');
  if (!bytesIn.ok) return bytesIn;
  const bytesOut = readNonNegative(response['size'], 'response.size');
  if (!bytesOut.ok) return bytesOut;

  const rawHeaders = request['headers'];
  const headers: HeaderMap = isRecord(rawHeaders) ? (rawHeaders as HeaderMap) : EMPTY_HEADERS;
  const latencies = rec['latencies'];
  let latencyMs: number | null = null;
  if (isRecord(latencies)) {
    const l = readNonNegative(latencies['request'], 'latencies.request');
    if (!l.ok) return l;
    latencyMs = l.value;
  }
  const consumer = rec['consumer'];
  const entity = rec['authenticated_entity'];
  const tls = request['tls'];

  return {
    ok: true,
    value: {
      gateway: 'kong',
      ts: ts.value,
      requestId:
        optString(request, 'id') ?? headerString(headers, 'x-request-id') ?? headerString(headers, 'x-kong-request-id'),
      remoteAddr: clientIp,
      forwardedFor: headerString(headers, 'x-forwarded-for'),
      method: method.value,
      host: headerString(headers, 'host') ?? hostOfUrl(request['url']),
      uri,
      malformed: null,
      status: status.value,
      bytesIn: bytesIn.value,
      bytesOut: bytesOut.value,
      latencyMs,
      userAgent: headerString(headers, 'user-agent'),
      headers,
      consumerName: isRecord(consumer) ? (optString(consumer, 'username') ?? optString(consumer, 'custom_id')) : null,
      authenticatedId: isRecord(entity) ? optString(entity, 'id') : null,
      routeTemplateHint: null,
      tlsFingerprint: null,
      clientCertVerified: isRecord(tls) && tls['client_verify'] === 'SUCCESS',
      record: rec,
    },
  };
}

function headerString(headers: HeaderMap, name: string): string | null {
  const v = headers[name];
  if (typeof v === 'string') return v.length ? v : null;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return null;
}

function hostOfUrl(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  const start = url.indexOf('://');
  if (start < 0) return null;
  let end = url.indexOf('/', start + 3);
  if (end < 0) end = url.length;
  const authority = url.slice(start + 3, end);
  const colon = authority.lastIndexOf(':');
  return colon > 0 && !authority.endsWith(']') ? authority.slice(0, colon) : authority;
}
