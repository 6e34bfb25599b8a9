/**
 * The detector's hot path: Kafka fetches → decode per topic → the detection pipeline of the fetch's
 * partition (Redis windows, idempotent per offset) → audit lines, decisions, alerts and dead letters
 * produced with acks=-1 → only then the partition's offsets committed. One fetch at a time: kafkajs waits
 * for each acknowledgement before it hands out the next batch, which is the backpressure.
 *
 * Stopping (SIGTERM through Nest's shutdown hooks): the fetch in hand is finished, every partition's held
 * events are detected, their outputs produced and offsets committed, then the consumer leaves its group
 * and the clients disconnect.
 */
import { randomUUID } from 'node:crypto';
import {
  deadLetterEncoder,
  jsonEncoder,
  KafkaRecordProducer,
  KafkaRecordSource,
  type CommitPosition,
  type RawDeadLetter,
  type RecordSink,
  type SourceBatch,
} from '@vigil/connectors';
import {
  AuditTrail,
  auditEntryOf,
  buildDetectionSetup,
  decisionValueKey,
  parsePolicyConfig,
  type Alert,
  type Decision,
  type DetectionSetup,
} from '@vigil/detection';
import { deadLetter, parseSourceConfig, type AccessEvent } from '@vigil/events';
import { RedisWindowStore, type RedisClient } from '@vigil/features';
import type { Logger } from '@vigil/platform';
import { Cluster, Redis } from 'ioredis';
import { Kafka, logLevel as kafkaLogLevel } from 'kafkajs';
import type { DetectorConfig } from '../config/detector-config';
import type { DetectorMetrics } from '../ops/detector-metrics';
import { KafkaAuditSink } from './kafka-audit-sink';
import { PartitionDetection } from './partition-detection';
import { buildRecordDecoders, type RecordDecoder } from './record-decoders';

/** The development audit key, as `vigil replay` uses without VIGIL_AUDIT_KEY. */
const DEVELOPMENT_AUDIT_KEY = 'vigil-development-audit-key-not-for-production';

