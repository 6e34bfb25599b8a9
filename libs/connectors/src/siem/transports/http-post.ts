/**
 * One HTTP(S) POST with node's http/https, a keep-alive agent per transport and a deadline for the whole
 * exchange, and what its status means for delivery. A network failure or timeout is a value, not a throw.
 *
 * Status classes (RFC 9110 §15): 2xx delivered; 408, 425, 429 and 5xx worth retrying (429 and 503 with
 * Retry-After honoured); every other 4xx refused, since sending the same request again cannot change the
 * answer. 3xx is refused too: a SIEM endpoint that redirects is misconfigured, and following a redirect
 * would send a signed body or a token somewhere else.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { SendOutcome } from './siem-transport';

export interface HttpTlsOptions {
  /** PEM of the CA(s) for the server's certificate; default the system's roots. */
  readonly ca?: string;
  /** Only for tests against a throwaway certificate. Default true. */
  readonly rejectUnauthorized?: boolean;
}

export type HttpResult =
  | { readonly ok: true; readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: string }
  | { readonly ok: false; readonly code: 'timeout' | 'connect_error'; readonly detail: string };

/** Responses are read up to this much; a SIEM's answer is a few hundred bytes. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export class HttpPoster {
  private readonly agent: HttpAgent | HttpsAgent;

  constructor(
    readonly url: URL,
    private readonly timeoutMs: number,
    tls: HttpTlsOptions = {},
  ) {
    this.agent =
      url.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, ca: tls.ca, rejectUnauthorized: tls.rejectUnauthorized ?? true })
        : new HttpAgent({ keepAlive: true });
  }

  post(path: string, headers: Readonly<Record<string, string>>, body: Buffer): Promise<HttpResult> {
    const target = new URL(path, this.url);
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<HttpResult>((resolve) => {
      let settled = false;
      const finish = (r: HttpResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const req = request(target, {
        method: 'POST',
        agent: this.agent,
        headers: { ...headers, 'Content-Length': String(body.length) },
      });
      const timer = setTimeout(() => {
        finish({ ok: false, code: 'timeout', detail: `no answer from ${target.host} within ${this.timeoutMs} ms` });
        req.destroy();
      }, this.timeoutMs);
      req.on('error', (err) => finish({ ok: false, code: 'connect_error', detail: err.message }));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(c);
          size += c.length;
        });
        res.on('error', (err) => finish({ ok: false, code: 'connect_error', detail: err.message }));
        res.on('end', () =>
          finish({
            ok: true,
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8'),
          }),
        );
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Retry-After as milliseconds: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** The outcome an HTTP answer means for the records it carried. */
export function httpOutcome(
  result: HttpResult,
  describe: (body: string) => string = (b) => b.slice(0, 500),
): SendOutcome {
  if (!result.ok) return { status: 'retry', code: result.code, detail: result.detail };
  const { status, headers, body } = result;
  if (status >= 200 && status < 300) return { status: 'delivered' };
  const detail = `HTTP ${status}${body ? `: ${describe(body)}` : ''}`;
  if (isRetriableStatus(status))
    return { status: 'retry', code: `http_${status}`, detail, retryAfterMs: retryAfterMs(headers['retry-after']) };
  return { status: 'refused', code: `http_${status}`, detail };
}
