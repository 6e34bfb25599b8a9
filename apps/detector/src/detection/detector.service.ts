/**
 * The detector's hot path: Kafka fetches → decode per topic → the detection of the fetch's partition
 * (its own engine, Redis windows idempotent per offset; see partition-detection.ts) → per closed batch:
 * audit lines, decisions and alerts produced with acks=-1, then the partition's checkpoint in Redis →
 * dead letters produced → only then the partition's offset committed. One fetch at a time: kafkajs waits
 * for each acknowledgement before it hands out the next batch, which is the backpressure.
 *
 * Partitions are owned, not shared: each has its own engine, restored from its checkpoint when it is
 * assigned here and dropped (held events unprocessed, never committed) when a rebalance takes it away.
 * Detection is therefore a function of the partition's records alone, whichever instance runs it and
 * however often it crashed: one instance or several, killed or not, decide the same.
 *
 * Stopping (SIGTERM through Nest's shutdown hooks): the fetch in hand is finished, partitions read to
 * their end are flushed (as an idle flush would), everything closed is committed, then the consumer
 * leaves its group and the clients disconnect. Events of a batch still open are left to the next owner.
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
  customerSoftwareMemory,
  decisionRecordKey,
  LANE_NAMES,
  LANES,
  parsePolicyConfig,
  type Lane,
  type RecencyMap,
  shadowComparisonForSetup,
  type Alert,
  type Decision,
  type DetectionSetup,
  type SetupShadowComparison,
} from '@vigil/detection';
import { deadLetter, fail, parseSourceConfig, type AccessEvent } from '@vigil/events';
import {
  DEFAULT_KEY_PREFIX,
  PartitionFencedError,
  PartitionWindowStore,
  RedisWindowStore,
  type RedisClient,
  type WindowStore,
} from '@vigil/features';
import type { Logger } from '@vigil/platform';
import { Cluster, Redis } from 'ioredis';
import { Kafka, logLevel as kafkaLogLevel } from 'kafkajs';
import { repartitionTopics, type DetectorConfig } from '../config/detector-config';
import type { DetectorMetrics } from '../ops/detector-metrics';
import { KafkaAuditSink } from './kafka-audit-sink';
import {
  KeyRouter,
  ROUTED_EVENT_AVRO,
  ROUTED_EVENT_HEADER,
  SourceDeduplicator,
  SOURCE_HEADERS,
  type RouteTarget,
} from './key-router';
import { PartitionCheckpoints, WindowStoreCheckpoints } from './partition-checkpoints';
import { PartitionDetection, type BatchReport, type PartitionOutputs } from './partition-detection';
import { buildRecordDecoders, ROUTED_EVENTS, type RecordDecoder } from './record-decoders';

/** The development audit key, as `vigil replay` uses without VIGIL_AUDIT_KEY. */
const DEVELOPMENT_AUDIT_KEY = 'vigil-development-audit-key-not-for-production';