export type DetectorState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export class DetectorService {
  state: DetectorState = 'starting';
  failure: Error | null = null;
  private setup!: DetectionSetup;
  private redis!: RedisClient;
  private source!: KafkaRecordSource;
  private producer!: KafkaRecordProducer;
  private decoders!: Map<string, RecordDecoder>;
  private decisionsOut!: RecordSink<Decision>;
  private alertsOut!: RecordSink<Alert>;
  private deadLettersOut!: RecordSink<RawDeadLetter>;
  private auditSink: KafkaAuditSink | null = null;
  private audit: AuditTrail | null = null;
  private readonly partitions = new Map<string, PartitionDetection>();
  private loop: Promise<void> | null = null;
  private wakeStop: (() => void) | null = null;
  private readonly stopRequested: Promise<void>;

  constructor(
    readonly config: DetectorConfig,
    private readonly log: Logger,
    private readonly metrics: DetectorMetrics,
  ) {
    this.stopRequested = new Promise((resolve) => (this.wakeStop = resolve));
  }

  /** Builds everything and starts consuming; resolves once the consumer is running (not yet joined). */
  async start(): Promise<void> {
    const c = this.config;
    const sourceConfig = parseSourceConfig(c.source, 'source');
    const policy = parsePolicyConfig(c.policy);
    this.decoders = buildRecordDecoders(c.sources, sourceConfig);
    this.setup = await buildDetectionSetup(policy, sourceConfig, {
      models: c.detection.models,
      onRecord: (r, watermark) => this.audit?.append(auditEntryOf(r, watermark, this.setup.configDigest)),
    });
    this.redis = c.redis.cluster
      ? new Cluster(c.redis.cluster.map(hostPort))
      : new Redis(c.redis.url!, { maxRetriesPerRequest: 3 });
    const kafka = new Kafka({
      clientId: c.kafka.clientId,
      brokers: c.kafka.brokers,
      logLevel: kafkaLogLevel.WARN,
      logCreator: () => (entry) => this.log.warn({ kafka: entry.namespace, ...entry.log }, 'kafkajs'),
    });
    this.producer = new KafkaRecordProducer(kafka, { idempotent: c.kafka.idempotentProducer });
    await this.producer.connect();
    const t = c.kafka.topics;
    this.decisionsOut = this.producer.sink(
      t.decisions,
      jsonEncoder<Decision>((d) => decisionValueKey(d.scope, d.value)),
    );
    this.alertsOut = this.producer.sink(
      t.alerts,
      jsonEncoder<Alert>((a) => `${a.entity.type}:${a.entity.value}`),
    );
    this.deadLettersOut = this.producer.sink(t.deadLetters, deadLetterEncoder);
    if (c.audit.enabled) {
      const trailId = randomUUID();
      this.auditSink = new KafkaAuditSink(this.producer, t.audit, trailId);
      if (!c.audit.key)
        this.log.warn('VIGIL_AUDIT_KEY is not set; audit checkpoints are signed with the development key');
      this.audit = AuditTrail.start(this.auditSink, {
        key: c.audit.key ?? DEVELOPMENT_AUDIT_KEY,
        configDigest: this.setup.configDigest,
        trailId,
      });
    }
    this.source = new KafkaRecordSource({
      kafka,
      groupId: c.kafka.groupId,
      topics: c.sources.map((s) => s.topic),
      consumer: {
        sessionTimeout: c.kafka.sessionTimeoutMs,
        heartbeatInterval: c.kafka.heartbeatIntervalMs,
        maxWaitTimeInMs: c.kafka.maxWaitTimeMs,
      },
    });
    await this.source.start();
    this.log.info(
      { topics: c.sources.map((s) => s.topic), groupId: c.kafka.groupId, store: this.describeRedis() },
      `detector started: ${this.setup.describe()}`,
    );
    this.state = 'running';
    this.loop = this.run().catch((err: Error) => {
      this.state = 'failed';
      this.failure = err;
      this.log.error({ err }, 'detector stopped on an error');
    });
  }

  /** Ready: joined the consumer group and Redis answers. */
  async ready(): Promise<{ ready: boolean; kafka: boolean; redis: boolean }> {
    const kafka = this.state === 'running' && this.source?.isJoined === true;
    let redis = false;
    try {
      redis = this.redis ? (await this.redis.ping()) === 'PONG' : false;
    } catch {
      redis = false;
    }
    return { ready: kafka && redis, kafka, redis };
  }

  get healthy(): boolean {
    return this.state !== 'failed';
  }

  /** Finishes the fetch in hand, detects and commits what partitions hold, disconnects. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    if (this.state === 'running') this.state = 'stopping';
    this.wakeStop?.();
    await this.loop;
    try {
      if (this.state !== 'failed') await this.drain();
    } finally {
      await this.audit?.close();
      await this.source?.close();
      await this.producer?.close();
      for (const p of this.partitions.values()) await p.close();
      this.redis?.disconnect();
      if (this.state !== 'failed') this.state = 'stopped';
      this.log.info('detector stopped');
    }
  }

  private async run(): Promise<void> {
    const batches = this.source.batches()[Symbol.asyncIterator]();
    let next = batches.next();
    const IDLE = Symbol('idle');
    const STOP = Symbol('stop');
    const stop = this.stopRequested.then(() => STOP);
    while (this.state === 'running') {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<typeof IDLE>((resolve) => {
        timer = setTimeout(() => resolve(IDLE), this.config.detection.idleFlushMs);
      });
      const got = await Promise.race([next, idle, stop]);
      clearTimeout(timer);
      if (got === STOP) return;
      if (got === IDLE) {
        await this.drain();
        continue;
      }
      const result = got as IteratorResult<SourceBatch>;
      if (result.done) return;
      await this.handle(result.value);
      next = batches.next();
    }
  }

  private partitionOf(topic: string, partition: number): PartitionDetection {
    const id = `${topic}:${partition}`;
    let p = this.partitions.get(id);
    if (!p) {
      p = new PartitionDetection({
        topic,
        partition,
        // One store per partition over the shared client: each keeps its partition's own watermark.
        store: new RedisWindowStore({
          client: this.redis,
          keyPrefix: this.config.redis.keyPrefix,
          allowedLatenessMs: this.config.detection.allowedLatenessMs,
          ownsClient: false,
        }),
        engine: this.setup.engine,
        batchSpanMs: this.config.detection.batchSeconds * 1000,
      });
      this.partitions.set(id, p);
    }
    return p;
  }

  private async handle(batch: SourceBatch): Promise<void> {
    const started = performance.now();
    const { topic, partition } = batch;
    const decoder = this.decoders.get(topic)!;
    const part = this.partitionOf(topic, partition);
    const events: AccessEvent[] = [];
    const offsets: number[] = [];
    const dead: RawDeadLetter[] = [];
    for (const r of batch.records) {
      const result = decoder.decode(r);
      if (result.ok) {
        events.push(result.value);
        offsets.push(r.offset);
      } else {
        const record = deadLetter(result, r.value ?? Buffer.alloc(0), {
          source: topic,
          position: `partition ${partition} offset ${r.offset}`,
          binary: decoder.binary,
        });
        dead.push({ record, key: r.key, value: r.value });
      }
    }
    await part.push(events, offsets, batch.nextOffset);
    await this.emit([part], dead);
    const commit = part.commitOffset();
    await batch.ack(commit === null ? null : { topic, partition, offset: commit });
    if (commit !== null) part.markCommitted(commit);
    const m = this.metrics;
    m.eventsConsumed.inc({ source: topic, outcome: 'event' }, events.length);
    if (dead.length) m.eventsConsumed.inc({ source: topic, outcome: 'dead_letter' }, dead.length);
    for (const d of dead) m.deadLetters.inc({ reason: d.record.reason });
    m.batchSize.observe(batch.records.length);
    if (batch.highWatermark !== null)
      m.consumerLag.set({ topic, partition: String(partition) }, Math.max(0, batch.highWatermark - batch.nextOffset));
    m.batchSeconds.observe((performance.now() - started) / 1000);
  }

  /** Detects every partition's held events, produces their outputs, commits (outside a fetch). */
  private async drain(): Promise<void> {
    const held = [...this.partitions.values()].filter((p) => p.pendingEvents > 0 || p.commitOffset() !== null);
    if (!held.length) return;
    for (const p of held) await p.flush();
    await this.emit(held, []);
    const positions: CommitPosition[] = [];
    const committed: [PartitionDetection, number][] = [];
    for (const p of held) {
      const at = p.commitOffset();
      if (at === null) continue;
      positions.push({ topic: p.topic, partition: p.partition, offset: at });
      committed.push([p, at]);
    }
    await this.source.commit(positions);
    for (const [p, at] of committed) p.markCommitted(at);
  }

  /** Audit lines first (a decision is audited before it is emitted), then decisions, alerts, dead letters. */
  private async emit(parts: readonly PartitionDetection[], dead: readonly RawDeadLetter[]): Promise<void> {
    const decisions: Decision[] = [];
    const alerts: Alert[] = [];
    for (const p of parts) {
      const out = p.takeOutputs();
      decisions.push(...out.decisions);
      alerts.push(...out.alerts);
    }
    await this.audit?.flush();
    await this.decisionsOut.write(decisions);
    await this.alertsOut.write(alerts);
    await this.deadLettersOut.write(dead);
    for (const d of decisions) this.metrics.decisions.inc({ detector: d.detector, action: d.action });
    for (const a of alerts) this.metrics.alerts.inc({ detector: a.detector, severity: a.severity });
  }

  private describeRedis(): string {
    return this.config.redis.cluster ? `redis cluster ${this.config.redis.cluster.join(',')}` : 'redis standalone';
  }
}

function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
}
