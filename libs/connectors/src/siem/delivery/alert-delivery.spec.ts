import { HOSTILE_IP_ALERT, PLAIN_PRODUCT } from '../../../../../test/notifier/fixtures/hostile-alerts';
import type { SourceRecord } from '../../ports';
import { siemFormatter } from '../formats/siem-format';
import type { OutboundRecord, SendOutcome, SiemTransport } from '../transports/siem-transport';
import { deliverAlertBatch, type AlertDeliveryOptions } from './alert-delivery';
import { backoffMs } from './retry-policy';

const record = (offset: number, value: unknown): SourceRecord => ({
  offset,
  key: null,
  value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  headers: {},
  timestamp: 0,
});
const alertRecord = (offset: number) => record(offset, { ...HOSTILE_IP_ALERT, id: `a${offset}` });

/** A transport that answers from a script: one function per send, given the records it was handed. */
class ScriptedTransport implements SiemTransport {
  readonly kind = 'scripted';
  readonly sends: string[][] = [];
  constructor(
    private readonly script: ((rs: readonly OutboundRecord[]) => SendOutcome[])[],
    readonly maxRecordBytes = 1_000_000,
  ) {}
  async send(rs: readonly OutboundRecord[]): Promise<readonly SendOutcome[]> {
    this.sends.push(rs.map((r) => r.alert.id));
    const step = this.script[Math.min(this.sends.length - 1, this.script.length - 1)]!;
    return step(rs);
  }
  async close(): Promise<void> {}
}
const all = (o: SendOutcome) => (rs: readonly OutboundRecord[]) => rs.map(() => o);
const busy: SendOutcome = { status: 'retry', code: 'http_503', detail: 'busy' };

function options(transport: SiemTransport, extra: Partial<AlertDeliveryOptions> = {}): AlertDeliveryOptions {
  return {
    formatter: siemFormatter('ecs', { product: PLAIN_PRODUCT }),
    transport,
    retry: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 100 },
    maxBatch: 10,
    maxAlertBytes: 10_000,
    sleep: async () => undefined,
    ...extra,
  };
}

