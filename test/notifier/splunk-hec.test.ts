/**
 * The Splunk HEC transport against a real local HTTP server playing HEC's protocol details that the
 * end-to-end test does not reach: a batch cut by `invalid-event-number` (HEC indexed the events before
 * the bad one: they must not be sent again), indexer acknowledgement over the request channel (a batch
 * is delivered only once `/services/collector/ack` says so), and Retry-After on a 429.
 */
import { siemFormatter, SplunkHecTransport, type OutboundRecord } from '@vigil/connectors';
import { HOSTILE_PRODUCT } from './fixtures/hostile-alerts';
import { alertOf } from './notifier-fixture';
import { HttpReceiver, splitConcatenatedJson, type Answer } from './siem-receivers';

const TOKEN = 'hec-token';
const records = (...ids: string[]): OutboundRecord[] =>
  ids.map((id) => {
    const alert = alertOf(id);
    return { alert, rendered: siemFormatter('cef', { product: HOSTILE_PRODUCT }).render(alert) };
  });
const idsIn = (body: Buffer) =>
  (splitConcatenatedJson(body.toString()) as { fields: { vigil_alert_id: string } }[]).map(
    (e) => e.fields.vigil_alert_id,
  );

describe('Splunk HEC transport', () => {
  const servers: HttpReceiver[] = [];
  const serve = async (answer: (path: string, body: Buffer, n: number) => Answer) => {
    let n = 0;
    const s = new HttpReceiver((path, headers, body) =>
      headers['authorization'] === `Splunk ${TOKEN}` ? answer(path, body, n++) : { status: 403, body: { code: 4 } },
    );
    await s.start();
    servers.push(s);
    return s;
  };
  afterAll(() => Promise.all(servers.map((s) => s.stop())));

  it('on invalid-event-number keeps the events before it, refuses it, and resends only the rest', async () => {
    const hec = await serve((_path, _body, n) =>
      n === 0
        ? { status: 400, body: { text: 'Invalid data format', code: 6, 'invalid-event-number': 1 } }
        : { status: 200, body: { text: 'Success', code: 0 } },
    );
    const t = new SplunkHecTransport({ url: hec.url, token: TOKEN, sourcetype: 'vigil:cef' });
    const outcomes = await t.send(records('e0', 'e1', 'e2', 'e3'));
    expect(outcomes).toEqual([
      { status: 'delivered' },
      {
        status: 'refused',
        code: 'hec_invalid_event',
        detail: 'HTTP 400: HEC code 6 (Invalid data format), invalid event 1',
      },
      { status: 'retry', code: 'hec_batch_cut', detail: 'sent after invalid event 1', notAttempted: true },
      { status: 'retry', code: 'hec_batch_cut', detail: 'sent after invalid event 1', notAttempted: true },
    ]);
    // CEF goes as a string event; the line is the formatter's, untouched by JSON framing.
    const [first] = splitConcatenatedJson(hec.requests[0]!.body.toString()) as { event: string; sourcetype: string }[];
    expect(first!.event).toBe(records('e0')[0]!.rendered.text);
    expect(first!.sourcetype).toBe('vigil:cef');
    expect(await t.send(records('e2', 'e3'))).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
    expect(hec.requests.map((r) => idsIn(r.body))).toEqual([
      ['e0', 'e1', 'e2', 'e3'],
      ['e2', 'e3'],
    ]);
    await t.close();
  });

  it('with indexer acknowledgement, delivers only once the ack endpoint confirms, on one channel', async () => {
    const hec = await serve((path, body, n) => {
      if (path === '/services/collector/event') return { status: 200, body: { text: 'Success', code: 0, ackId: 7 } };
      // The first poll: not indexed yet; the second: indexed.
      expect(JSON.parse(body.toString())).toEqual({ acks: [7] });
      return { status: 200, body: { acks: { '7': n >= 2 } } };
    });
    const t = new SplunkHecTransport({
      url: hec.url,
      token: TOKEN,
      sourcetype: 'vigil:cef',
      ack: { pollIntervalMs: 20, timeoutMs: 2000 },
      channel: '5a1b2c3d-0000-4000-8000-000000000001',
    });
    expect(await t.send(records('k0'))).toEqual([{ status: 'delivered' }]);
    expect(hec.requests.map((r) => r.path)).toEqual([
      '/services/collector/event',
      '/services/collector/ack?channel=5a1b2c3d-0000-4000-8000-000000000001',
      '/services/collector/ack?channel=5a1b2c3d-0000-4000-8000-000000000001',
    ]);
    expect(new Set(hec.requests.map((r) => r.headers['x-splunk-request-channel']))).toEqual(
      new Set(['5a1b2c3d-0000-4000-8000-000000000001']),
    );
    await t.close();
  });

  it('retries when the ack never comes, and honours Retry-After on 429', async () => {
    const noAck = await serve((path) =>
      path === '/services/collector/event'
        ? { status: 200, body: { text: 'Success', code: 0, ackId: 1 } }
        : { status: 200, body: { acks: { '1': false } } },
    );
    const t = new SplunkHecTransport({
      url: noAck.url,
      token: TOKEN,
      sourcetype: 's',
      ack: { pollIntervalMs: 20, timeoutMs: 100 },
    });
    expect(await t.send(records('x'))).toMatchObject([{ status: 'retry', code: 'hec_ack_timeout' }]);
    await t.close();
    const slow = await serve(() => ({
      status: 429,
      body: { text: 'Too many requests' },
      headers: { 'Retry-After': '3' },
    }));
    const u = new SplunkHecTransport({ url: slow.url, token: TOKEN, sourcetype: 's' });
    expect(await u.send(records('y'))).toMatchObject([{ status: 'retry', code: 'http_429', retryAfterMs: 3000 }]);
    await u.close();
  });
});
