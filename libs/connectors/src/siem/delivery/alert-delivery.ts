/**
 * One fetch of alerts-topic records delivered to one destination: decode each record (a bad one is
 * dead-lettered with the decoder's reason), render it in the destination's format, send in chunks of
 * `maxBatch` with retries and backoff, dead-letter what the SIEM refuses for good or what runs out of
 * attempts — and say where the consumer may commit.
 *
 * The commit rule is what makes restarts safe: the offset to commit is the first record not yet
 * finished (delivered or dead-lettered), or the fetch's end when all are. A stop (the signal) ends
 * waiting and sending, never a send in flight: its outcome is awaited, so what the SIEM has is known
 * before the commit. Records after the commit point are handled again by the next run, and only the
 * dead letters before it are returned, so none is written twice. Transports fail a batch as a whole or
 * from some record on (never a record in the middle), so nothing delivered lies after the commit point.
 */
import type { SourceRecord } from '../../ports';
import type { SiemFormatter } from '../formats/siem-format';
import { decodeSiemAlert, type SiemAlert } from '../siem-alert';
import type { OutboundRecord, SendOutcome, SiemTransport } from '../transports/siem-transport';
import { abortableSleep, backoffMs, type RetryPolicy } from './retry-policy';
import type { SiemDeadLetterReason } from './siem-dead-letter';

export interface AlertDeliveryOptions {
  readonly formatter: SiemFormatter;
  readonly transport: SiemTransport;
  readonly retry: RetryPolicy;
  /** Records per send (one HEC or webhook request, one syslog write, one produce). */
  readonly maxBatch: number;
  readonly maxAlertBytes: number;
  /** Aborted on shutdown: no new send, no more waiting. */
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
  /**
   * Awaited after every send and between waits: where the consumer keeps its group membership alive
   * (kafkajs sends heartbeats only when asked, and retries can outlast a session timeout).
   */
  readonly keepAlive?: () => Promise<void>;
  /** After every send: how many records, how long it took, what came back. */
  readonly onSend?: (report: {
    readonly records: number;
    readonly seconds: number;
    readonly outcomes: readonly SendOutcome[];
  }) => void;
}

export type RecordResult =
  | {
      readonly offset: number;
      readonly status: 'delivered';
      readonly alert: SiemAlert;
      readonly attempts: number;
      /** When the send that delivered it returned (ms). */
      readonly at: number;
    }
  | {
      readonly offset: number;
      readonly status: 'dead_letter';
      readonly reason: SiemDeadLetterReason;
      /** The transport's code (`http_400`, `hec_invalid_event`, …) when a SIEM refused or retries ran out. */
      readonly code?: string;
      readonly detail: string;
      readonly attempts: number;
      readonly alert?: SiemAlert;
    }
  /** Not finished when the stop came: handled again after the restart. */
  | { readonly offset: number; readonly status: 'pending' };

export interface AlertBatchResult {
  readonly results: readonly RecordResult[];
  /** The next offset to read after a restart: commit it. */
  readonly commitOffset: number;
  /** Dead letters to write before committing (those of records before commitOffset, in order). */
  readonly deadLetters: readonly (RecordResult & { status: 'dead_letter' })[];
}

interface Slot {
  readonly index: number;
  readonly record: OutboundRecord;
  attempts: number;
}

