/**
 * Splunk HTTP Event Collector, JSON event endpoint (`POST /services/collector/event`, header
 * `Authorization: Splunk <token>`): a batch is the events' JSON objects one after another in one body.
 * Each event is `{time, host, source, sourcetype, index, event, fields}` with `event` the ECS/OCSF
 * document itself or the CEF/LEEF line as a string, and the alert id as the indexed field
 * `vigil_alert_id` (what a search dedupes on).
 *
 * HEC's answers (Splunk docs, "Troubleshoot HTTP Event Collector", status codes):
 *   200 code 0 Success · 403 code 1 Token disabled · 401 code 2 Token is required · 401 code 3 Invalid
 *   authorization · 403 code 4 Invalid token · 400 code 5 No data · 400 code 6 Invalid data format ·
 *   400 code 7 Incorrect index · 500 code 8 Internal server error · 503 code 9 Server is busy ·
 *   400 code 10 Data channel is missing · 400 code 11 Invalid data channel · 400 code 12 Event field is
 *   required · 400 code 13 Event field cannot be blank · 400 code 14 ACK is disabled.
 * 429 and 5xx are retried; other 4xx refused. One subtlety: on code 6 (and 12, 13) HEC names the bad
 * event with `invalid-event-number` and has already indexed the events before it. Those are delivered,
 * the named one is refused, and the ones after it are sent again without costing them an attempt —
 * re-sending the whole batch would index the first ones twice.
 *
 * Indexer acknowledgement (`ack`): HEC's 200 then only means "received"; the body carries an `ackId`,
 * and `POST /services/collector/ack?channel=<channel>` with `{"acks":[id]}` answers `{"acks":{"id":true}}`
 * once indexed. Requests carry `X-Splunk-Request-Channel` (a GUID chosen at start). A batch whose ack does
 * not come within `ack.timeoutMs` is sent again (it may then be indexed twice; the alert id tells).
 */
import { randomUUID } from 'node:crypto';
import { HttpPoster, httpOutcome, type HttpResult, type HttpTlsOptions } from './http-post';
import {
  allRecords,
  delivered,
  tooLarge,
  type OutboundRecord,
  type SendOutcome,
  type SiemTransport,
} from './siem-transport';

export const HEC_EVENT_PATH = '/services/collector/event';
export const HEC_ACK_PATH = '/services/collector/ack';

export interface SplunkHecOptions {
  /** The collector's base URL, e.g. https://splunk.example:8088 (the path is HEC's). */
  readonly url: string;
  readonly token: string;
  readonly index?: string;
  readonly source?: string;
  readonly sourcetype: string;
  /** The `host` of each event; default none (Splunk then uses the connection's). */
  readonly host?: string;
  readonly timeoutMs?: number;
  readonly tls?: HttpTlsOptions;
  readonly ack?: { readonly pollIntervalMs?: number; readonly timeoutMs?: number };
  /** HEC's max_content_length is 1,000,000 bytes by default. */
  readonly maxBodyBytes?: number;
  /** Only for tests: the channel GUID. */
  readonly channel?: string;
}

const HEC_CODES: Readonly<Record<number, string>> = {
  0: 'Success',
  1: 'Token disabled',
  2: 'Token is required',
  3: 'Invalid authorization',
  4: 'Invalid token',
  5: 'No data',
  6: 'Invalid data format',
  7: 'Incorrect index',
  8: 'Internal server error',
  9: 'Server is busy',
  10: 'Data channel is missing',
  11: 'Invalid data channel',
  12: 'Event field is required',
  13: 'Event field cannot be blank',
  14: 'ACK is disabled',
};

interface HecAnswer {
  readonly code?: number;
  readonly text?: string;
  readonly ackId?: number;
  readonly invalidEvent?: number;
}

function parseAnswer(body: string): HecAnswer {
  try {
    const v = JSON.parse(body) as Record<string, unknown>;
    return {
      code: typeof v['code'] === 'number' ? v['code'] : undefined,
      text: typeof v['text'] === 'string' ? v['text'] : undefined,
      ackId: typeof v['ackId'] === 'number' ? v['ackId'] : undefined,
      invalidEvent: typeof v['invalid-event-number'] === 'number' ? v['invalid-event-number'] : undefined,
    };
  } catch {
    return {};
  }
}

const describeAnswer = (body: string): string => {
  const a = parseAnswer(body);
  if (a.code === undefined) return body.slice(0, 500);
  const known = HEC_CODES[a.code];
  return `HEC code ${a.code} (${a.text ?? known ?? 'unknown'})${a.invalidEvent !== undefined ? `, invalid event ${a.invalidEvent}` : ''}`;
};

