/**
 * AWS API Gateway (REST API) access logs in JSON, with the keys of AWS's documented JSON example, each
 * holding the `$context` variable of the same name:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
 *
 *   requestId, extendedRequestId, ip ($context.identity.sourceIp), caller, user, requestTime (CLF),
 *   requestTimeEpoch (ms), httpMethod, resourcePath, path, status, protocol, responseLength, userAgent
 *   ($context.identity.userAgent), domainName, responseLatency, integrationLatency, stage,
 *   principalId ($context.authorizer.principalId), apiKeyId ($context.identity.apiKeyId).
 *
 * What API Gateway cannot log: request headers (so no login username, device, session or country) and
 * the query string. `resourcePath` is the API's resource, which the simulated API defines with the same
 * slot names as Vigil's templater (`/accounts/{id}`). Unset values are `-`, as API Gateway writes them.
 */
import type { SimRequest } from '../sim-request';
import { clfTime, jsonString } from './text';

const STAGE = 'prod';

export class ApiGatewayWriter {
  readonly format = 'apigw' as const;

  write(r: SimRequest): string {
    const proxied = r.route !== null && r.upstreamLatencyMs > 0;
    let s = '{"requestId":"';
    s += uuidOf(r.requestId);
    s += '","extendedRequestId":"';
    s += extendedId(r.requestId);
    s += '","ip":"';
    s += r.clientIp;
    s += '","caller":"-","user":"-","requestTime":"';
    s += clfTime(r.ts);
    s += '","requestTimeEpoch":';
    s += r.ts;
    s += ',"httpMethod":"';
    s += r.method;
    s += '","resourcePath":';
    s += r.route === null ? '"-"' : jsonString(r.route.template);
    s += ',"path":';
    s += jsonString(r.path);
    s += ',"status":"';
    s += r.status;
    s += '","protocol":"';
    s += r.protocol;
    s += '","responseLength":"';
    s += Math.max(0, r.bytesOut - 310);
    s += '","userAgent":';
    s += r.userAgent === null ? '"-"' : jsonString(r.userAgent);
    s += ',"domainName":';
    s += jsonString(r.host);
    s += ',"responseLatency":"';
    s += r.latencyMs;
    s += '","integrationLatency":"';
    s += proxied ? r.upstreamLatencyMs : '-';
    s += '","stage":"';
    s += STAGE;
    s += '","principalId":';
    s += r.consumer === null ? '"-"' : jsonString(r.consumer.username);
    s += ',"apiKeyId":';
    s += r.apiKey === null ? '"-"' : jsonString(`key-${r.apiKey.slice(0, 10)}`);
    s += '}';
    return s;
  }
}

function uuidOf(hex32: string): string {
  return `${hex32.slice(0, 8)}-${hex32.slice(8, 12)}-${hex32.slice(12, 16)}-${hex32.slice(16, 20)}-${hex32.slice(20, 32)}`;
}

/** API Gateway's extended id: 16 base64-ish characters ending in `=`. */
function extendedId(hex32: string): string {
  return `${Buffer.from(hex32.slice(0, 22), 'hex').toString('base64url').slice(0, 15)}=`;
}