export async function deliverAlertBatch(
  records: readonly SourceRecord[],
  nextOffset: number,
  o: AlertDeliveryOptions,
): Promise<AlertBatchResult> {
  const results: (RecordResult | null)[] = records.map(() => null);
  const slots: Slot[] = [];
  for (const [index, r] of records.entries()) {
    const decoded = decodeSiemAlert(r.value, o.maxAlertBytes);
    if (!decoded.ok) {
      results[index] = {
        offset: r.offset,
        status: 'dead_letter',
        reason: decoded.reason,
        detail: decoded.detail,
        attempts: 0,
      };
      continue;
    }
    const alert = decoded.value;
    let rendered;
    try {
      rendered = o.formatter.render(alert);
    } catch (err) {
      // A bug, but one record must not stop the partition behind it: dead-letter it, with why.
      results[index] = {
        offset: r.offset,
        status: 'dead_letter',
        reason: 'format_error',
        detail: (err as Error).message,
        attempts: 0,
        alert,
      };
      continue;
    }
    const bytes = Buffer.byteLength(rendered.text, 'utf8');
    if (bytes > o.transport.maxRecordBytes) {
      results[index] = {
        offset: r.offset,
        status: 'dead_letter',
        reason: 'record_too_large',
        detail: `${o.formatter.format} record of ${bytes} bytes, over the ${o.transport.kind} limit of ${o.transport.maxRecordBytes}`,
        attempts: 0,
        alert,
      };
      continue;
    }
    slots.push({ index, record: { alert, rendered }, attempts: 0 });
  }

  for (let i = 0; i < slots.length && !o.signal?.aborted; i += o.maxBatch)
    await deliverChunk(slots.slice(i, i + o.maxBatch), records, results, o);

  const finished = results.map((r, i) => r ?? { offset: records[i]!.offset, status: 'pending' as const });
  const firstPending = finished.findIndex((r) => r.status === 'pending');
  const commitOffset = firstPending < 0 ? nextOffset : finished[firstPending]!.offset;
  const deadLetters = finished.filter(
    (r): r is RecordResult & { status: 'dead_letter' } => r.status === 'dead_letter' && r.offset < commitOffset,
  );
  return { results: finished, commitOffset, deadLetters };
}

async function deliverChunk(
  chunk: Slot[],
  records: readonly SourceRecord[],
  results: (RecordResult | null)[],
  o: AlertDeliveryOptions,
): Promise<void> {
  const sleep = o.sleep ?? abortableSleep;
  let pending = chunk;
  while (pending.length > 0 && !o.signal?.aborted) {
    const started = performance.now();
    const outcomes = await sendSafely(
      o.transport,
      pending.map((s) => s.record),
    );
    const at = Date.now();
    o.onSend?.({ records: pending.length, seconds: (performance.now() - started) / 1000, outcomes });
    const again: Slot[] = [];
    let failedAttempt = 0;
    let retryAfter: number | undefined;
    for (const [k, slot] of pending.entries()) {
      const outcome = outcomes[k]!;
      const offset = records[slot.index]!.offset;
      const alert = slot.record.alert;
      if (outcome.status !== 'retry' || !outcome.notAttempted) slot.attempts++;
      if (outcome.status === 'delivered') {
        results[slot.index] = { offset, status: 'delivered', alert, attempts: slot.attempts, at };
      } else if (outcome.status === 'refused') {
        results[slot.index] = {
          offset,
          status: 'dead_letter',
          reason: outcome.code === 'too_large' ? 'record_too_large' : 'siem_refused',
          code: outcome.code,
          detail: outcome.detail,
          attempts: slot.attempts,
          alert,
        };
      } else if (slot.attempts >= o.retry.maxAttempts) {
        results[slot.index] = {
          offset,
          status: 'dead_letter',
          reason: 'retries_exhausted',
          code: outcome.code,
          detail: `${slot.attempts} attempts; last: ${outcome.detail}`,
          attempts: slot.attempts,
          alert,
        };
      } else {
        again.push(slot);
        if (!outcome.notAttempted) {
          failedAttempt = Math.max(failedAttempt, slot.attempts);
          if (outcome.retryAfterMs !== undefined) retryAfter = Math.max(retryAfter ?? 0, outcome.retryAfterMs);
        }
      }
    }
    pending = again;
    await o.keepAlive?.();
    if (pending.length > 0 && failedAttempt > 0)
      await sleep(backoffMs(failedAttempt, o.retry, retryAfter, o.random), o.signal);
  }
}

/** A transport that throws has a bug; its records are retried like a failed send rather than lost. */
async function sendSafely(transport: SiemTransport, records: OutboundRecord[]): Promise<readonly SendOutcome[]> {
  let outcomes: readonly SendOutcome[];
  try {
    outcomes = await transport.send(records);
  } catch (err) {
    return records.map(() => ({ status: 'retry', code: 'transport_error', detail: (err as Error).message }));
  }
  if (outcomes.length !== records.length)
    throw new Error(`${transport.kind} answered ${outcomes.length} outcomes for ${records.length} records`);
  return outcomes;
}
