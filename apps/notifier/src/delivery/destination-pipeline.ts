/**
 * One destination end to end: its own consumer group on the alerts topic (so a SIEM that is down holds
 * back only its own deliveries, never another's). A fetch is delivered `maxBatch` records at a time by
 * deliverAlertBatch (decode, format, one send with retries); after each, its dead letters are produced
 * and acknowledged, and only then the offset committed — the first record not yet finished, or the end
 * of those records. A crash between a send and its commit thus repeats at most that one send.
 *
 * Bad input is the destination's to dead-letter like a refusal: each destination reads every record, so
 * a record that is not an alert is dead-lettered once per destination, the destination in a header.
 */
import {
  abortableSleep,
  deliverAlertBatch,
  siemDeadLetterEncoder,
  type KafkaRecordProducer,
  type RecordResult,
  type SiemDeadLetter,
  type SiemFormatter,
  type SiemTransport,
  type SourceRecord,
} from '@vigil/connectors';
import type { Logger } from '@vigil/platform';
import type { Kafka } from 'kafkajs';
import type { DestinationConfig, NotifierConfig } from '../config/notifier-config';
import type { NotifierMetrics } from '../ops/notifier-metrics';
import { AlertConsumer, type AlertFetch, type FetchControl } from './alert-consumer';

export type PipelineState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface DestinationPipelineDeps {
  readonly config: NotifierConfig;
  readonly destination: DestinationConfig;
  readonly kafka: Kafka;
  readonly producer: KafkaRecordProducer;
  readonly formatter: SiemFormatter;
  readonly transport: SiemTransport;
  readonly metrics: NotifierMetrics;
  readonly log: Logger;
}

export class DestinationPipeline {
  state: PipelineState = 'starting';
  failure: Error | null = null;
  private readonly consumer: AlertConsumer;
  private readonly name: string;
  private readonly encodeDeadLetter: ReturnType<typeof siemDeadLetterEncoder>;

  constructor(private readonly d: DestinationPipelineDeps) {
    const k = d.config.kafka;
    this.name = d.destination.name;
    this.encodeDeadLetter = siemDeadLetterEncoder(k.deadLetterMaxBytes);
    this.consumer = new AlertConsumer({
      kafka: d.kafka,
      groupId: `${k.groupId}.${this.name}`,
      topic: k.topics.alerts,
      consumer: {
        sessionTimeout: k.sessionTimeoutMs,
        heartbeatInterval: k.heartbeatIntervalMs,
        maxWaitTimeInMs: k.maxWaitTimeMs,
      },
      handle: (fetch, control) => this.handle(fetch, control),
      onAssigned: (partitions) => d.log.info({ destination: this.name, partitions }, 'partitions assigned'),
      onCommitRefused: (err) => {
        d.metrics.commitsRefused.inc({ destination: this.name });
        d.log.warn({ destination: this.name, err }, 'commit refused during a rebalance; the next owner resends');
      },
      onRestart: (err, attempt) => {
        d.metrics.consumerRestarts.inc({ destination: this.name });
        d.log.warn({ destination: this.name, err, attempt }, 'kafka consumer failed; rebuilding it');
      },
    });
    void this.consumer.whenFailed.then((err) => {
      this.state = 'failed';
      this.failure = err;
    });
  }

  /** Resolves with the cause if the destination can no longer consume. */
  get whenFailed(): Promise<Error> {
    return this.consumer.whenFailed;
  }

  get isJoined(): boolean {
    return this.state === 'running' && this.consumer.isJoined;
  }

  async start(): Promise<void> {
    await this.consumer.start();
    if (this.state === 'starting') this.state = 'running';
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    if (this.state !== 'failed') this.state = 'stopping';
    try {
      await this.consumer.close();
    } finally {
      await this.d.transport.close();
      if (this.state !== 'failed') this.state = 'stopped';
    }
  }