/** Targets the champion/challenger counters remember (the oldest are forgotten: a target that comes back counts again). */
const SHADOW_TARGETS_REMEMBERED = 100_000;

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
  /** Champion against the shadow challengers, for the comparison counters (null without challengers). */
  private shadow: SetupShadowComparison | null = null;
  private checkpoints!: PartitionCheckpoints;
  private readonly warnedKeys = new Set<string>();
  /** kafka.repartition: the router, and the topics detection reads instead of the sources. */
  private router: KeyRouter | null = null;
  /** kafka.repartition.lanes: lane topic → its lane. */
  private readonly laneOfTopic = new Map<string, Lane>();
  /**
   * kafka.repartition.lanes: the fleet rule's memory of customers' software, one for this instance's
   * address-lane partitions (each sees 1/N of the customers; together, what this instance reads).
   */
  private readonly customerSoftware: RecencyMap = customerSoftwareMemory();
  private readonly evictionsSeen = new WeakMap<PartitionDetection, { cap: number; ttl: number }>();
  /** Between a rebalance's start and the new assignment: no idle flush (partitions may be moving). */
  private rebalancing = false;
  private loop: Promise<void> | null = null;
  private wakeStop: (() => void) | null = null;
  private onFailure!: (err: Error) => void;
  /** Resolves with the cause when the service stops on an error (main.ts then exits non-zero). */
  readonly whenFailed = new Promise<Error>((resolve) => (this.onFailure = resolve));

  constructor(
    readonly config: DetectorConfig,
    private readonly log: Logger,
    private readonly metrics: DetectorMetrics,
  ) {}

  /** Builds everything and starts consuming; resolves once the consumer is running (not yet joined). */
  async start(): Promise<void> {
    const c = this.config;
    const sourceConfig = parseSourceConfig(c.source, 'source');
    const policy = parsePolicyConfig(c.policy);
    this.decoders = buildRecordDecoders(c.sources, sourceConfig);
    this.setup = await buildDetectionSetup(policy, sourceConfig, {
      models: c.detection.models,
      shadowModels: c.detection.shadowModels,
    });
    this.metrics.noteModels(this.setup);
    // Memory for the counters: the targets decided lately, not every target since the start.
    this.shadow = shadowComparisonForSetup(this.setup, { maxTargets: SHADOW_TARGETS_REMEMBERED });
    if (this.shadow?.note) this.log.warn({ note: this.shadow.note }, 'shadow comparison incomplete');
    this.redis = c.redis.cluster
      ? new Cluster(c.redis.cluster.map(hostPort))
      : new Redis(c.redis.url!, { maxRetriesPerRequest: 3 });
    this.checkpoints = new PartitionCheckpoints(this.redis, c.redis.keyPrefix ?? DEFAULT_KEY_PREFIX);
    const kafka = new Kafka({
      clientId: c.kafka.clientId,
      brokers: c.kafka.brokers,
      logLevel: kafkaLogLevel.WARN,
      logCreator: () => (entry) => this.log.warn({ kafka: entry.namespace, ...entry.log }, 'kafkajs'),
    });
    this.producer = new KafkaRecordProducer(kafka, { idempotent: c.kafka.idempotentProducer });
    await this.producer.connect();
    const t = c.kafka.topics;
    this.decisionsOut = this.producer.sink(t.decisions, jsonEncoder<Decision>(decisionRecordKey));
    this.alertsOut = this.producer.sink(
      t.alerts,
      jsonEncoder<Alert>((a) => `${a.entity.type}:${a.entity.value}`),
    );
    this.deadLettersOut = this.producer.sink(t.deadLetters, deadLetterEncoder(c.kafka.deadLetterMaxBytes));
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
    const consumer = {
      sessionTimeout: c.kafka.sessionTimeoutMs,
      heartbeatInterval: c.kafka.heartbeatIntervalMs,
      maxWaitTimeInMs: c.kafka.maxWaitTimeMs,
    };
    if (c.kafka.repartition) {
      const lanes = c.kafka.repartition.lanes;
      const targets: RouteTarget[] = lanes
        ? LANE_NAMES.map((name) => ({ topic: lanes[name], keyOf: LANES[name].keyOf }))
        : [{ topic: c.kafka.repartition.topic!, keyOf: (e: AccessEvent) => e.clientIp }];
      if (lanes) for (const name of LANE_NAMES) this.laneOfTopic.set(lanes[name], LANES[name]);
      this.router = new KeyRouter({
        kafka,
        groupId: `${c.kafka.groupId}.router`,
        topics: c.sources.map((s) => s.topic),
        targets,
        producer: this.producer,
        decoders: this.decoders,
        consumer,
        log: this.log,
        metrics: this.metrics,
      });
    }
    this.source = new KafkaRecordSource({
      kafka,
      groupId: c.kafka.groupId,
      topics: c.kafka.repartition ? repartitionTopics(c.kafka.repartition) : c.sources.map((s) => s.topic),
      consumer,
      onRebalancing: () => {
        this.rebalancing = true;
      },
      onAssigned: (assignment) => this.onAssigned(assignment),
      onRestart: (err, attempt) => {
        this.rebalancing = true;
        this.metrics.consumerRestarts.inc();
        this.log.warn({ err, attempt }, 'kafka consumer failed; rebuilding it and rejoining the group');
      },
    });
    await this.source.start();
    await this.router?.start((err) => {
      this.state = 'failed';
      this.failure = err;
      this.log.error({ err }, 'the router stopped on an error');
      this.onFailure(err);
    });
    this.log.info(
      {
        topics: c.sources.map((s) => s.topic),
        ...(c.kafka.repartition ? { repartition: repartitionTopics(c.kafka.repartition) } : {}),
        groupId: c.kafka.groupId,
        store: this.describeRedis(),
      },
      `detector started: ${this.setup.describe()}`,
    );
    this.state = 'running';
    this.loop = this.run().catch((err: Error) => {
      this.state = 'failed';
      this.failure = err;
      this.log.error({ err }, 'detector stopped on an error');
      this.onFailure(err);
    });
  }

  /** Ready: joined the consumer group and Redis answers. */
  async ready(): Promise<{ ready: boolean; kafka: boolean; redis: boolean }> {
    const kafka =
      this.state === 'running' && this.source?.isJoined === true && (this.router ? this.router.isJoined : true);
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
    // Upstream first: what the router produced and did not commit is produced again, and deduplicated.
    await this.router?.stop().catch((err: Error) => this.log.warn({ err }, 'stopping the router failed'));
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

  /**
   * One fetch at a time, an idle flush when none comes for `idleFlushMs`, out on stop. Each wait is one
   * fresh promise that the fetch, the timer or a stop settles, and nothing long-lived keeps a reaction
   * to it: a race against a promise that lives until shutdown would keep every fetch it ever resolved.
   */
  private async run(): Promise<void> {
    const batches = this.source.batches()[Symbol.asyncIterator]();
    let settled: { result?: IteratorResult<SourceBatch>; error?: unknown } | null = null;
    let wake: (() => void) | null = null;
    const fetchNext = (): void => {
      settled = null;
      batches.next().then(
        (result) => {
          settled = { result };
          wake?.();
        },
        (error: unknown) => {
          settled = { error };
          wake?.();
        },
      );
    };
    fetchNext();
    while (this.state === 'running') {
      if (!settled) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          this.wakeStop = resolve;
          timer = setTimeout(resolve, this.config.detection.idleFlushMs);
        });
        clearTimeout(timer);
        wake = null;
        this.wakeStop = null;
      }
      if (this.state !== 'running') return;
      const got = settled as { result?: IteratorResult<SourceBatch>; error?: unknown } | null;
      if (!got) {
        await this.drain();
        continue;
      }
      if (got.error !== undefined) throw got.error;
      if (got.result!.done) return;
      await this.handle(got.result!.value);
      if (this.state === 'running') fetchNext();
    }
  }

  /** The new assignment: partitions that went elsewhere are dropped (their next owner restores them). */
  private onAssigned(assignment: Readonly<Record<string, readonly number[]>>): void {
    this.rebalancing = false;
    const kept = new Set(Object.entries(assignment).flatMap(([t, ps]) => ps.map((p) => `${t}:${p}`)));
    for (const [id, p] of this.partitions) {
      if (kept.has(id)) continue;
      this.partitions.delete(id);
      this.metrics.consumerLag.remove({ topic: p.topic, partition: String(p.partition) });
      this.metrics.windowEntities.remove({ topic: p.topic, partition: String(p.partition) });
      this.log.info({ topic: p.topic, partition: p.partition, heldEvents: p.pendingEvents }, 'partition revoked');
      void p
        .close()
        .catch((err: Error) =>
          this.log.warn({ err, topic: p.topic, partition: p.partition }, 'closing a revoked partition failed'),
        );
    }
    this.metrics.partitionsOwned.set(kept.size);
    this.log.info({ assignment }, 'partitions assigned');
  }

  private async partitionOf(topic: string, partition: number): Promise<PartitionDetection> {
    const id = `${topic}:${partition}`;
    const held = this.partitions.get(id);
    if (held) return held;
    const c = this.config;
    const lane = this.laneOfTopic.get(topic);
    const store = await this.windowStoreFor(topic, partition, lane);
    const owned = store instanceof PartitionWindowStore;
    const { part, restored } = await PartitionDetection.open({
      topic,
      partition,
      store,
      engine: this.setup.createEngine(
        (r, watermark) => this.audit?.append(auditEntryOf(r, watermark, this.setup.configDigest)),
        lane ? { lane, ...(lane.name === 'address' ? { customerSoftware: this.customerSoftware } : {}) } : {},
      ),
      batchSpanMs: c.detection.batchSeconds * 1000,
      // partition: the checkpoint goes into the windows' own write, at most every checkpointIntervalMs.
      checkpoints: owned ? new WindowStoreCheckpoints(store) : this.checkpoints,
      checkpointEvery: owned ? { batches: Infinity, ms: c.redis.checkpointIntervalMs, overlap: true } : { batches: 1 },
      configDigest: this.setup.configDigest,
      emit: (out) => this.emit(out),
      onBatch: (r) => this.onDetectionBatch(topic, r),
      onCheckpoint: (bytes) => this.metrics.checkpointBytes.observe(bytes),
    });
    if (restored && restored.configDigest !== this.setup.configDigest)
      this.log.warn({ topic, partition }, 'partition checkpoint was written under another policy or source config');
    this.log.info(
      { topic, partition, restoredOffset: restored?.offset ?? null, restoredWatermark: restored?.watermark ?? null },
      restored ? 'partition restored from its checkpoint' : 'partition starts without a checkpoint',
    );
    this.partitions.set(id, part);
    return part;
  }

  /**
   * One store per partition over the shared client. `scripts`: the Redis store, each keeping its
   * partition's own watermark. `partition`: the partition's entities restored from Redis into memory,
   * written back in bulk only with the partition's checkpoint (WindowStoreCheckpoints: windows, applied
   * offsets and engine state in one fenced write), so a commit never passes state that is not in Redis.
   */
  private async windowStoreFor(topic: string, partition: number, lane: Lane | undefined): Promise<WindowStore> {
    const c = this.config;
    if (c.redis.windows === 'scripts') {
      return new RedisWindowStore({
        client: this.redis,
        keyPrefix: c.redis.keyPrefix,
        allowedLatenessMs: c.detection.allowedLatenessMs,
        ownsClient: false,
      });
    }
    const store = await PartitionWindowStore.open({
      client: this.redis,
      topic,
      partition,
      ...(c.redis.keyPrefix ? { keyPrefix: c.redis.keyPrefix } : {}),
      allowedLatenessMs: c.detection.allowedLatenessMs,
      maxEntities: c.redis.maxEntitiesPerPartition,
      ...(lane ? { entityTypes: lane.entityTypes } : {}),
      flushEveryBatches: 0,
      ownsClient: false,
    });
    const r = store.restored;
    if (r) this.log.info({ topic, partition, ...r }, 'partition windows restored from Redis');
    return store;
  }

  private onDetectionBatch(topic: string, r: BatchReport): void {
    const m = this.metrics;
    m.detectionSeconds.observe({ stage: 'windows_and_detect' }, r.detectSeconds);
    m.detectionSeconds.observe({ stage: 'produce_and_checkpoint' }, r.emitSeconds);
    if (Number.isFinite(r.oldestRecordTs))
      m.endToEndSeconds.observe({ source: topic }, Math.max(0, (Date.now() - r.oldestRecordTs) / 1000));
  }

  private async handle(batch: SourceBatch): Promise<void> {
    const started = performance.now();
    const { topic, partition } = batch;
    // kafka.repartition: records re-keyed by the router, each decoded as its source topic's.
    const routed = this.router !== null;
    const decoder = routed ? null : this.decoders.get(topic)!;
    const part = await this.partitionOf(topic, partition);
    const sources: ({ key: string; offset: number } | null)[] = [];
    let duplicates = 0;
    const from = part.acceptFrom;
    const events: AccessEvent[] = [];
    const offsets: number[] = [];
    const timestamps: number[] = [];
    const dead: RawDeadLetter[] = [];
    let replayed = 0;
    let notByAddress = 0;
    const checkKeys = this.config.redis.windows === 'partition' && !routed;
    for (const r of batch.records) {
      if (r.offset < from) {
        replayed++;
        continue;
      }
      let source: { key: string; offset: number } | null = null;
      let recordDecoder = decoder;
      if (routed) {
        source = SourceDeduplicator.sourceOf(r);
        const sourceTopic = r.headers[SOURCE_HEADERS.topic];
        recordDecoder = (sourceTopic !== undefined && this.decoders.get(sourceTopic)) || null;
        // The router's decoded event (Avro); without the header, the source's own bytes (they did not decode).
        if (recordDecoder && r.headers[ROUTED_EVENT_HEADER] === ROUTED_EVENT_AVRO) recordDecoder = ROUTED_EVENTS;
        if (source && recordDecoder && !part.dedup.accept(source.key, source.offset)) {
          duplicates++;
          continue;
        }
      }
      const result = recordDecoder
        ? recordDecoder.decode(r)
        : fail('unknown_source', `no ${SOURCE_HEADERS.topic} header naming one of the sources: not from the router`);
      if (result.ok) {
        sources.push(source);
        // Partition-owned windows see only their partition's records: an address whose records are
        // spread over partitions is counted in pieces. Said, not refused (a key may be the address in
        // another spelling, or a deliberate choice).
        if (checkKeys && (r.key === null || r.key.toString('latin1') !== result.value.clientIp)) notByAddress++;
        events.push(result.value);
        offsets.push(r.offset);
        timestamps.push(r.timestamp);
      } else {
        const record = deadLetter(result, r.value ?? Buffer.alloc(0), {
          source: topic,
          position: `partition ${partition} offset ${r.offset}`,
          binary: recordDecoder?.binary ?? true,
        });
        dead.push({ record, key: r.key, value: r.value });
      }
    }
    try {
      await part.push(events, offsets, timestamps, batch.nextOffset, batch.highWatermark, routed ? sources : undefined);
    } catch (err) {
      if (!(err instanceof PartitionFencedError)) throw err;
      this.dropFenced(topic, partition);
      await batch.ack(null).catch(() => undefined);
      return;
    }
    await this.deadLettersOut.write(dead);
    this.observeWindows(part);
    if (notByAddress > 0) this.noteNotKeyedByAddress(topic, notByAddress);
    if (duplicates > 0) this.metrics.routedDuplicates.inc(duplicates);
    const commit = part.commitOffset();
    await this.acknowledge(batch, part, commit);
    const m = this.metrics;
    m.eventsConsumed.inc({ source: topic, outcome: 'event' }, events.length);
    if (dead.length) m.eventsConsumed.inc({ source: topic, outcome: 'dead_letter' }, dead.length);
    if (replayed) m.eventsConsumed.inc({ source: topic, outcome: 'already_applied' }, replayed);
    if (duplicates) m.eventsConsumed.inc({ source: topic, outcome: 'duplicate' }, duplicates);
    for (const d of dead) m.deadLetters.inc({ reason: d.record.reason });
    m.batchSize.observe(batch.records.length);
    if (batch.highWatermark !== null)
      m.consumerLag.set({ topic, partition: String(partition) }, Math.max(0, batch.highWatermark - batch.nextOffset));
    m.batchSeconds.observe((performance.now() - started) / 1000);
  }

  /**
   * Hands the fetch back with its commit. A commit refused because the group is rebalancing (or the
   * partition just moved) is not an error of ours: the outputs are out and the checkpoint is written, so
   * the next owner skips what this one did; the commit is retried with the next fetch if it stays here.
   */
  private async acknowledge(batch: SourceBatch, part: PartitionDetection, commit: number | null): Promise<void> {
    try {
      await batch.ack(commit === null ? null : { topic: batch.topic, partition: batch.partition, offset: commit });
      if (commit !== null) part.markCommitted(commit);
    } catch (err) {
      if (!isRebalanceError(err)) throw err;
      this.metrics.commitsRefused.inc();
      this.log.warn({ topic: batch.topic, partition: batch.partition, err }, 'commit refused during a rebalance');
    }
  }

  /**
   * A quiet moment: partitions read to their end have their open batch detected, and every partition's
   * progress is committed. Never during a rebalance. Stopping drains the same way: a batch still open
   * on a partition behind its end is left to the next owner, who cuts it where this one would have.
   */
  private async drain(): Promise<void> {
    if (this.rebalancing) return;
    const held: PartitionDetection[] = [];
    for (const p of this.partitions.values()) {
      try {
        if (p.pendingEvents > 0 && p.caughtUp) await p.flush();
        // redis.windows: partition — what the last checkpoint interval left unwritten, so it can commit.
        await p.saveCheckpoint();
        held.push(p);
      } catch (err) {
        if (!(err instanceof PartitionFencedError)) throw err;
        this.dropFenced(p.topic, p.partition);
      }
    }
    const positions: CommitPosition[] = [];
    const committed: [PartitionDetection, number][] = [];
    for (const p of held) {
      const at = p.commitOffset();
      if (at === null) continue;
      positions.push({ topic: p.topic, partition: p.partition, offset: at });
      committed.push([p, at]);
    }
    if (!positions.length) return;
    try {
      await this.source.commit(positions);
      for (const [p, at] of committed) p.markCommitted(at);
    } catch (err) {
      if (!isRebalanceError(err)) throw err;
      this.metrics.commitsRefused.inc();
      this.log.warn({ err }, 'idle commit refused during a rebalance');
    }
  }

  /**
   * redis.windows: partition — records whose Kafka key is not their client address: the partition's
   * windows then see only part of an address's traffic (and of every entity derived from it). Once per
   * topic in the log, every time in vigil_records_not_keyed_by_address_total.
   */
  private noteNotKeyedByAddress(topic: string, records: number): void {
    this.metrics.notKeyedByAddress.inc({ topic }, records);
    if (this.warnedKeys.has(topic)) return;
    this.warnedKeys.add(topic);
    this.log.warn(
      { topic, records },
      'redis.windows: partition needs the raw topic keyed by client address (each partition holds its own ' +
        'windows); records of this topic are keyed otherwise, so an address spread over partitions is counted ' +
        'in pieces: key the producer by client address, or use redis.windows: scripts',
    );
  }

  /** redis.windows: partition — what a partition holds in memory, and what it evicted since last seen. */
  private observeWindows(part: PartitionDetection): void {
    if (!(part.store instanceof PartitionWindowStore)) return;
    const s = part.store.holdings();
    const m = this.metrics;
    m.windowEntities.set({ topic: part.topic, partition: String(part.partition) }, s.entities);
    const seen = this.evictionsSeen.get(part) ?? { cap: 0, ttl: 0 };
    const now = { cap: s.evictedByCap, ttl: s.evictedByTtl };
    if (now.cap > seen.cap) m.windowEvictions.inc({ reason: 'cap' }, now.cap - seen.cap);
    if (now.ttl > seen.ttl) m.windowEvictions.inc({ reason: 'ttl' }, now.ttl - seen.ttl);
    this.evictionsSeen.set(part, now);
  }

  /**
   * redis.windows: partition — another instance owns this partition now and refused our write: drop it,
   * commit nothing; its new owner reads from the state it restored. Assigned back, it is restored anew.
   */
  private dropFenced(topic: string, partition: number): void {
    this.partitions.delete(`${topic}:${partition}`);
    this.metrics.commitsRefused.inc();
    this.log.warn({ topic, partition }, 'partition has another owner (fenced); dropped without committing');
  }

  /** Audit lines first (a decision is audited before it is emitted), then decisions, then alerts. */
  private async emit(out: PartitionOutputs): Promise<void> {
    await this.audit?.flush();
    await this.decisionsOut.write(out.decisions);
    await this.alertsOut.write(out.alerts);
    for (const d of out.decisions) {
      this.metrics.decisions.inc({ detector: d.detector, action: d.action });
      if (d.shadow) this.metrics.shadowDecisions.inc({ detector: d.detector, action: d.action });
      const seen = this.shadow?.comparison.add(d);
      if (seen?.newTarget) this.metrics.shadowTargets.inc({ detector: seen.detector, side: seen.side });
      if (seen?.nowBoth) this.metrics.shadowTargetsBoth.inc({ detector: seen.detector });
    }
    for (const a of out.alerts) this.metrics.alerts.inc({ detector: a.detector, severity: a.severity });
  }

  private describeRedis(): string {
    return this.config.redis.cluster ? `redis cluster ${this.config.redis.cluster.join(',')}` : 'redis standalone';
  }
}

/**
 * kafkajs's errors when a commit or heartbeat meets a rebalance: the group moved on, the member must
 * rejoin (kafkajs does), and nothing the service did is lost (checkpoints hold it).
 * https://kafka.apache.org/protocol#protocol_error_codes
 */
const REBALANCE_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'NOT_COORDINATOR',
]);

function isRebalanceError(err: unknown): boolean {
  const e = err as { type?: string; name?: string; cause?: unknown } | null;
  if (!e) return false;
  if (e.type && REBALANCE_ERRORS.has(e.type)) return true;
  if (e.name === 'SourceRestartedError' || e.name === 'KafkaJSStaleTopicMetadataAssignment') return true;
  return e.cause !== undefined && e.cause !== err && isRebalanceError(e.cause);
}

function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
}
