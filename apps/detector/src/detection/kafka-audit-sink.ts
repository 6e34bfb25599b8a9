/**
 * The audit trail's lines on a Kafka topic: buffered as the engine appends them, produced (acks=-1) on
 * `flush`, which the service awaits before it produces the batch's decisions (a decision is audited
 * before it is emitted). Keyed by the trail id, so one trail stays in one partition, in order.
 */
import type { AuditSink } from '@vigil/detection';
import type { KafkaRecordProducer } from '@vigil/connectors';

export class KafkaAuditSink implements AuditSink {
  private lines: string[] = [];

  constructor(
    private readonly producer: KafkaRecordProducer,
    readonly topic: string,
    readonly trailId: string,
  ) {}

  write(line: string): void {
    this.lines.push(line);
  }

  async flush(): Promise<void> {
    if (!this.lines.length) return;
    const lines = this.lines;
    this.lines = [];
    await this.producer.send(
      this.topic,
      lines.map((value) => ({ key: this.trailId, value })),
    );
  }

  close(): Promise<void> {
    return this.flush();
  }
}
