/**
 * The notifier's dead letters on Kafka: the alerts-topic record's bytes exactly as read (so it can be
 * produced to the alerts topic again once the SIEM or the config is fixed), with why, where from and for
 * which destination in headers — the detector's dead-letter headers (DEAD_LETTER_HEADERS) plus the
 * destination, the attempts made and the transport's code.
 */
import type { DeadLetterReason } from '@vigil/events';
import { DEAD_LETTER_HEADERS } from '../../kafka/dead-letter-encoder';
import type { KafkaEncoder } from '../../kafka/kafka-record-sink';

/**
 * Why an alert was dead-lettered: a decode reason of @vigil/events (the record is not an alert), or
 * `siem_refused` (a permanent refusal: a 4xx other than 408/425/429, HEC's invalid event, a Kafka
 * record too large for the broker), `retries_exhausted` (still failing after maxAttempts sends),
 * `format_error` (the format could not render it: a bug, kept out of the way of the records behind it).
 */
export type SiemDeadLetterReason = DeadLetterReason | 'siem_refused' | 'retries_exhausted' | 'format_error';

export const SIEM_DEAD_LETTER_HEADERS = {
  ...DEAD_LETTER_HEADERS,
  destination: 'vigil-destination',
  attempts: 'vigil-delivery-attempts',
  code: 'vigil-delivery-code',
  alertId: 'vigil-alert-id',
} as const;

export interface SiemDeadLetter {
  readonly reason: SiemDeadLetterReason;
  readonly detail: string;
  readonly destination: string;
  /** The alerts topic, and `partition P offset O` there. */
  readonly source: string;
  readonly position: string;
  readonly attempts: number;
  readonly code?: string;
  readonly alertId?: string;
  readonly at: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** Values over `maxValueBytes` keep their head, the full length in a header; details are cut to 1000 chars. */
export function siemDeadLetterEncoder(maxValueBytes: number): KafkaEncoder<SiemDeadLetter> {
  const H = SIEM_DEAD_LETTER_HEADERS;
  return (d) => {
    const cut = d.value !== null && d.value.length > maxValueBytes;
    const headers: Record<string, string> = {
      [H.reason]: d.reason,
      [H.detail]: d.detail.slice(0, 1000),
      [H.source]: d.source,
      [H.position]: d.position,
      [H.at]: String(d.at),
      [H.destination]: d.destination,
      [H.attempts]: String(d.attempts),
    };
    if (d.code !== undefined) headers[H.code] = d.code;
    if (d.alertId !== undefined) headers[H.alertId] = d.alertId;
    if (cut) headers[H.originalBytes] = String(d.value!.length);
    return { key: d.key, value: cut ? d.value!.subarray(0, maxValueBytes) : d.value, headers };
  };
}
