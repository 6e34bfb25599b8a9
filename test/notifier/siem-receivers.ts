/**
 * Real HTTP peers for the notifier tests (node http on a free loopback port): a Splunk HTTP Event
 * Collector and a webhook receiver, each following a script of answers so that a test can make them
 * busy (503), refuse (400) or accept. They check what a real peer checks — HEC the `Authorization:
 * Splunk <token>` header and the event JSON, the webhook receiver the HMAC-SHA256 signature as the
 * notifier documents it (recomputed here with node:crypto, not with the notifier's own code) — and
 * record what they accepted.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** What the receiver answered. */
  readonly status: number;
}

export interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export class HttpReceiver {
  readonly requests: ReceivedRequest[] = [];
  private server: Server | null = null;
  private port = 0;
  /** Called once an answer has been written (the restart test kills the notifier from here). */
  afterAnswer: ((request: ReceivedRequest) => void) | null = null;

  constructor(private readonly answer: (path: string, headers: IncomingHttpHeaders, body: Buffer) => Answer) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const a = this.answer(req.url ?? '', req.headers, body);
        const text = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
        res.writeHead(a.status, { 'Content-Type': 'application/json', ...a.headers });
        const received = { path: req.url ?? '', headers: req.headers, body, status: a.status };
        this.requests.push(received);
        res.end(text, () => this.afterAnswer?.(received));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** HEC's body: event objects one after another (no separator). Splits them at depth 0, strings respected. */
export function splitConcatenatedJson(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      out.push(JSON.parse(text.slice(start, i + 1)));
      start = i + 1;
    }
  }
  return out;
}

export interface HecEvent {
  readonly time: number;
  readonly sourcetype: string;
  readonly event: unknown;
  readonly fields: { readonly vigil_alert_id: string };
  readonly index?: string;
}

/**
 * A Splunk HEC: 401/403 with HEC's codes for a missing or wrong token, 400 code 6 for a body that is not
 * events, otherwise the next scripted answer (default 200 `{"text":"Success","code":0}`). Events of
 * 200 answers are kept in `accepted`.
 */
export function hecReceiver(token: string, script: readonly Answer[] = []): HttpReceiver & { accepted: HecEvent[] } {
  const accepted: HecEvent[] = [];
  let scripted = 0;
  const receiver = new HttpReceiver((path, headers, body) => {
    if (path !== '/services/collector/event') return { status: 404, body: { text: 'Not found', code: 404 } };
    const auth = headers['authorization'];
    if (auth === undefined) return { status: 401, body: { text: 'Token is required', code: 2 } };
    if (auth !== `Splunk ${token}`) return { status: 403, body: { text: 'Invalid token', code: 4 } };
    let events: HecEvent[];
    try {
      events = splitConcatenatedJson(body.toString('utf8')) as HecEvent[];
    } catch {
      return { status: 400, body: { text: 'Invalid data format', code: 6, 'invalid-event-number': 0 } };
    }
    const next = script[scripted++];
    if (next && next.status !== 200) return next;
    accepted.push(...events);
    return next ?? { status: 200, body: { text: 'Success', code: 0 } };
  });
  return Object.assign(receiver, { accepted });
}

/**
 * A webhook receiver that verifies `X-Vigil-Signature` over `X-Vigil-Timestamp.body` with the secret
 * (401 when it does not match), then answers from the script by request number, or with `refuse(body)`
 * when that returns an answer, else 200. Accepted JSON arrays are flattened into `accepted`.
 */
export function webhookReceiver(
  secret: string,
  options: { script?: readonly Answer[]; refuse?: (records: unknown[]) => Answer | null } = {},
): HttpReceiver & { accepted: unknown[]; deliveries: string[] } {
  const accepted: unknown[] = [];
  const deliveries: string[] = [];
  let scripted = 0;
  const receiver = new HttpReceiver((_path, headers, body) => {
    const timestamp = String(headers['x-vigil-timestamp'] ?? '');
    const given = /^v1=([0-9a-f]{64})$/.exec(String(headers['x-vigil-signature'] ?? ''))?.[1];
    const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
    if (
      !given ||
      !timingSafeEqual(Buffer.from(given, 'hex'), mac) ||
      Math.abs(Date.now() / 1000 - Number(timestamp)) > 300
    )
      return { status: 401, body: { error: 'bad signature' } };
    const records = JSON.parse(body.toString('utf8')) as unknown[];
    const next = script(options.script, scripted++) ?? options.refuse?.(records);
    if (next && next.status !== 200) return next;
    accepted.push(...records);
    deliveries.push(String(headers['x-vigil-delivery']));
    return next ?? { status: 200, body: { ok: true } };
  });
  return Object.assign(receiver, { accepted, deliveries });
}

const script = (answers: readonly Answer[] | undefined, n: number): Answer | undefined => answers?.[n];