  private async handle(fetch: AlertFetch, control: FetchControl): Promise<void> {
    const size = this.d.destination.maxBatch;
    for (let i = 0; i < fetch.records.length && !control.signal.aborted; i += size) {
      const slice = fetch.records.slice(i, i + size);
      const end = i + size < fetch.records.length ? fetch.records[i + size]!.offset : fetch.nextOffset;
      const commit = await this.deliver(slice, end, fetch, control);
      await control.commit(commit);
      if (commit < end) return;
    }
  }

  /** One send's worth of records: delivered, its dead letters produced; resolves with the offset to commit. */
  private async deliver(
    records: readonly SourceRecord[],
    end: number,
    fetch: AlertFetch,
    control: FetchControl,
  ): Promise<number> {
    const { destination, transport, formatter, metrics, config } = this.d;
    const dest = { destination: this.name };
    const heartbeatMs = config.kafka.heartbeatIntervalMs;
    const result = await deliverAlertBatch(records, end, {
      formatter,
      transport,
      retry: destination.retry,
      maxBatch: destination.maxBatch,
      maxAlertBytes: config.maxAlertBytes,
      signal: control.signal,
      keepAlive: control.keepAlive,
      // A backoff longer than the heartbeat interval is slept in slices, the membership kept alive between.
      sleep: async (ms, signal) => {
        const until = Date.now() + ms;
        while (!signal?.aborted && Date.now() < until) {
          await abortableSleep(Math.min(heartbeatMs, until - Date.now()), signal);
          await control.keepAlive();
        }
      },
      onSend: ({ seconds, outcomes }) => {
        metrics.sendSeconds.observe(dest, seconds);
        for (const o of outcomes) if (o.status !== 'delivered') metrics.failed.inc({ ...dest, code: o.code });
      },
    });
    const deadLetters = result.deadLetters.map((r) => this.deadLetterOf(r, fetch));
    // Acknowledged by the brokers before the commit: a dead letter is never lost to a crash.
    await this.d.producer.send(config.kafka.topics.deadLetters, deadLetters.map(this.encodeDeadLetter));
    this.count(result.results, result.commitOffset, fetch);
    for (const r of result.deadLetters)
      this.d.log.warn(
        { destination: this.name, offset: r.offset, reason: r.reason, code: r.code, detail: r.detail },
        'alert dead-lettered',
      );
    return result.commitOffset;
  }

  private deadLetterOf(r: RecordResult & { status: 'dead_letter' }, fetch: AlertFetch): SiemDeadLetter {
    const record = fetch.records.find((x) => x.offset === r.offset)!;
    return {
      reason: r.reason,
      detail: r.detail,
      destination: this.name,
      source: fetch.topic,
      position: `partition ${fetch.partition} offset ${r.offset}`,
      attempts: r.attempts,
      code: r.code,
      alertId: r.alert?.id,
      at: Date.now(),
      key: record.key,
      value: record.value,
    };
  }

  private count(results: readonly RecordResult[], commitOffset: number, fetch: AlertFetch): void {
    const { metrics } = this.d;
    const dest = { destination: this.name };
    const timestamps = new Map(fetch.records.map((r) => [r.offset, r.timestamp]));
    for (const r of results) {
      if (r.offset >= commitOffset) continue;
      if (r.status === 'delivered') {
        metrics.delivered.inc(dest);
        metrics.consumed.inc({ ...dest, outcome: 'alert' });
        if (r.attempts > 1) metrics.retried.inc(dest, r.attempts - 1);
        const ts = timestamps.get(r.offset)!;
        if (Number.isFinite(ts)) metrics.deliveryLatency.observe(dest, Math.max(0, (r.at - ts) / 1000));
      } else if (r.status === 'dead_letter') {
        metrics.deadLettered.inc({ ...dest, reason: r.reason });
        metrics.consumed.inc({ ...dest, outcome: r.alert ? 'alert' : 'invalid' });
        if (r.attempts > 1) metrics.retried.inc(dest, r.attempts - 1);
      }
    }
    metrics.consumerLag.set(
      { ...dest, partition: String(fetch.partition) },
      Math.max(0, fetch.highWatermark - commitOffset),
    );
  }
}
