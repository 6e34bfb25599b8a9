/**
 * Kafka topics as RecordSinks: one idempotent producer (`idempotent: true`, `maxInFlightRequests: 1`)
 * shared by a sink per topic; every `write` is one produce with `acks: -1` (all in-sync replicas) and
 * resolves when the broker has acknowledged it, so a caller that commits its input offsets after `write`
 * never commits past an output that could still be lost. The producer's retries do not duplicate or
 * reorder records within a partition (idempotence); a crash between produce and commit does, which is
 * why decisions carry deterministic ids and are keyed for a compacted topic.
 */
import { Partitioners, type IHeaders, type Kafka, type Producer, type ProducerConfig } from 'kafkajs';
import type { RecordSink } from '../ports';

/** What one record becomes on the wire. */
export interface KafkaMessageOut {
  readonly key: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly headers?: Readonly<Record<string, string>>;
  /** Record timestamp (ms); default the producer's clock. */
  readonly timestamp?: number;
}

export type KafkaEncoder<T> = (record: T) => KafkaMessageOut;

export class KafkaRecordProducer {
  readonly producer: Producer;
  private connected: Promise<void> | null = null;

  /**
   * `idempotent: false` only where the broker cannot do it: kafkajs asks the cluster's controller for a
   * producer id, and the librdkafka mock broker of the tests names no controller (broker 0, which does
   * not exist). One request in flight still keeps retries in order there, but a retry may duplicate.
   */
  constructor(
    kafka: Kafka,
    config: Omit<ProducerConfig, 'idempotent' | 'maxInFlightRequests'> & { idempotent?: boolean } = {},
  ) {
    const { idempotent = true, ...rest } = config;
    this.producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      ...rest,
      idempotent,
      maxInFlightRequests: 1,
    });
  }

  connect(): Promise<void> {
    this.connected ??= this.producer.connect();
    return this.connected;
  }

  sink<T>(topic: string, encode: KafkaEncoder<T>): KafkaRecordSink<T> {
    return new KafkaRecordSink(this, topic, encode);
  }

  async send(topic: string, messages: readonly KafkaMessageOut[]): Promise<void> {
    if (!messages.length) return;
    await this.connect();
    await this.producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({
        key: m.key,
        value: m.value,
        headers: m.headers as IHeaders | undefined,
        ...(m.timestamp !== undefined ? { timestamp: String(m.timestamp) } : {}),
      })),
    });
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = null;
  }
}

export class KafkaRecordSink<T> implements RecordSink<T> {
  constructor(
    private readonly producer: KafkaRecordProducer,
    readonly topic: string,
    private readonly encode: KafkaEncoder<T>,
  ) {}

  write(records: readonly T[]): Promise<void> {
    return this.producer.send(this.topic, records.map(this.encode));
  }

  /** The producer is shared by the sinks: closing one sink leaves it to its owner. */
  async close(): Promise<void> {}
}

/** JSON value, no key: alerts, audit lines. */
export function jsonEncoder<T>(keyOf?: (record: T) => string | null): KafkaEncoder<T> {
  return (r) => ({ key: keyOf ? keyOf(r) : null, value: JSON.stringify(r) });
}