describe('deliverAlertBatch', () => {
  it('retries a busy SIEM and commits the whole fetch once it accepts', async () => {
    const t = new ScriptedTransport([all(busy), all({ status: 'delivered' })]);
    const r = await deliverAlertBatch([alertRecord(5), alertRecord(6)], 7, options(t));
    expect(t.sends).toEqual([
      ['a5', 'a6'],
      ['a5', 'a6'],
    ]);
    expect(r.results.map((x) => x.status)).toEqual(['delivered', 'delivered']);
    expect(r.commitOffset).toBe(7);
    expect(r.deadLetters).toEqual([]);
  });

  it('dead-letters a permanent refusal at once, and what stays busy after maxAttempts', async () => {
    const refused = new ScriptedTransport([all({ status: 'refused', code: 'http_400', detail: 'bad' })]);
    const a = await deliverAlertBatch([alertRecord(0)], 1, options(refused));
    expect(refused.sends).toHaveLength(1);
    expect(a.deadLetters).toMatchObject([{ offset: 0, reason: 'siem_refused', code: 'http_400', attempts: 1 }]);
    const down = new ScriptedTransport([all(busy)]);
    const b = await deliverAlertBatch([alertRecord(0)], 1, options(down));
    expect(down.sends).toHaveLength(3);
    expect(b.deadLetters).toMatchObject([{ reason: 'retries_exhausted', code: 'http_503', attempts: 3 }]);
    expect(b.commitOffset).toBe(1);
  });

  it('dead-letters records that are not alerts with the decoder’s reason, and delivers the rest', async () => {
    const t = new ScriptedTransport([all({ status: 'delivered' })]);
    const r = await deliverAlertBatch(
      [record(0, 'not json'), record(1, [1]), alertRecord(2), record(3, { id: 'x' }), record(4, null)],
      5,
      options(t),
    );
    expect(t.sends).toEqual([['a2']]);
    expect(r.deadLetters.map((d) => [d.offset, d.reason])).toEqual([
      [0, 'malformed_json'],
      [1, 'not_an_object'],
      [3, 'missing_field'],
      [4, 'missing_field'],
    ]);
    expect(r.commitOffset).toBe(5);
  });

  it('dead-letters a record too large for the transport before sending anything', async () => {
    const t = new ScriptedTransport([all({ status: 'delivered' })], 100);
    const r = await deliverAlertBatch([alertRecord(0)], 1, options(t));
    expect(t.sends).toEqual([]);
    expect(r.deadLetters).toMatchObject([{ reason: 'record_too_large', attempts: 0 }]);
  });

  it('resends the records after a cut batch without spending their attempts', async () => {
    const cut = (rs: readonly OutboundRecord[]): SendOutcome[] =>
      rs.map((_, i) =>
        i === 0
          ? { status: 'delivered' }
          : i === 1
            ? { status: 'refused', code: 'hec_invalid_event', detail: 'bad event' }
            : { status: 'retry', code: 'hec_batch_cut', detail: 'after', notAttempted: true },
      );
    const sleeps: number[] = [];
    const t = new ScriptedTransport([cut, all({ status: 'delivered' })]);
    const r = await deliverAlertBatch([0, 1, 2, 3].map(alertRecord), 4, {
      ...options(t, { retry: { maxAttempts: 1, initialBackoffMs: 1000, maxBackoffMs: 1000 } }),
      sleep: async (ms) => void sleeps.push(ms),
    });
    // maxAttempts 1: a record that failed itself would be dead-lettered; cut-off records are not.
    expect(t.sends).toEqual([
      ['a0', 'a1', 'a2', 'a3'],
      ['a2', 'a3'],
    ]);
    expect(r.results.map((x) => x.status)).toEqual(['delivered', 'dead_letter', 'delivered', 'delivered']);
    expect(r.deadLetters).toMatchObject([{ offset: 1, reason: 'siem_refused', code: 'hec_invalid_event' }]);
    expect(sleeps).toEqual([]);
  });

  it('on stop, finishes the send in flight, then commits up to the first unfinished record only', async () => {
    const stop = new AbortController();
    const t = new ScriptedTransport([
      all({ status: 'delivered' }),
      (rs) => {
        stop.abort(); // the stop comes while this send is in flight
        return rs.map(() => busy);
      },
    ]);
    const r = await deliverAlertBatch([record(0, 'bad'), alertRecord(1), alertRecord(2), record(3, 'bad')], 4, {
      ...options(t, { maxBatch: 1, signal: stop.signal }),
    });
    expect(t.sends).toEqual([['a1'], ['a2']]);
    expect(r.results.map((x) => x.status)).toEqual(['dead_letter', 'delivered', 'pending', 'dead_letter']);
    expect(r.commitOffset).toBe(2);
    // The bad record after the commit point is dead-lettered by the next run, not twice.
    expect(r.deadLetters.map((d) => d.offset)).toEqual([0]);
  });

  it('waits the backoff between attempts, and a longer Retry-After when asked (capped)', async () => {
    const sleeps: number[] = [];
    const t = new ScriptedTransport([
      all({ status: 'retry', code: 'http_429', detail: 'slow down', retryAfterMs: 60 }),
      all({ status: 'retry', code: 'http_429', detail: 'slow down', retryAfterMs: 5000 }),
      all({ status: 'delivered' }),
    ]);
    await deliverAlertBatch([alertRecord(0)], 1, {
      ...options(t, { random: () => 0 }),
      sleep: async (ms) => void sleeps.push(ms),
    });
    expect(sleeps).toEqual([60, 100]);
  });

  it('treats a transport that throws as a failed send, not as lost records', async () => {
    let calls = 0;
    const t: SiemTransport = {
      kind: 'broken',
      maxRecordBytes: 1e6,
      send: async (rs) => {
        if (calls++ === 0) throw new Error('boom');
        return rs.map(() => ({ status: 'delivered' }) as const);
      },
      close: async () => undefined,
    };
    const r = await deliverAlertBatch([alertRecord(0)], 1, options(t));
    expect(r.results).toMatchObject([{ status: 'delivered', attempts: 2 }]);
  });
});

describe('backoffMs', () => {
  it('doubles from the initial delay up to the cap, with at least half of it fixed', () => {
    const p = { maxAttempts: 10, initialBackoffMs: 100, maxBackoffMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, p, undefined, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, p, undefined, () => 1))).toEqual([100, 200, 400, 800, 1000]);
  });
});
