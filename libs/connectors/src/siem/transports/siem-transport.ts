/**
 * The port every SIEM transport implements. Errors are values: a transport never throws for what its
 * peer did (refused, busy, unreachable, slow); it says, per record, whether the record was delivered,
 * should be sent again later, or was refused for good. Retrying, backoff and dead letters are the
 * caller's (../delivery/alert-delivery.ts), so every transport gets the same policy.
 */
import type { RenderedAlert } from '../formats/siem-format';
import type { SiemAlert } from '../siem-alert';

export interface OutboundRecord {
  readonly alert: SiemAlert;
  readonly rendered: RenderedAlert;
}

export type SendOutcome =
  | { readonly status: 'delivered' }
  /**
   * Not delivered, worth sending again. `code` is short and bounded (a metric label: `connect_error`,
   * `timeout`, `http_503`, …), `detail` says what happened. `retryAfterMs`: the peer asked for this
   * pause. `notAttempted`: the record itself did not fail (a batch cut short before it), so the retry
   * costs it no attempt and waits for no backoff.
   */
  | {
      readonly status: 'retry';
      readonly code: string;
      readonly detail: string;
      readonly retryAfterMs?: number;
      readonly notAttempted?: boolean;
    }
  /** The peer refused the record for a reason that sending it again cannot change. */
  | { readonly status: 'refused'; readonly code: string; readonly detail: string };

export interface SiemTransport {
  /** `syslog-tcp`, `syslog-tls`, `syslog-udp`, `splunk-hec`, `webhook`, `kafka`: for logs and metrics. */
  readonly kind: string;
  /** The largest rendered record (UTF-8 bytes of its text) this transport can carry; larger is dead-lettered. */
  readonly maxRecordBytes: number;
  /**
   * Sends the records in order and resolves with one outcome per record, in the same order. An abort
   * (shutdown) lets a request in flight finish or time out: its outcome is still reported, so what the
   * peer has is known before offsets are committed.
   */
  send(records: readonly OutboundRecord[]): Promise<readonly SendOutcome[]>;
  /** Flushes and closes connections. */
  close(): Promise<void>;
}

export const delivered: SendOutcome = { status: 'delivered' };

/** A record the transport can never carry: `bytes` over its `limit`. */
export function tooLarge(bytes: number, limit: number, what: string): SendOutcome {
  return { status: 'refused', code: 'too_large', detail: `${bytes} bytes, over the ${limit}-byte ${what} limit` };
}

/** The same outcome for every record of a send (a request, a write or a produce failed as a whole). */
export function allRecords(records: readonly OutboundRecord[], outcome: SendOutcome): SendOutcome[] {
  return records.map(() => outcome);
}
