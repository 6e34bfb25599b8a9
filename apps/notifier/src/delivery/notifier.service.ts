/**
 * The notifier: one Kafka client and one producer (dead letters, Kafka destinations), one pipeline per
 * destination, each with its own consumer group, format and transport. Stopping (SIGTERM through
 * Nest's shutdown hooks) stops every pipeline — each finishes its send in flight and commits what is
 * done — then closes the producer. A pipeline that can no longer consume fails the service, and main.ts
 * exits non-zero so that the orchestrator restarts it.
 */
import { KafkaRecordProducer, siemFormatter } from '@vigil/connectors';
import type { Logger } from '@vigil/platform';
import { Kafka, logLevel as kafkaLogLevel } from 'kafkajs';
import type { NotifierConfig } from '../config/notifier-config';
import type { NotifierMetrics } from '../ops/notifier-metrics';
import { DestinationPipeline } from './destination-pipeline';
import { buildTransport } from './transport-factory';

export type NotifierState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export class NotifierService {
  state: NotifierState = 'starting';
  failure: Error | null = null;
  private producer: KafkaRecordProducer | null = null;
  private readonly pipelines: DestinationPipeline[] = [];
  private onFailure!: (err: Error) => void;
  readonly whenFailed = new Promise<Error>((resolve) => (this.onFailure = resolve));

  constructor(
    readonly config: NotifierConfig,
    private readonly log: Logger,
    private readonly metrics: NotifierMetrics,
  ) {}

  /** Builds every destination and starts consuming; resolves once the consumers run (not yet joined). */
  async start(): Promise<void> {
    const c = this.config;
    const kafka = new Kafka({
      clientId: c.kafka.clientId,
      brokers: c.kafka.brokers,
      logLevel: kafkaLogLevel.WARN,
      logCreator: () => (entry) => this.log.warn({ kafka: entry.namespace, ...entry.log }, 'kafkajs'),
    });
    const producer = (this.producer = new KafkaRecordProducer(kafka, { idempotent: c.kafka.idempotentProducer }));
    await producer.connect();
    for (const destination of c.destinations) {
      const pipeline = new DestinationPipeline({
        config: c,
        destination,
        kafka,
        producer,
        formatter: siemFormatter(destination.format, { product: c.product, leef: destination.leef }),
        transport: buildTransport(destination, producer),
        metrics: this.metrics,
        log: this.log,
      });
      this.pipelines.push(pipeline);
      void pipeline.whenFailed.then((err) => this.fail(destination.name, err));
    }
    await Promise.all(this.pipelines.map((p) => p.start()));
    if (this.state === 'starting') this.state = 'running';
    this.log.info(
      {
        alerts: c.kafka.topics.alerts,
        deadLetters: c.kafka.topics.deadLetters,
        destinations: c.destinations.map((d) => `${d.name} (${d.format} over ${describe(d.transport)})`),
      },
      'notifier started',
    );
  }

  /** Ready: every destination's consumer has joined its group. */
  ready(): { ready: boolean; destinations: Record<string, boolean> } {
    const destinations = Object.fromEntries(
      this.pipelines.map((p, i) => [this.config.destinations[i]!.name, p.isJoined]),
    );
    return { ready: this.state === 'running' && Object.values(destinations).every(Boolean), destinations };
  }

  get healthy(): boolean {
    return this.state !== 'failed';
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    if (this.state !== 'failed') this.state = 'stopping';
    try {
      await Promise.all(this.pipelines.map((p) => p.stop()));
    } finally {
      await this.producer?.close();
      if (this.state !== 'failed') this.state = 'stopped';
      this.log.info('notifier stopped');
    }
  }

  private fail(destination: string, err: Error): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'failed';
    this.failure = new Error(`destination ${destination}: ${err.message}`, { cause: err });
    this.log.error({ destination, err }, 'destination can no longer consume');
    this.onFailure(this.failure);
  }
}

function describe(t: NotifierConfig['destinations'][number]['transport']): string {
  switch (t.type) {
    case 'syslog':
      return `syslog/${t.protocol} ${t.host}:${t.port}`;
    case 'splunk-hec':
      return `Splunk HEC ${new URL(t.url).host}`;
    case 'webhook':
      return `webhook ${new URL(t.url).host}`;
    case 'kafka':
      return `Kafka topic ${t.topic}`;
  }
}
