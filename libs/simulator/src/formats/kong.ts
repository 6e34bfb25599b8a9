/**
 * Kong 3.x `http-log` / `file-log` records (kong.log.serialize()), one JSON object a line.
 * Field names and shapes follow https://developer.konghq.com/plugins/http-log/ (Log format):
 * response{status,size,headers}, route{...,service{id}}, workspace, workspace_name, tries[], client_ip,
 * request{id,method,uri,url,size,querystring,headers}, upstream_uri, started_at, source,
 * upstream_status, latencies{request,kong,proxy,receive}, service{...}, consumer, authenticated_entity.
 *
 * A request no route matched is logged the way Kong logs it: no route, service or tries, source `kong`.
 * The route and service objects do not change per request, so their JSON is built once per route.
 */
import type { SimRequest, SimRoute } from '../sim-request';
import { httpDate, jsonString, jsonStringRepeated as lit, requestUri } from './text';

const KONG_VERSION = '3.6.1';
const WORKSPACE_ID = '0dc6f45b-8f8d-40d2-a504-473544ee190b';
/** Entity timestamps (seconds) of the simulated Kong config. */
const CONFIG_CREATED_AT = 1735689600;

export class KongWriter {
  readonly format = 'kong' as const;
  private readonly routeJson = new Map<string, string>();

  write(r: SimRequest): string {
    const uri = requestUri(r.path, r.query);
    const route = r.route;
    const proxied = route !== null && r.upstreamLatencyMs > 0;
    const kongLatency = r.latencyMs - r.upstreamLatencyMs;
    let s = '{"response":{"status":';
    s += r.status;
    s += ',"size":';
    s += r.bytesOut;
    s += ',"headers":{"content-type":';
    s += r.path.endsWith('.js')
      ? '"application/javascript"'
      : r.path.endsWith('.css')
        ? '"text/css"'
        : r.path.endsWith('.png')
          ? '"image/png"'
          : r.path.endsWith('.html') || r.path === '/'
            ? '"text/html; charset=utf-8"'
            : '"application/json"';
    s += ',"content-length":"';
    s += Math.max(0, r.bytesOut - 310);
    s += '","date":"';
    s += httpDate(r.ts);
    s += '","connection":"keep-alive","via":"1.1 kong/';
    s += KONG_VERSION;
    s += '","x-kong-request-id":"';
    s += r.requestId;
    s += '"';
    if (proxied) {
      s += ',"x-kong-upstream-latency":"';
      s += r.upstreamLatencyMs;
      s += '","x-kong-proxy-latency":"';
      s += kongLatency;
      s += '","server":"envoy"';
    } else {
      s += ',"x-kong-response-latency":"';
      s += r.latencyMs;
      s += '","server":"kong/';
      s += KONG_VERSION;
      s += '"';
    }
    s += '}},';
    if (route !== null) s += this.routeAndService(route);
    s += '"workspace":"';
    s += WORKSPACE_ID;
    s += '","workspace_name":"default","tries":[';
    if (proxied) {
      const svc = route.service;
      const ip = svc.upstreamIps[parseInt(r.requestId.slice(-2), 16) % svc.upstreamIps.length]!;
      s += '{"balancer_start":';
      s += r.ts + 1;
      s += ',"balancer_start_ns":';
      s += (r.ts + 1) * 1e6;
      s += ',"ip":"';
      s += ip;
      s += '","balancer_latency":0,"port":';
      s += svc.port;
      s += ',"balancer_latency_ns":';
      s += 18000 + (parseInt(r.requestId.slice(4, 8), 16) % 40000);
      s += '}';
    }
    s += '],"client_ip":"';
    s += r.clientIp;
    s += '","request":{"id":"';
    s += r.requestId;
    s += '","headers":';
    s += requestHeaders(r);
    s += ',"uri":';
    s += jsonString(uri);
    s += ',"size":';
    s += r.bytesIn;
    s += ',"method":"';
    s += r.method;
    s += '","querystring":';
    s += querystring(r.query);
    s += ',"url":';
    s += jsonString(`https://${r.host}:443${uri}`);
    s += '},"upstream_uri":';
    s += route !== null ? jsonString(upstreamUri(route, r.path, r.query)) : '""';
    s += ',"started_at":';
    s += r.ts;
    s += ',"source":"';
    s += proxied ? 'upstream' : 'kong';
    s += '"';
    if (proxied) {
      s += ',"upstream_status":"';
      s += r.status;
      s += '"';
    }
    s += ',"latencies":{"request":';
    s += r.latencyMs;
    s += ',"kong":';
    s += kongLatency;
    s += ',"proxy":';
    s += proxied ? r.upstreamLatencyMs : -1;
    s += ',"receive":0}';
    if (r.consumer !== null) {
      s += ',"consumer":{"id":"';
      s += r.consumer.id;
      s += '","username":';
      s += lit(r.consumer.username);
      s += ',"custom_id":null,"created_at":';
      s += CONFIG_CREATED_AT;
      s += ',"updated_at":';
      s += CONFIG_CREATED_AT;
      s += ',"tags":null,"type":0},"authenticated_entity":{"id":"';
      s += r.consumer.id;
      s += '"}';
    }
    s += '}';
    return s;
  }

