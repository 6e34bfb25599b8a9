/**
 * Formatted alerts re-published to another Kafka topic (a SIEM's own Kafka input, e.g. Elastic Agent's
 * or Splunk Connect for Kafka): key = the alert id (a compacted topic keeps one per alert), value = the
 * formatted text, headers `vigil-format` and `vigil-alert-id`. One produce per batch with acks=-1
 * through the shared KafkaRecordProducer: delivered means acknowledged by every in-sync replica.
 * A produce error is retried (kafkajs has already retried it itself, and then throws "number of retries
 * exceeded", which says nothing about the cause), except the broker answers that no retry can change:
 * a record over message.max.bytes, an invalid record, a topic this client may not write.
 * https://kafka.apache.org/protocol#protocol_error_codes
 */
import type { KafkaRecordProducer } from '../../kafka/kafka-record-sink';
import { allRecords, delivered, type OutboundRecord, type SendOutcome, type SiemTransport } from './siem-transport';

const PERMANENT_ERRORS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TOPIC_EXCEPTION',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
]);

/** The first broker error type found on the error or its causes. */
function brokerErrorType(err: unknown, depth = 0): string | undefined {
  const e = err as { type?: unknown; cause?: unknown; originalError?: unknown } | null;
  if (!e || depth > 5) return undefined;
  if (typeof e.type === 'string') return e.type;
  return brokerErrorType(e.cause ?? e.originalError, depth + 1);
}

export const KAFKA_TOPIC_HEADERS = { format: 'vigil-format', alertId: 'vigil-alert-id' } as const;

export interface KafkaTopicOptions {
  readonly producer: KafkaRecordProducer;
  readonly topic: string;
  readonly format: string;
  /** Under Kafka's default message.max.bytes (1,048,588) with room for key and headers. */
  readonly maxRecordBytes?: number;
}

export class KafkaTopicTransport implements SiemTransport {
  readonly kind = 'kafka';
  readonly maxRecordBytes: number;

  constructor(private readonly o: KafkaTopicOptions) {
    this.maxRecordBytes = o.maxRecordBytes ?? 1_000_000;
  }

  async send(records: readonly OutboundRecord[]): Promise<readonly SendOutcome[]> {
    try {
      await this.o.producer.send(
        this.o.topic,
        records.map((r) => ({
          key: r.alert.id,
          value: r.rendered.text,
          headers: { [KAFKA_TOPIC_HEADERS.format]: this.o.format, [KAFKA_TOPIC_HEADERS.alertId]: r.alert.id },
        })),
      );
      return allRecords(records, delivered);
    } catch (err) {
      const type = brokerErrorType(err);
      const code = `kafka_${(type ?? 'error').toLowerCase()}`;
      const detail = (err as Error).message;
      return allRecords(
        records,
        type && PERMANENT_ERRORS.has(type) ? { status: 'refused', code, detail } : { status: 'retry', code, detail },
      );
    }
  }

  /** The producer is the app's (shared with the dead letters): closing the transport leaves it open. */
  async close(): Promise<void> {}
}
