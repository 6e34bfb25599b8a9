/**
 * A dead letter on Kafka: the original record's bytes as they arrived (value and key), so it can be
 * replayed once the decoder is fixed, with why and where in headers. A file keeps the DeadLetterRecord
 * JSON instead (raw cut to its head), which is what NdjsonRecordSink writes of the same record.
 */
import type { DeadLetterRecord } from '@vigil/events';
import type { KafkaEncoder } from './kafka-record-sink';

export interface RawDeadLetter {
  readonly record: DeadLetterRecord;
  readonly key: Buffer | null;
  /** The record's bytes exactly as read (null for a tombstone). */
  readonly value: Buffer | null;
}

export const DEAD_LETTER_HEADERS = {
  reason: 'vigil-dead-letter-reason',
  detail: 'vigil-dead-letter-detail',
  source: 'vigil-source',
  position: 'vigil-source-position',
  at: 'vigil-dead-lettered-at',
  /** Set when the value is the record's head only: its full length in bytes. */
  originalBytes: 'vigil-dead-letter-original-bytes',
} as const;

/**
 * Under Kafka's default `message.max.bytes` (1,048,588) with room for key and headers: a raw topic whose
 * limit was raised must not make the dead-letter produce fail (and the service with it) on every restart.
 */
export const DEFAULT_DEAD_LETTER_MAX_BYTES = 1_000_000;

/** Values longer than `maxValueBytes` are cut to their head, the full length in a header. */
export function deadLetterEncoder(maxValueBytes = DEFAULT_DEAD_LETTER_MAX_BYTES): KafkaEncoder<RawDeadLetter> {
  return (d) => {
    const cut = d.value !== null && d.value.length > maxValueBytes;
    const headers: Record<string, string> = {
      [DEAD_LETTER_HEADERS.reason]: d.record.reason,
      [DEAD_LETTER_HEADERS.detail]: d.record.detail,
      [DEAD_LETTER_HEADERS.source]: d.record.source,
      [DEAD_LETTER_HEADERS.position]: d.record.position,
      [DEAD_LETTER_HEADERS.at]: String(d.record.at),
    };
    if (cut) headers[DEAD_LETTER_HEADERS.originalBytes] = String(d.value!.length);
    return { key: d.key, value: cut ? d.value!.subarray(0, maxValueBytes) : d.value, headers };
  };
}