  /** `"route":{...},"service":{...},` for one route, memoised. */
  private routeAndService(route: SimRoute): string {
    let json = this.routeJson.get(route.id);
    if (json !== undefined) return json;
    const svc = route.service;
    json =
      `"route":{"id":"${route.id}","name":${jsonString(route.name)},"paths":${JSON.stringify(route.gatewayPaths)},` +
      `"methods":["${route.method}"],"protocols":["https"],"strip_path":${route.stripPath},` +
      `"preserve_host":true,"regex_priority":0,"path_handling":"v0","https_redirect_status_code":426,` +
      `"service":{"id":"${svc.id}"},"ws_id":"${WORKSPACE_ID}","created_at":${CONFIG_CREATED_AT},` +
      `"updated_at":${CONFIG_CREATED_AT}},` +
      `"service":{"id":"${svc.id}","name":${jsonString(svc.name)},"host":${jsonString(svc.host)},"port":${svc.port},` +
      `"protocol":"${svc.protocol}","path":${jsonString(svc.path)},"retries":5,"connect_timeout":60000,` +
      `"read_timeout":60000,"write_timeout":60000,"ws_id":"${WORKSPACE_ID}",` +
      `"created_at":${CONFIG_CREATED_AT},"updated_at":${CONFIG_CREATED_AT}},`;
    this.routeJson.set(route.id, json);
    return json;
  }
}

function requestHeaders(r: SimRequest): string {
  let s = '{"host":';
  s += lit(r.host);
  if (r.userAgent !== null) {
    s += ',"user-agent":';
    s += lit(r.userAgent);
  }
  s += ',"accept":';
  s += lit(r.accept);
  s += ',"accept-encoding":"gzip, deflate, br"';
  if (r.acceptLanguage !== null) {
    s += ',"accept-language":';
    s += lit(r.acceptLanguage);
  }
  if (r.contentType !== null) {
    s += ',"content-type":';
    s += lit(r.contentType);
    s += ',"content-length":"';
    s += Math.max(2, r.bytesIn - 420);
    s += '"';
  }
  if (r.referer !== null) {
    s += ',"referer":';
    s += lit(r.referer);
  }
  if (r.cookie !== null) {
    s += ',"cookie":';
    s += lit(r.cookie);
  }
  if (r.forwardedFor !== null) {
    s += ',"x-forwarded-for":';
    s += lit(r.forwardedFor);
    s += ',"x-forwarded-proto":"https"';
  }
  if (r.country !== null) {
    s += ',"cf-ipcountry":"';
    s += r.country;
    s += '"';
  }
  if (r.tlsFingerprint !== null) {
    s += ',"x-ja4":';
    s += lit(r.tlsFingerprint);
  }
  if (r.deviceId !== null) {
    s += ',"x-device-id":';
    s += lit(r.deviceId);
  }
  if (r.sessionHeader !== null) {
    s += ',"x-session-id":';
    s += lit(r.sessionHeader);
  }
  if (r.loginUsername !== null) {
    s += ',"x-login-username":';
    s += jsonString(r.loginUsername);
  }
  if (r.apiKey !== null) {
    s += ',"apikey":';
    s += lit(r.apiKey);
  }
  if (r.authorization !== null) {
    s += ',"authorization":';
    s += lit(r.authorization);
  }
  s += ',"connection":"keep-alive"}';
  return s;
}

/** Kong's `request.querystring`: the decoded query as an object (repeated keys become arrays). */
function querystring(query: string | null): string {
  if (query === null) return '{}';
  const out: Record<string, string | string[]> = {};
  for (const pair of query.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const k = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
    const v = eq < 0 ? '' : safeDecode(pair.slice(eq + 1));
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return JSON.stringify(out);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function upstreamUri(route: SimRoute, path: string, query: string | null): string {
  let rest = path;
  if (route.stripPath) {
    const prefix = route.gatewayPaths[0] ?? '';
    if (!prefix.startsWith('~') && path.startsWith(prefix)) rest = path.slice(prefix.length) || '/';
  }
  const base = route.service.path === '/' ? '' : route.service.path;
  return requestUri(`${base}${rest.startsWith('/') ? rest : `/${rest}`}`, query);
}