export class SplunkHecTransport implements SiemTransport {
  readonly kind = 'splunk-hec';
  readonly maxRecordBytes: number;
  private readonly poster: HttpPoster;
  private readonly channel: string;

  constructor(private readonly o: SplunkHecOptions) {
    this.poster = new HttpPoster(new URL(o.url), o.timeoutMs ?? 10_000, o.tls);
    this.maxRecordBytes = o.maxBodyBytes ?? 1_000_000;
    this.channel = o.channel ?? randomUUID();
  }

  /** One HEC event object as JSON text. */
  eventOf(r: OutboundRecord): string {
    return JSON.stringify({
      time: r.alert.ts / 1000,
      ...(this.o.host !== undefined ? { host: this.o.host } : {}),
      ...(this.o.source !== undefined ? { source: this.o.source } : {}),
      sourcetype: this.o.sourcetype,
      ...(this.o.index !== undefined ? { index: this.o.index } : {}),
      event: r.rendered.json ?? r.rendered.text,
      fields: { vigil_alert_id: r.alert.id },
    });
  }

  async send(records: readonly OutboundRecord[]): Promise<readonly SendOutcome[]> {
    if (records.length === 0) return [];
    const body = Buffer.from(records.map((r) => this.eventOf(r)).join(''), 'utf8');
    if (body.length > this.maxRecordBytes) {
      if (records.length === 1) return [tooLarge(body.length, this.maxRecordBytes, 'HEC max_content_length')];
      const half = Math.ceil(records.length / 2);
      return [...(await this.send(records.slice(0, half))), ...(await this.send(records.slice(half)))];
    }
    const result = await this.poster.post(HEC_EVENT_PATH, this.headers(), body);
    if (result.ok && result.status === 400) {
      const answer = parseAnswer(result.body);
      const bad = answer.invalidEvent;
      if (bad !== undefined && bad >= 0 && bad < records.length) return this.cutAt(records, bad, result);
    }
    const outcome = httpOutcome(result, describeAnswer);
    if (outcome.status !== 'delivered' || !this.o.ack || !result.ok) return allRecords(records, outcome);
    const ackId = parseAnswer(result.body).ackId;
    if (ackId === undefined)
      return allRecords(records, {
        status: 'retry',
        code: 'hec_no_ack_id',
        detail: 'HEC answered 200 without an ackId',
      });
    return allRecords(records, await this.awaitAck(ackId));
  }

  async close(): Promise<void> {
    this.poster.close();
  }

  private headers(): Record<string, string> {
    return {
      Authorization: `Splunk ${this.o.token}`,
      'Content-Type': 'application/json',
      'User-Agent': 'vigil-notifier',
      'X-Splunk-Request-Channel': this.channel,
    };
  }

  /** Events before `bad` were indexed; `bad` is refused; the rest go again at once. */
  private cutAt(records: readonly OutboundRecord[], bad: number, result: HttpResult & { ok: true }): SendOutcome[] {
    const detail = `HTTP 400: ${describeAnswer(result.body)}`;
    return records.map((_, i) =>
      i < bad
        ? delivered
        : i === bad
          ? { status: 'refused', code: 'hec_invalid_event', detail }
          : { status: 'retry', code: 'hec_batch_cut', detail: `sent after invalid event ${bad}`, notAttempted: true },
    );
  }

  private async awaitAck(ackId: number): Promise<SendOutcome> {
    const interval = this.o.ack?.pollIntervalMs ?? 1000;
    const deadline = Date.now() + (this.o.ack?.timeoutMs ?? 60_000);
    const query = `${HEC_ACK_PATH}?channel=${encodeURIComponent(this.channel)}`;
    for (;;) {
      const result = await this.poster.post(query, this.headers(), Buffer.from(JSON.stringify({ acks: [ackId] })));
      if (result.ok && result.status === 200) {
        try {
          const acks = (JSON.parse(result.body) as { acks?: Record<string, boolean> }).acks;
          if (acks?.[String(ackId)] === true) return delivered;
        } catch {
          // not JSON: treated as "not yet"
        }
      } else {
        const outcome = httpOutcome(result, describeAnswer);
        if (outcome.status === 'refused') return { ...outcome, code: `ack_${outcome.code}` };
      }
      if (Date.now() + interval > deadline)
        return { status: 'retry', code: 'hec_ack_timeout', detail: `ack ${ackId} not confirmed in time` };
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  }
}
