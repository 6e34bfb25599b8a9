/**
 * Gateway writers: one SimRequest → one log line (without the newline) in a gateway's own format.
 * Every writer is pure and allocation-light; `createWriter` picks one by format name.
 */
import type { SimRequest } from '../sim-request';
import { ApiGatewayWriter } from './apigw';
import { EnvoyWriter } from './envoy';
import { KongWriter } from './kong';
import { NGINX_VIGIL_FORMAT, NginxJsonWriter, NginxTextWriter } from './nginx';

export const SIM_FORMATS = ['kong', 'envoy', 'nginx', 'nginx-json', 'apigw'] as const;
export type SimFormat = (typeof SIM_FORMATS)[number];

export interface GatewayWriter {
  readonly format: SimFormat;
  write(request: SimRequest): string;
}

export interface WriterOptions {
  /** NGINX text only: the `log_format` to fill (default NGINX_VIGIL_FORMAT). */
  readonly nginxLogFormat?: string;
}

export function isSimFormat(s: string): s is SimFormat {
  return (SIM_FORMATS as readonly string[]).includes(s);
}

export function createWriter(format: SimFormat, options: WriterOptions = {}): GatewayWriter {
  switch (format) {
    case 'kong':
      return new KongWriter();
    case 'envoy':
      return new EnvoyWriter();
    case 'nginx':
      return new NginxTextWriter(options.nginxLogFormat ?? NGINX_VIGIL_FORMAT);
    case 'nginx-json':
      return new NginxJsonWriter();
    case 'apigw':
      return new ApiGatewayWriter();
  }
}

/** What each format can carry, so that readers (tests, training) know what to expect back. */
export interface FormatCapabilities {
  /** Request headers (login username, session, device, API key, country) are logged. */
  readonly headers: boolean;
  /** The gateway-authenticated caller is logged (Kong consumer, API Gateway authorizer). */
  readonly consumer: boolean;
  /** After login the principal is readable from the bearer JWT's `sub` (with `principal.jwtClaim`). */
  readonly jwtSubject: boolean;
  /** Event time has millisecond resolution (NGINX text logs seconds). */
  readonly millis: boolean;
  /** The client address logged is the TCP peer: a CDN in front needs `trustedProxies`. */
  readonly peerAddress: boolean;
  /** The CDN's TLS fingerprint header (`x-ja4`) is logged, so events carry `tlsFingerprint`. */
  readonly tlsFingerprint: boolean;
}

export const FORMAT_CAPABILITIES: Readonly<Record<SimFormat, FormatCapabilities>> = {
  kong: { headers: true, consumer: true, jwtSubject: true, millis: true, peerAddress: false, tlsFingerprint: true },
  envoy: { headers: true, consumer: false, jwtSubject: true, millis: true, peerAddress: true, tlsFingerprint: true },
  nginx: { headers: true, consumer: false, jwtSubject: false, millis: false, peerAddress: true, tlsFingerprint: true },
  'nginx-json': {
    headers: true,
    consumer: false,
    jwtSubject: true,
    millis: true,
    peerAddress: true,
    tlsFingerprint: true,
  },
  apigw: {
    headers: false,
    consumer: true,
    jwtSubject: false,
    millis: true,
    peerAddress: false,
    tlsFingerprint: false,
  },
};

export interface SourceConfigHints {
  /** Proxies (CDN edges) in front of the gateway, as CIDRs. */
  readonly trustedProxies?: readonly string[];
}

/**
 * The source config (input to `parseSourceConfig`) that reads what `format` wrote as the simulator means
 * it: NGINX's log_format, the CDN ranges to trust for X-Forwarded-For, and the JWT claim that names the
 * principal after login where the format logs no gateway identity.
 */
export function sourceConfigFor(
  format: SimFormat,
  options: WriterOptions = {},
  hints: SourceConfigHints = {},
): Record<string, unknown> {
  const caps = FORMAT_CAPABILITIES[format];
  const config: Record<string, unknown> = { gateway: format };
  if (format === 'nginx') config['nginxLogFormat'] = options.nginxLogFormat ?? NGINX_VIGIL_FORMAT;
  if (caps.peerAddress && hints.trustedProxies?.length) config['trustedProxies'] = [...hints.trustedProxies];
  if (caps.jwtSubject && !caps.consumer) config['principal'] = { jwtClaim: 'sub' };
  return config;
}

export { KongWriter, EnvoyWriter, NginxTextWriter, NginxJsonWriter, ApiGatewayWriter };
export {
  NGINX_COMBINED_FORMAT,
  NGINX_VIGIL_FORMAT,
  NGINX_JSON_KEYS,
  nginxJsonLogFormat,
  nginxTextEscape,
  nginxVariableNames,
} from './nginx';
