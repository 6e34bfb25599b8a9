/**
 * Envoy HTTP access logs with a `json_format` whose keys are the snake-case names of the default format's
 * operators (what Istio's JSON access log uses), plus the request headers Vigil attributes by:
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage
 *
 *   start_time %START_TIME%, method %REQ(:METHOD)%, path %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%, protocol,
 *   response_code, response_flags, bytes_received, bytes_sent, duration, upstream_service_time
 *   %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% (a string), x_forwarded_for, user_agent, request_id, authority,
 *   upstream_host, upstream_cluster, downstream_remote_address (ip:port), route_name,
 *   x_login_username, x_device_id, x_session_id, cookie, apikey, authorization, cf_ipcountry, x_ja4 (the
 *   CDN's JA4 header, %REQ(X-JA4)%; Envoy's own %DOWNSTREAM_TLS_JA4_FINGERPRINT% would fingerprint the CDN).
 * Unset operators are written as null, as Envoy does in JSON formats.
 */
import type { SimRequest } from '../sim-request';
import {
  clientPort,
  isoMillis,
  jsonOptRepeated as opt,
  jsonString,
  jsonStringRepeated as lit,
  requestUri,
  withPort,
} from './text';

export class EnvoyWriter {
  readonly format = 'envoy' as const;

  write(r: SimRequest): string {
    const route = r.route;
    const proxied = route !== null && r.upstreamLatencyMs > 0;
    let s = '{"start_time":"';
    s += isoMillis(r.ts);
    s += '","method":"';
    s += r.method;
    s += '","path":';
    s += jsonString(requestUri(r.path, r.query));
    s += ',"protocol":"';
    s += r.protocol;
    s += '","response_code":';
    s += r.status;
    s += ',"response_flags":"';
    s += route === null ? 'NR' : '-';
    s += '","response_code_details":"';
    s += route === null ? 'route_not_found' : proxied ? 'via_upstream' : 'ext_authz_denied';
    s += '","bytes_received":';
    s += Math.max(0, r.bytesIn - 420);
    s += ',"bytes_sent":';
    s += r.bytesOut;
    s += ',"duration":';
    s += r.latencyMs;
    s += ',"upstream_service_time":';
    s += proxied ? `"${r.upstreamLatencyMs}"` : 'null';
    s += ',"x_forwarded_for":';
    s += opt(r.forwardedFor);
    s += ',"user_agent":';
    s += opt(r.userAgent);
    s += ',"request_id":"';
    s += r.requestId;
    s += '","authority":';
    s += lit(r.host);
    s += ',"upstream_host":';
    if (proxied) {
      const svc = route.service;
      s += `"${withPort(svc.upstreamIps[parseInt(r.requestId.slice(-2), 16) % svc.upstreamIps.length]!, svc.port)}"`;
      s += ',"upstream_cluster":';
      s += jsonString(`outbound|${svc.port}||${svc.host}`);
    } else {
      s += 'null,"upstream_cluster":null';
    }
    s += ',"downstream_remote_address":"';
    s += withPort(r.peerIp, clientPort(r.requestId));
    s += '","route_name":';
    s += route === null ? 'null' : jsonString(route.name);
    s += ',"x_login_username":';
    s += opt(r.loginUsername);
    s += ',"x_device_id":';
    s += opt(r.deviceId);
    s += ',"x_session_id":';
    s += opt(r.sessionHeader);
    s += ',"cookie":';
    s += opt(r.cookie);
    s += ',"apikey":';
    s += opt(r.apiKey);
    s += ',"authorization":';
    s += opt(r.authorization);
    s += ',"cf_ipcountry":';
    s += opt(r.country);
    s += ',"x_ja4":';
    s += opt(r.tlsFingerprint);
    s += '}';
    return s;
  }
}
