/**
 * Keeps the enforcer's ActiveDecisions up to date from the decisions topic (or a decisions file): the
 * whole compacted topic is read from its start at every boot — each replica in a consumer group of its
 * own, committing nothing, because every replica must hold every decision — then followed as the
 * detector writes. Ready once every partition has been read up to the end offsets it had at boot.
 * A record that is not a decision is dead-lettered with the reason and counted; the feed goes on.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel as kafkaLogLevel } from 'kafkajs';
import {
  KafkaRecordProducer,
  KafkaRecordSource,
  deadLetterEncoder,
  followFile,
  readLineBatches,
  type RecordSink,
  type RawDeadLetter,
} from '@vigil/connectors';
import { ActiveDecisions, readDecisionRecord, type DecisionChange } from '@vigil/enforcement';
import { deadLetter, fail } from '@vigil/events';
import type { Logger } from '@vigil/platform';
import type { EnforcerConfig } from '../config/enforcer-config';
import type { EnforcerMetrics } from '../ops/enforcer-metrics';

export class DecisionFeed {
  readonly decisions: ActiveDecisions;
  private kafka: Kafka | null = null;
  private source: KafkaRecordSource | null = null;
  private producer: KafkaRecordProducer | null = null;
  private deadLetters: RecordSink<RawDeadLetter> | null = null;
  private tombstones: RecordSink<{ key: string }> | null = null;
  private readonly abort = new AbortController();
  private sweeper: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  /** Per partition, the offset it must reach before the feed is caught up (null: not known yet). */
  private catchUp: Map<number, number> | null = null;
  private caughtUpFlag = false;
  failure: Error | null = null;

  constructor(
    private readonly config: EnforcerConfig,
    private readonly log: Logger,
    private readonly metrics: EnforcerMetrics,
  ) {
    const d = config.decisions;
    this.decisions = new ActiveDecisions({
      ttlClock: d.ttlClock,
      removedRetentionMs: d.removedRetentionSeconds * 1000,
    });
    this.decisions.onChange((changes) => this.count(changes));
  }

  /** Every decision the topic held at boot has been read. */
  get caughtUp(): boolean {
    return this.caughtUpFlag;
  }

  get healthy(): boolean {
    return this.failure === null;
  }

  async start(): Promise<void> {
    const d = this.config.decisions;
    this.sweeper = setInterval(() => this.decisions.expire(Date.now()), d.sweepIntervalMs);
    this.sweeper.unref();
    if (d.kafka) await this.startKafka(d.kafka);
    else this.loop = this.followDecisionsFile(d.file!).catch((err: Error) => this.fatal(err));
  }

  private async startKafka(k: NonNullable<EnforcerConfig['decisions']['kafka']>): Promise<void> {
    this.kafka = new Kafka({
      clientId: k.clientId,
      brokers: k.brokers,
      logLevel: kafkaLogLevel.WARN,
      logCreator: () => (entry) => this.log.warn({ kafka: entry.namespace, ...entry.log }, 'kafkajs'),
    });
    // The end offsets at boot: reaching them means every decision in force at boot is known.
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(k.topic).catch((err: Error) => {
        throw new Error(
          `cannot read the end offsets of the decisions topic "${k.topic}" on ${k.brokers.join(',')}: ${err.message} ` +
            '(does it exist? `vigil topics create` creates it, compacted)',
          { cause: err },
        );
      });
      this.catchUp = new Map(
        offsets.filter((o) => Number(o.high) > Number(o.low)).map((o) => [o.partition, Number(o.high)]),
      );
    } finally {
      await admin.disconnect();
    }
    this.markIfCaughtUp();
    this.producer = new KafkaRecordProducer(this.kafka, { idempotent: k.idempotentProducer });
    await this.producer.connect();
    this.deadLetters = this.producer.sink(k.deadLetters, deadLetterEncoder());
    this.tombstones = this.producer.sink(k.topic, (t: { key: string }) => ({ key: t.key, value: null, headers: {} }));
    const groupId = `${k.groupIdPrefix}-${hostname()}-${randomBytes(4).toString('hex')}`;
    this.source = new KafkaRecordSource({
      kafka: this.kafka,
      groupId,
      topics: [k.topic],
      fromBeginning: true,
      consumer: { maxWaitTimeInMs: k.maxWaitTimeMs, sessionTimeout: 30_000, heartbeatInterval: 3_000 },
    });
    await this.source.start();
    this.log.info(
      { topic: k.topic, groupId, partitionsToCatchUp: this.catchUp.size },
      'reading the decisions topic from its start',
    );
    this.loop = this.consumeKafka(k.topic).catch((err: Error) => this.fatal(err));
  }

  private async consumeKafka(topic: string): Promise<void> {
    for await (const batch of this.source!.batches()) {
      const now = Date.now();
      const dead: RawDeadLetter[] = [];
      for (const r of batch.records) {
        const read = readDecisionRecord(r.key, r.value);
        if (!read.ok) {
          const record = deadLetter(fail(read.reason, read.detail), r.value ?? new Uint8Array(), {
            source: topic,
            position: `${batch.partition}/${r.offset}`,
          });
          dead.push({ record, key: r.key, value: r.value });
          continue;
        }
        this.decisions.apply(read.key, read.kind === 'decision' ? read.decision : null, r.timestamp, now);
        this.metrics.recordsRead.inc({ kind: read.kind });
      }
      if (dead.length > 0) await this.deadLetter(dead);
      // Nothing is committed: every replica reads the whole topic again at its next boot.
      await batch.ack(null);
      this.catchUp?.forEach((end, p) => {
        if (p === batch.partition && batch.nextOffset >= end) this.catchUp!.delete(p);
      });
      this.markIfCaughtUp();
    }
  }

  /** A decisions file (NDJSON, one Decision per line), read and then followed as it grows. */
  private async followDecisionsFile(path: string): Promise<void> {
    const stream = followFile(path, { signal: this.abort.signal });
    let first = true;
    for await (const batch of readLineBatches(stream, { maxLineBytes: 64 * 1024, batchLines: 1024 })) {
      const now = Date.now();
      batch.lines.forEach((line, i) => {
        const read = readDecisionRecord(null, Buffer.from(line));
        if (!read.ok) {
          this.metrics.deadLetters.inc({ reason: read.reason });
          this.log.error(
            { line: batch.lineNumbers[i], reason: read.reason, detail: read.detail, path },
            'not a decision; skipped',
          );
          return;
        }
        this.decisions.apply(read.key, read.kind === 'decision' ? read.decision : null, now, now);
        this.metrics.recordsRead.inc({ kind: read.kind });
      });
      for (const o of batch.oversized) {
        this.metrics.deadLetters.inc({ reason: 'record_too_large' });
        this.log.error({ line: o.line, bytes: o.bytes, path }, 'line too long for a decision; skipped');
      }
      if (first) {
        first = false;
        this.caughtUpFlag = true;
      }
    }
  }

  /** Revokes a decision everywhere: a tombstone on the topic, which every replica (this one too) reads. */
  async revoke(key: string): Promise<void> {
    if (!this.tombstones) {
      const now = Date.now();
      this.decisions.apply(key, null, now, now);
      return;
    }
    await this.tombstones.write([{ key }]);
  }

  private async deadLetter(dead: RawDeadLetter[]): Promise<void> {
    for (const d of dead) {
      this.metrics.deadLetters.inc({ reason: d.record.reason });
      this.log.warn(
        { reason: d.record.reason, detail: d.record.detail, position: d.record.position },
        'not a decision; dead-lettered',
      );
    }
    await this.deadLetters!.write(dead);
  }

  private markIfCaughtUp(): void {
    if (!this.caughtUpFlag && this.catchUp && this.catchUp.size === 0) {
      this.caughtUpFlag = true;
      this.log.info({ active: this.decisions.size }, 'decisions topic read up to its end at boot: serving');
    }
  }

  private count(changes: readonly DecisionChange[]): void {
    for (const c of changes) {
      this.metrics.changes.inc({ kind: c.kind === 'added' ? 'added' : c.cause });
    }
  }

  private fatal(err: Error): void {
    this.failure = err;
    this.log.error({ err }, 'decision feed stopped on an error');
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.abort.abort();
    await this.source?.close();
    await this.loop?.catch(() => undefined);
    await this.producer?.close();
  }
}
