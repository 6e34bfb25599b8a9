/**
 * A generic webhook: each batch is one POST, signed with HMAC-SHA256 so the receiver can tell it came
 * from this notifier and was not replayed. How a receiver verifies (also `verifyWebhookSignature`):
 *
 *   X-Vigil-Timestamp:  the send time, Unix seconds
 *   X-Vigil-Signature:  v1=<hex HMAC-SHA256(secret, "<X-Vigil-Timestamp>.<raw body bytes>")>
 *   X-Vigil-Delivery:   SHA-256 (hex) of the batch's alert ids, newline-joined: the same on every resend
 *                       of the same batch, so a receiver can drop a delivery it already has
 *
 *   1. read the raw body bytes (before any JSON parsing);
 *   2. compute HMAC-SHA256 with the shared secret over the ASCII timestamp, a `.`, then the body;
 *   3. compare with the hex after `v1=` in constant time (several `v1=` values, comma-separated, may
 *      appear while a secret is rotated: accept if any matches);
 *   4. refuse a timestamp more than 5 minutes from your clock (replays).
 *
 * The body is `application/json`, an array of the formatted records, for ECS and OCSF; for CEF and LEEF
 * it is `text/plain; charset=utf-8`, one record per line (neither format ever holds a line break).
 * Answers: 2xx delivered; 408/425/429/5xx retried (Retry-After honoured); any other status refused and
 * dead-lettered with the status and the start of the body.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { HttpPoster, httpOutcome, type HttpTlsOptions } from './http-post';
import { allRecords, tooLarge, type OutboundRecord, type SendOutcome, type SiemTransport } from './siem-transport';

export const WEBHOOK_HEADERS = {
  timestamp: 'x-vigil-timestamp',
  signature: 'x-vigil-signature',
  delivery: 'x-vigil-delivery',
} as const;

export const WEBHOOK_TOLERANCE_SECONDS = 300;

export interface WebhookOptions {
  readonly url: string;
  /** The shared HMAC key (from the environment, never from a config file). */
  readonly secret: string;
  /** Extra request headers (e.g. a tenant id); never the signature headers. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly tls?: HttpTlsOptions;
  /** Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Seconds since the epoch; tests fix it. */
  readonly now?: () => number;
}

/** The `v1=` signature of a body sent at `timestamp` (Unix seconds). */
export function signWebhookBody(secret: string, timestamp: number | string, body: Buffer | string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return `v1=${mac}`;
}

export type WebhookVerification = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** What a receiver does with the three headers and the raw body (see the steps above). */
export function verifyWebhookSignature(input: {
  readonly secret: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly body: Buffer;
  readonly nowSeconds?: number;
  readonly toleranceSeconds?: number;
}): WebhookVerification {
  const { secret, timestamp, signature, body } = input;
  if (!timestamp || !/^\d+$/.test(timestamp)) return { ok: false, reason: 'missing or malformed timestamp' };
  if (!signature) return { ok: false, reason: 'missing signature' };
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS))
    return { ok: false, reason: 'timestamp outside the tolerance' };
  const expected = Buffer.from(signWebhookBody(secret, timestamp, body).slice(3), 'hex');
  const match = signature
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1='))
    .some((s) => {
      const given = Buffer.from(s.slice(3), 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  return match ? { ok: true } : { ok: false, reason: 'signature does not match' };
}

export function webhookDeliveryId(alertIds: readonly string[]): string {
  return createHash('sha256').update(alertIds.join('\n')).digest('hex');
}

export class WebhookTransport implements SiemTransport {
  readonly kind = 'webhook';
  readonly maxRecordBytes: number;
  private readonly poster: HttpPoster;

  constructor(private readonly o: WebhookOptions) {
    this.poster = new HttpPoster(new URL(o.url), o.timeoutMs ?? 10_000, o.tls);
    this.maxRecordBytes = o.maxBodyBytes ?? 1_048_576;
  }

  async send(records: readonly OutboundRecord[]): Promise<readonly SendOutcome[]> {
    if (records.length === 0) return [];
    const json = records[0]!.rendered.json !== undefined;
    const body = Buffer.from(
      json ? `[${records.map((r) => r.rendered.text).join(',')}]` : records.map((r) => r.rendered.text).join('\n'),
      'utf8',
    );
    if (body.length > this.maxRecordBytes && records.length > 1) {
      // Too big as one request: the halves go separately, so only a record too big alone is refused.
      const half = Math.ceil(records.length / 2);
      return [...(await this.send(records.slice(0, half))), ...(await this.send(records.slice(half)))];
    }
    if (body.length > this.maxRecordBytes)
      return allRecords(records, tooLarge(body.length, this.maxRecordBytes, 'webhook body'));
    const timestamp = String(this.o.now ? this.o.now() : Math.floor(Date.now() / 1000));
    const result = await this.poster.post(
      this.poster.url.pathname + this.poster.url.search,
      {
        ...this.o.headers,
        'Content-Type': json ? 'application/json' : 'text/plain; charset=utf-8',
        'User-Agent': 'vigil-notifier',
        [WEBHOOK_HEADERS.timestamp]: timestamp,
        [WEBHOOK_HEADERS.signature]: signWebhookBody(this.o.secret, timestamp, body),
        [WEBHOOK_HEADERS.delivery]: webhookDeliveryId(records.map((r) => r.alert.id)),
      },
      body,
    );
    return allRecords(records, httpOutcome(result));
  }

  async close(): Promise<void> {
    this.poster.close();
  }
}
