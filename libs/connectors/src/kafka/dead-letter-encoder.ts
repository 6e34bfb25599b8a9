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
} as const;

export const deadLetterEncoder: KafkaEncoder<RawDeadLetter> = (d) => ({
  key: d.key,
  value: d.value,
  headers: {
    [DEAD_LETTER_HEADERS.reason]: d.record.reason,
    [DEAD_LETTER_HEADERS.detail]: d.record.detail,
    [DEAD_LETTER_HEADERS.source]: d.record.source,
    [DEAD_LETTER_HEADERS.position]: d.record.position,
    [DEAD_LETTER_HEADERS.at]: String(d.record.at),
  },
});
