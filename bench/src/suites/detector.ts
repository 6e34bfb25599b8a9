/**
 * The detector service end to end — `apps/detector` built by `createDetectorApp` from a config that
 * `parseDetectorConfig` validated, as `main.ts` runs it — on the librdkafka mock broker and a throwaway
 * redis-server (test/infra, see test-servers.ts), on the detection suite's simulated Kong traffic with
 * its attacks (2.5 KB records), once with the bundled models and once with `--models none`:
 *  (a) events/s from topic to decisions: the file's first N lines produced by a child process
 *      (kafka/line-producer.ts) kept just ahead of consumption (the mock keeps ~5 MiB per partition), timed
 *      from the first record produced to the last one committed by the service (its last, partial batch
 *      closes on the idle flush: IDLE_FLUSH_MS of that is waiting);
 *  (b) beside it, `RedisWindowStore.applyBatch` alone on the same events in the same batches — a
 *      `DetectionPipeline` over the same lines, as each partition runs one, applying with the same
 *      per-offset positions — on the same Redis (flushed before each run): the service's overhead over the
 *      store is store rate / service rate − 1 (the issue's target: ≤ 15 %);
 *  (c) produce-to-decision latency at a steady rate (half the measured throughput): the file's lines
 *      retimed to the wall clock, and every BURST_EVERY_MS a burst of failed logins from a fresh address,
 *      matched to its `ip:` decision. A decision comes when the batch holding its burst closes — after 10 s
 *      of event time or 4,096 events, whichever first — so the latency is that wait plus the path;
 *      `afterClose` is from the batch's watermark (the decision's ts: its last event's produce time) to the
 *      decision read back from its topic;
 *  (d) where the time goes: the service's wall time split into the store (`RedisWindowStore.applyBatch`)
 *      and the engine (`DetectionEngine.process`), both timed on their classes' prototypes and so inside
 *      the service, decode (measured on the same lines in (b)) and the rest (Kafka fetch, produce and
 *      commit, the audit trail, glue); Redis's CPU and the service's own /metrics histograms beside it.
 * `--models DIR|none` runs one case only. `--windows partition` runs the service with `redis.windows:
 * partition` (issue #20) and (b) with the memory store instead of the Redis store: #20's yardstick, the
 * service's windows stage at ≥ 0.8 of the memory store's own rate. The store's time is split into time on
 * a core and time waiting for one (the thread's /proc schedstat: the broker, the producer and Redis share
 * the two cores with the service, and the store-alone run has them to itself), and into GC pauses.
 * `--repartition` puts the service's router in front (kafka.repartition.topic, keyed by client address);
 * `--lanes` (with `--windows partition`) routes to the four detection lanes (kafka.repartition.lanes), all
 * run by the one service: the windows stage is then every lane's stores together.
 * `--max-wait-ms N` sets the service's kafka.maxWaitTimeMs (default 500): a fetch that finds nothing new
 * waits that long here, which paces the routed cases (two hops through the broker under the credit window).
 * `--paired` adds a plain MemoryWindowStore beside each of the service's partition stores, applying the
 * same batches at the same moment (alternately before and after it): the yardstick under the very load
 * the service runs under, which the store-alone run, minutes apart on a noisy machine, is not. The
 * service's own rate in that run carries the extra store. The floor is stream + split + JSON.parse of the
 * same file.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { openSync, readSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { openInput, readLineBatches } from '@vigil/connectors';
import { buildDetectionSetup, DetectionEngine, DetectionPipeline, parsePolicyConfig } from '@vigil/detection';
import { createDetectorApp, type DetectorApp } from '@vigil/detector/dist/app';
import { parseDetectorConfig } from '@vigil/detector/dist/config/detector-config';
import { createSourceDecoder, parseSourceConfig, type AccessEvent } from '@vigil/events';
import { MemoryWindowStore, PartitionWindowStore, RedisWindowStore, type WindowStore } from '@vigil/features';
import { Simulation, sourceConfigFor } from '@vigil/simulator';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { floorRate, type BenchContext, type BenchResult, type BenchSuite } from '../harness';
import type { FromProducer, ProducerJob, ToProducer } from '../kafka/line-producer';
import { startKafkaMock, startRedisServer, type KafkaMockServer } from '../test-servers';
import { simulatedHour } from './detection';

const BUNDLED_MODELS = resolve(__dirname, '..', '..', '..', 'models');
const PRODUCER = join(__dirname, '..', 'kafka', 'line-producer.js');
/** Records the producer may run ahead of what the service consumed: ~3 MB of these lines. */
const CREDIT_WINDOW = 1250;
const IDLE_FLUSH_MS = 500;
/** No record consumed for this long: the mock dropped records under the consumer, or the service is stuck. */
const STALL_MS = 30_000;
const BURST_EVERY_MS = 500;
const BURST_SIZE = 20;
/** The mock broker's group timings (test/infra/kafka-mock/mock-broker.c): first join 3 s. */
const GROUP = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 } as const;

interface Case {
  readonly id: string;
  readonly name: string;
  readonly models: string;
  /** The service's `redis.windows`; with `partition` the store-alone run is the memory store's (#20's yardstick). */
  readonly windows: 'scripts' | 'partition';
  /** `partition` only: the service's redis.checkpointIntervalMs (undefined: its default). */
  readonly checkpointMs?: number;
  /**
   * The service re-keys the raw topic through its router and detects from there: `topic` one topic keyed
   * by client address (kafka.repartition.topic), `lanes` the four detection lanes (kafka.repartition.lanes).
   */
  readonly repartition?: 'topic' | 'lanes';
  /** The service's kafka.maxWaitTimeMs (undefined: its default): how long a fetch waits for records. */
  readonly maxWaitMs?: number;
}

interface Stages {
  /** Windows: every store's applyBatch, and PartitionWindowStore.flush called by its owner (the durable write). */
  store: number;
  /** The part of `store` in PartitionWindowStore.flush. */
  flush: number;
  engine: number;
  storeCalls: number;
  engineCalls: number;
  /** Garbage collection pauses inside `store` (V8's gc performance entries overlapping the store's calls). */
  readonly storeGc: number;
  /**
   * `store` split by the kernel's scheduler statistics of this thread: on a core, and runnable but waiting
   * for one (the broker, the producer and Redis share the machine's cores with the service).
   */
  storeOnCpu: number;
  storeWaitingForCpu: number;
  /**
   * --paired: a plain MemoryWindowStore beside each PartitionWindowStore of the service, applying the same
   * batches at the same moment (before the partition store's apply on odd batches, after it on even ones):
   * the memory store's own rate under the very conditions the service runs in.
   */
  shadow: number;
  shadowOnCpu: number;
  shadowCalls: number;
}

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

/**
 * This thread's time on a core and waiting for one, from /proc/thread-self/schedstat (ns; Linux with
 * scheduler statistics), read with one pread per call. Elsewhere both stay 0.
 */
function schedClock() {
  let fd: number | null = null;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    fd = null;
  }
  const buf = Buffer.alloc(128);
  const read = (): [number, number] => {
    if (fd === null) return [0, 0];
    const n = readSync(fd, buf, 0, buf.length, 0);
    const [run, wait] = buf.toString('latin1', 0, n).split(' ');
    return [Number(run), Number(wait)];
  };
  let at: [number, number] = [0, 0];
  return {
    read,
    start: () => void (at = read()),
    stop: (stages: Stages) => {
      const [run, wait] = read();
      stages.storeOnCpu += (run - at[0]) / 1e9;
      stages.storeWaitingForCpu += (wait - at[1]) / 1e9;
    },
  };
}

/**
 * Times every window store's `applyBatch` and `DetectionEngine.process` call in this process — the
 * service's included, whatever builds them — until `restore`.
 */
function timeStages(): { stages: Stages; pair(on: boolean): void; restore(): void } {
  let paired = false;
  // Store calls as [start, end] in performance.now() time, and GC pauses as V8 reports them: storeGc is
  // the part of the pauses inside store calls (both lists are in time order).
  const calls: number[] = [];
  const gcs: number[] = [];
  const stages: Stages = {
    store: 0,
    flush: 0,
    engine: 0,
    storeCalls: 0,
    engineCalls: 0,
    storeOnCpu: 0,
    storeWaitingForCpu: 0,
    shadow: 0,
    shadowOnCpu: 0,
    shadowCalls: 0,
    get storeGc() {
      let i = 0;
      let gc = 0;
      for (let g = 0; g < gcs.length; g += 2) {
        const [gs, ge] = [gcs[g]!, gcs[g + 1]!];
        while (i < calls.length && calls[i + 1]! <= gs) i += 2;
        for (let j = i; j < calls.length && calls[j]! < ge; j += 2)
          gc += Math.max(0, Math.min(ge, calls[j + 1]!) - Math.max(gs, calls[j]!));
      }
      return gc / 1000;
    },
  };
  const sched = schedClock();
  const shadows = new WeakMap<PartitionWindowStore, MemoryWindowStore>();
  const shadowOf = (store: PartitionWindowStore) => {
    let shadow = shadows.get(store);
    if (!shadow) shadows.set(store, (shadow = new MemoryWindowStore(store.memoryOptions)));
    return shadow;
  };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push(e.startTime, e.startTime + e.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  // Every store's applyBatch, the outermost call only (PartitionWindowStore applies through a memory store).
  const stores = [RedisWindowStore, PartitionWindowStore, MemoryWindowStore] as const;
  const applies = stores.map((S) => S.prototype.applyBatch);
  let depth = 0;
  stores.forEach((S, i) => {
    const apply = applies[i]! as (
      this: WindowStore,
      ...a: Parameters<WindowStore['applyBatch']>
    ) => ReturnType<WindowStore['applyBatch']>;
    S.prototype.applyBatch = async function (this: WindowStore, ...args: Parameters<WindowStore['applyBatch']>) {
      const shadow = paired && depth === 0 && this instanceof PartitionWindowStore ? shadowOf(this) : null;
      const beside = () => {
        const t = process.hrtime.bigint();
        const [run] = sched.read();
        shadow!.applyNow(...args);
        stages.shadowOnCpu += (sched.read()[0] - run) / 1e9;
        stages.shadow += seconds(t);
        stages.shadowCalls++;
      };
      const shadowFirst = shadow !== null && stages.shadowCalls % 2 === 0;
      if (shadowFirst) beside();
      const t0 = process.hrtime.bigint();
      const start = performance.now();
      if (depth === 0) sched.start();
      depth++;
      try {
        return await apply.apply(this, args);
      } finally {
        depth--;
        if (depth === 0) {
          stages.store += seconds(t0);
          stages.storeCalls++;
          calls.push(start, performance.now());
          sched.stop(stages);
        }
        if (shadow !== null && !shadowFirst) beside();
      }
    };
  });
  // redis.windows: partition — the detector writes the windows with its checkpoint, outside applyBatch,
  // and lets the write's round trip run under the next batches: what the thread spends is the part up to
  // the send (packing the changed entities, building the command), timed here; a wait for a write still
  // under way shows in the service's rest.
  const flush = PartitionWindowStore.prototype.flush;
  PartitionWindowStore.prototype.flush = function (this: PartitionWindowStore, ...args) {
    const t0 = process.hrtime.bigint();
    const start = performance.now();
    if (depth === 0) sched.start();
    const written = flush.apply(this, args);
    const s = seconds(t0);
    stages.flush += s;
    if (depth === 0) {
      stages.store += s;
      calls.push(start, performance.now());
      sched.stop(stages);
    }
    return written;
  };
  const detect = DetectionEngine.prototype.process;
  DetectionEngine.prototype.process = function (this: DetectionEngine, ...args) {
    const t0 = process.hrtime.bigint();
    try {
      return detect.apply(this, args);
    } finally {
      stages.engine += seconds(t0);
      stages.engineCalls++;
    }
  };
  return {
    stages,
    pair: (on) => void (paired = on),
    restore() {
      observer.disconnect();
      stores.forEach((S, i) => (S.prototype.applyBatch = applies[i]! as typeof S.prototype.applyBatch));
      PartitionWindowStore.prototype.flush = flush;
      DetectionEngine.prototype.process = detect;
    },
  };
}

const snapshot = (s: Stages): Stages => ({ ...s });
const since = (s: Stages, before: Stages): Stages => ({
  store: s.store - before.store,
  flush: s.flush - before.flush,
  engine: s.engine - before.engine,
  storeCalls: s.storeCalls - before.storeCalls,
  engineCalls: s.engineCalls - before.engineCalls,
  storeGc: s.storeGc - before.storeGc,
  storeOnCpu: s.storeOnCpu - before.storeOnCpu,
  storeWaitingForCpu: s.storeWaitingForCpu - before.storeWaitingForCpu,
  shadow: s.shadow - before.shadow,
  shadowOnCpu: s.shadowOnCpu - before.shadowOnCpu,
  shadowCalls: s.shadowCalls - before.shadowCalls,
});

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  return Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]);
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! : NaN;
}

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`detector bench: timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** `_sum` and `_count` of the service's histograms, by series (labels included). */
function histogramSums(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics.matchAll(/^(vigil_[a-z_]+_seconds)_(sum|count)(\{[^}]*\})? ([\d.e+-]+)$/gm))
    out[`${m[1]}_${m[2]}${m[3] ?? ''}`] = Number(m[4]);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// (b) the store alone

interface StoreRun {
  readonly events: number;
  readonly batches: number;
  readonly storeSeconds: number;
  readonly storeGcSeconds: number;
  readonly storeOnCpuSeconds: number;
  readonly storeWaitingSeconds: number;
  readonly engineSeconds: number;
  readonly decodeSeconds: number;
  readonly decisions: number;
  readonly redisCpuSeconds: number;
}

/** The first `count` lines through decode → DetectionPipeline over RedisWindowStore → the case's engine. */
async function storeAlone(
  file: string,
  count: number,
  c: Case,
  sourceInput: Record<string, unknown>,
  redis: Redis,
  stages: Stages,
): Promise<StoreRun> {
  const source = parseSourceConfig(sourceInput, 'source');
  const decoder = createSourceDecoder('kong', source);
  const setup = await buildDetectionSetup(parsePolicyConfig(undefined), source, { models: c.models });
  await redis.flushall();
  const store: WindowStore =
    c.windows === 'partition' ? new MemoryWindowStore() : new RedisWindowStore({ client: redis, ownsClient: false });
  // As the service applies each detection batch: with the Kafka offsets of exactly its events.
  let held: number[] = [];
  const positioned: WindowStore = {
    kind: store.kind,
    applyBatch: (events) => {
      const offsets = held.slice(0, events.length);
      held = held.slice(events.length);
      return store.applyBatch(events, {
        topic: `bench.store.${c.id}`,
        partition: 0,
        firstOffset: offsets[0]!,
        offsets,
      });
    },
    stats: () => store.stats(),
    close: async () => undefined,
  };
  let decisions = 0;
  const pipeline = new DetectionPipeline({
    store: positioned,
    engine: setup.engine,
    sinks: { decisions: (ds) => void (decisions += ds.length), alerts: () => undefined },
  });
  const before = snapshot(stages);
  const redisCpu0 = await redisCpuSeconds(redis);
  let decodeSeconds = 0;
  let offset = 0;
  let events = 0;
  outer: for await (const b of readLineBatches(openInput(file).stream, { maxLineBytes: 1024 * 1024 })) {
    const batch: AccessEvent[] = [];
    const t0 = process.hrtime.bigint();
    for (const line of b.lines) {
      if (offset === count) break;
      const r = decoder.decode(line);
      if (r.ok) {
        batch.push(r.value);
        held.push(offset);
      }
      offset++;
    }
    decodeSeconds += seconds(t0);
    events += batch.length;
    await pipeline.push(batch);
    if (offset === count) break outer;
  }
  await pipeline.flush();
  await sleep(50); // the last GC entries are reported on a later task
  const spent = since(stages, before);
  return {
    events,
    batches: spent.storeCalls,
    storeSeconds: spent.store,
    storeGcSeconds: spent.storeGc,
    storeOnCpuSeconds: spent.storeOnCpu,
    storeWaitingSeconds: spent.storeWaitingForCpu,
    engineSeconds: spent.engine,
    decodeSeconds,
    decisions,
    redisCpuSeconds: (await redisCpuSeconds(redis)) - redisCpu0,
  };
}

// ---------------------------------------------------------------------------------------------------------
// (a) and (c): the service

interface Topics {
  readonly raw: string;
  /** Written by the service's router with --repartition. */
  readonly repartition: string;
  /** Written by the service's router with --lanes: one topic per detection lane. */
  readonly lanes: {
    readonly address: string;
    readonly account: string;
    readonly apiKey: string;
    readonly logins: string;
  };
  readonly decisions: string;
  readonly alerts: string;
  readonly audit: string;
  readonly deadLetters: string;
}

const topicNames = (t: Topics): string[] => [
  t.raw,
  t.repartition,
  ...Object.values(t.lanes),
  t.decisions,
  t.alerts,
  t.audit,
  t.deadLetters,
];

const topicsOf = (c: Case): Topics => ({
  raw: `bench.raw.kong.${c.id}`,
  repartition: `bench.by-address.kong.${c.id}`,
  lanes: {
    address: `bench.lane-address.kong.${c.id}`,
    account: `bench.lane-account.kong.${c.id}`,
    apiKey: `bench.lane-api-key.kong.${c.id}`,
    logins: `bench.lane-logins.kong.${c.id}`,
  },
  decisions: `bench.decisions.${c.id}`,
  alerts: `bench.alerts.${c.id}`,
  audit: `bench.audit.${c.id}`,
  deadLetters: `bench.dead-letters.${c.id}`,
});

class ProducerProcess {
  readonly child: ChildProcess;
  private readonly listeners = new Set<(m: FromProducer) => void>();
  readonly done: Promise<Extract<FromProducer, { kind: 'done' }>>;

  constructor(job: ProducerJob) {
    this.child = fork(PRODUCER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: FromProducer) => {
      if (m.kind === 'ready') this.tell({ kind: 'job', job });
      for (const l of this.listeners) l(m);
    });
    this.done = new Promise((resolve, reject) => {
      this.on((m) => m.kind === 'done' && resolve(m));
      this.child.once('exit', (code) => code !== 0 && reject(new Error(`bench producer exited with ${code}`)));
    });
  }

  on(listener: (m: FromProducer) => void): void {
    this.listeners.add(listener);
  }

  tell(m: ToProducer): void {
    // A credit may cross the child's exit: nothing is lost, it had finished.
    if (this.child.connected) this.child.send(m, () => undefined);
  }
}

interface Service {
  readonly app: DetectorApp;
  readonly baseUrl: string;
  consumed(): Promise<number>;
  committed(): Promise<number>;
  metrics(): Promise<string>;
  close(): Promise<void>;
}

async function startService(
  c: Case,
  topics: Topics,
  broker: KafkaMockServer,
  redisUrl: string,
  sourceInput: Record<string, unknown>,
  admin: Admin,
): Promise<Service> {
  const groupId = `bench-detector-${c.id}`;
  const config = parseDetectorConfig({
    kafka: {
      brokers: broker.brokers,
      groupId,
      idempotentProducer: false, // the mock names no controller (see KafkaRecordProducer)
      ...(c.maxWaitMs !== undefined ? { maxWaitTimeMs: c.maxWaitMs } : {}),
      ...GROUP,
      ...(c.repartition === 'topic' ? { repartition: { topic: topics.repartition } } : {}),
      ...(c.repartition === 'lanes' ? { repartition: { lanes: topics.lanes } } : {}),
      topics: {
        decisions: topics.decisions,
        alerts: topics.alerts,
        audit: topics.audit,
        deadLetters: topics.deadLetters,
      },
    },
    sources: [{ topic: topics.raw, format: 'kong' }],
    redis: {
      url: redisUrl,
      windows: c.windows,
      ...(c.checkpointMs !== undefined ? { checkpointIntervalMs: c.checkpointMs } : {}),
    },
    detection: { models: c.models, idleFlushMs: IDLE_FLUSH_MS },
    source: sourceInput,
    http: { port: 0, host: '127.0.0.1' },
    logLevel: 'error',
  });
  const app = await createDetectorApp(config, { defaultMetrics: false });
  await app.app.listen(0, '127.0.0.1');
  const { port } = app.app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor('the detector to be ready', async () => (await fetch(`${baseUrl}/ready`)).status === 200, 60_000);
  return {
    app,
    baseUrl,
    // Records consumed by detection: with lanes, the address lane's (one per raw record; the other lanes
    // get fewer), otherwise all (one topic).
    consumed: async () =>
      (await app.metrics.eventsConsumed.get()).values
        .filter((v) => c.repartition !== 'lanes' || v.labels['source'] === topics.lanes.address)
        .reduce((n, v) => n + v.value, 0),
    committed: async () => {
      const committedOf = async (topic: string) => {
        const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return Math.max(0, Number(t?.partitions[0]?.offset ?? 0));
      };
      if (c.repartition !== 'lanes')
        // With the router, detection commits the repartition topic: one record there per raw record.
        return committedOf(c.repartition === 'topic' ? topics.repartition : topics.raw);
      // Lanes: the address lane's offset once every other lane has committed all it holds.
      for (const topic of [topics.lanes.account, topics.lanes.apiKey, topics.lanes.logins]) {
        const [end] = await admin.fetchTopicOffsets(topic);
        if ((await committedOf(topic)) < Number(end?.high ?? 0)) return 0;
      }
      return committedOf(topics.lanes.address);
    },
    metrics: async () => (await fetch(`${baseUrl}/metrics`)).text(),
    close: () => app.app.close(),
  };
}

interface ThroughputRun {
  readonly events: number;
  readonly seconds: number;
  readonly toConsumedSeconds: number;
  readonly stages: Stages;
  readonly cpuSeconds: number;
  readonly redisCpuSeconds: number;
  readonly producerCpuSeconds: number;
  readonly histograms: Record<string, number>;
  readonly decisions: number;
}

async function throughput(
  service: Service,
  file: string,
  count: number,
  topics: Topics,
  broker: KafkaMockServer,
  redis: Redis,
  stages: Stages,
): Promise<ThroughputRun> {
  const before = snapshot(stages);
  const redisCpu0 = await redisCpuSeconds(redis);
  const cpu0 = process.cpuUsage();
  const producer = new ProducerProcess({ mode: 'credit', file, brokers: broker.brokers, topic: topics.raw, count });
  producer.tell({ kind: 'credit', upTo: CREDIT_WINDOW });
  let consumedAt = 0;
  let finished = false;
  const done = producer.done.finally(() => (finished = true));
  // Credit as the service consumes: the producer never runs more than a window ahead.
  let progressAt = Date.now();
  for (let last = 0; ;) {
    const consumed = await service.consumed();
    if (consumed >= count) {
      consumedAt = Date.now();
      break;
    }
    if (consumed > last) [last, progressAt] = [consumed, Date.now()];
    if (Date.now() - progressAt > STALL_MS)
      throw new Error(`the service consumed nothing for ${STALL_MS / 1000} s at ${consumed} of ${count} records`);
    if (finished && (await producer.done).produced < count) throw new Error('the producer ended early');
    producer.tell({ kind: 'credit', upTo: consumed + CREDIT_WINDOW });
    await sleep(10);
  }
  const produced = await done;
  await waitFor('the last offset committed', async () => (await service.committed()) >= count, 60_000);
  const committedAt = Date.now();
  const cpu = cpuSeconds(cpu0);
  const metrics = await service.metrics();
  const decisions = [...metrics.matchAll(/^vigil_decisions_total\{[^}]*\} (\d+)$/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
  return {
    events: count,
    seconds: (committedAt - produced.firstAt) / 1000,
    toConsumedSeconds: (consumedAt - produced.firstAt) / 1000,
    stages: since(stages, before),
    cpuSeconds: cpu,
    redisCpuSeconds: (await redisCpuSeconds(redis)) - redisCpu0,
    producerCpuSeconds: produced.cpuSeconds,
    histograms: histogramSums(metrics),
    decisions,
  };
}

interface LatencyRun {
  readonly perSecond: number;
  readonly seconds: number;
  readonly bursts: number;
  readonly latencies: number[];
  readonly afterClose: number[];
  readonly lagAtEnd: number;
}

async function latency(
  service: Service,
  file: string,
  perSecond: number,
  durationSeconds: number,
  topics: Topics,
  broker: KafkaMockServer,
  decisions: Map<string, { receivedAt: number; ts: number }>,
): Promise<LatencyRun> {
  const consumed0 = await service.consumed();
  const producer = new ProducerProcess({
    mode: 'paced',
    file,
    brokers: broker.brokers,
    topic: topics.raw,
    perSecond,
    seconds: durationSeconds,
    burstEveryMs: BURST_EVERY_MS,
    burstSize: BURST_SIZE,
    quietTailMs: 11_000,
  });
  const bursts = new Map<string, number>();
  producer.on((m) => m.kind === 'burst' && bursts.set(`ip:${m.ip}`, m.producedAt));
  const done = await producer.done;
  const lagAtEnd = done.produced - ((await service.consumed()) - consumed0);
  await waitFor('the bursts decided', () => [...bursts.keys()].every((k) => decisions.has(k)), 20_000).catch(
    () => undefined,
  );
  const latencies: number[] = [];
  const afterClose: number[] = [];
  for (const [key, producedAt] of bursts) {
    const d = decisions.get(key);
    if (!d) continue;
    latencies.push(d.receivedAt - producedAt);
    afterClose.push(d.receivedAt - d.ts);
  }
  return {
    perSecond: (done.produced - bursts.size * BURST_SIZE) / ((done.lastAt - done.firstAt) / 1000),
    seconds: (done.lastAt - done.firstAt) / 1000,
    bursts: bursts.size,
    latencies: latencies.sort((a, b) => a - b),
    afterClose: afterClose.sort((a, b) => a - b),
    lagAtEnd,
  };
}

/** Reads a decisions topic from now on: the first decision per key, with when it was read. */
async function decisionReader(kafka: Kafka, topic: string) {
  const seen = new Map<string, { receivedAt: number; ts: number }>();
  const consumer: Consumer = kafka.consumer({
    groupId: `bench-reader-${topic}`,
    sessionTimeout: GROUP.sessionTimeoutMs,
    heartbeatInterval: GROUP.heartbeatIntervalMs,
    maxWaitTimeInMs: 50,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const key = message.key?.toString() ?? '';
      if (seen.has(key)) return;
      const ts = (JSON.parse(message.value!.toString()) as { ts: number }).ts;
      seen.set(key, { receivedAt: Date.now(), ts });
    },
  });
  return { seen, joined: () => joined, stop: () => consumer.disconnect() };
}

// ---------------------------------------------------------------------------------------------------------

function casesFrom(argv: readonly string[]): Case[] {
  const i = argv.indexOf('--models');
  const models = i >= 0 ? argv[i + 1] : undefined;
  const w = argv.indexOf('--windows');
  const windows = w >= 0 && argv[w + 1] === 'partition' ? 'partition' : 'scripts';
  const k = argv.indexOf('--checkpoint-ms');
  const checkpointMs = windows === 'partition' && k >= 0 ? Number(argv[k + 1]) : undefined;
  if (checkpointMs !== undefined && !(Number.isInteger(checkpointMs) && checkpointMs >= 0))
    throw new Error(`--checkpoint-ms takes whole milliseconds >= 0, got ${argv[k + 1]}`);
  const lanes = argv.includes('--lanes');
  if (lanes && windows !== 'partition')
    throw new Error('--lanes needs --windows partition (as kafka.repartition.lanes does)');
  if (lanes && argv.includes('--repartition'))
    throw new Error('--lanes and --repartition are two ways to re-key: pick one');
  const repartition: Case['repartition'] = lanes ? 'lanes' : argv.includes('--repartition') ? 'topic' : undefined;
  const tag =
    (windows === 'partition'
      ? `, windows: partition${checkpointMs !== undefined ? `, checkpoint every ${checkpointMs} ms` : ''}`
      : '') +
    (repartition === 'topic' ? ', re-keyed by the router' : repartition === 'lanes' ? ', routed to 4 lanes' : '');
  const id = (base: string) =>
    (windows === 'partition' ? `${base}-partition${checkpointMs !== undefined ? `-${checkpointMs}` : ''}` : base) +
    (repartition === 'topic' ? '-routed' : repartition === 'lanes' ? '-lanes' : '');
  const m = argv.indexOf('--max-wait-ms');
  const maxWaitMs = m >= 0 ? Number(argv[m + 1]) : undefined;
  if (maxWaitMs !== undefined && !(Number.isInteger(maxWaitMs) && maxWaitMs > 0))
    throw new Error(`--max-wait-ms takes whole milliseconds > 0, got ${argv[m + 1]}`);
  const more = {
    ...(checkpointMs !== undefined ? { checkpointMs } : {}),
    ...(repartition ? { repartition } : {}),
    ...(maxWaitMs !== undefined ? { maxWaitMs } : {}),
  };
  if (models === 'none')
    return [{ id: id('none'), name: `baselines only (--models none)${tag}`, models: 'none', windows, ...more }];
  if (models) return [{ id: id('models'), name: `models ${models}${tag}`, models: resolve(models), windows, ...more }];
  return [
    { id: id('models'), name: `bundled models${tag}`, models: BUNDLED_MODELS, windows, ...more },
    { id: id('none'), name: `baselines only (--models none)${tag}`, models: 'none', windows, ...more },
  ];
}

export const detectorSuite: BenchSuite = {
  name: 'detector',
  description:
    'the detector service on the mock broker + redis-server: events/s topic→decisions beside applyBatch alone, produce→decision latency, where the time goes',
  async run(ctx: BenchContext) {
    const cases = casesFrom(process.argv);
    const file = await simulatedHour(ctx);
    const lines = ctx.quick ? 20_000 : Number.POSITIVE_INFINITY;
    const latencySeconds = ctx.quick ? 22 : 60;
    const floor = await floorRate(file, true);
    const count = Math.min(lines, floor.records);
    ctx.log(`floor ${floor.perSecond.toFixed(0)}/s over ${floor.records} records; ${count} produced per case`);
    const sourceInput = sourceConfigFor('kong', {}, { trustedProxies: Simulation.networks().trustedProxies });

    const [broker, redisServer] = await Promise.all([
      startKafkaMock({
        brokers: 1,
        topics: cases.flatMap((c) => topicNames(topicsOf(c)).map((name) => ({ name, partitions: 1 }))),
      }),
      startRedisServer(),
    ]);
    const redis = new Redis(redisServer.url);
    const kafka = new Kafka({ clientId: 'bench-detector', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const timing = timeStages();
    const results: BenchResult[] = [];
    try {
      for (const c of cases) {
        const topics = topicsOf(c);
        const alone = await storeAlone(file, count, c, sourceInput, redis, timing.stages);
        const storeRate = alone.events / alone.storeSeconds;
        ctx.log(
          `${c.name}: applyBatch alone ${storeRate.toFixed(0)}/s over ${alone.batches} batches ` +
            `(${(alone.events / alone.batches).toFixed(0)} events each; GC in it ${((alone.storeGcSeconds / alone.events) * 1e6).toFixed(1)}, on a core ${((alone.storeOnCpuSeconds / alone.events) * 1e6).toFixed(1)}, waiting for one ${((alone.storeWaitingSeconds / alone.events) * 1e6).toFixed(1)} µs/event); decode ${((alone.decodeSeconds / alone.events) * 1e6).toFixed(1)} µs/event, ` +
            `engine ${((alone.engineSeconds / alone.events) * 1e6).toFixed(1)} µs/event, ${alone.decisions} decisions`,
        );
        await redis.flushall();
        const reader = await decisionReader(kafka, topics.decisions);
        const service = await startService(c, topics, broker, redisServer.url, sourceInput, admin);
        try {
          await waitFor('the decision reader to join', reader.joined, 30_000);
          // --paired: the extra memory store runs in the throughput run only, not under the latency phase.
          timing.pair(process.argv.includes('--paired'));
          const run = await throughput(service, file, count, topics, broker, redis, timing.stages).finally(() =>
            timing.pair(false),
          );
          const rate = run.events / run.seconds;
          const perEvent = (s: number) => round((s / run.events) * 1e6);
          const decode = alone.decodeSeconds * (run.events / alone.events);
          // Wall time inside the service's fetch handling (its own histogram), and outside it: waiting for
          // kafkajs to fetch and parse the next batch, and the final idle flush.
          const handled = run.histograms['vigil_batch_seconds_sum'] ?? NaN;
          const fetchWait = run.seconds - handled - IDLE_FLUSH_MS / 1000;
          const rest = handled - run.stages.store - run.stages.engine - decode;
          const overhead = storeRate / rate - 1;
          ctx.log(
            `${c.name}: service ${rate.toFixed(0)}/s (${(run.events / run.toConsumedSeconds).toFixed(0)}/s to the last fetch handled), ` +
              `store alone ${storeRate.toFixed(0)}/s: overhead ${(overhead * 100).toFixed(0)} %; ` +
              `store ${perEvent(run.stages.store)} (of it the durable write ${perEvent(run.stages.flush)}, GC ${perEvent(run.stages.storeGc)}, on a core ${perEvent(run.stages.storeOnCpu)}, waiting for one ${perEvent(run.stages.storeWaitingForCpu)}), engine ${perEvent(run.stages.engine)}, decode ${perEvent(decode)}, ` +
              `produce, commit and the rest ${perEvent(rest)}, waiting for fetches ${perEvent(fetchWait)} µs/event; ` +
              `${run.decisions} decisions (store run ${alone.decisions})`,
          );
          // #20's yardstick: the service's windows stage (computed and made durable) against the store alone.
          const windowsRate = run.events / run.stages.store;
          ctx.log(
            `${c.name}: windows stage in the service ${windowsRate.toFixed(0)}/s = ${(windowsRate / storeRate).toFixed(2)} of ` +
              `the ${c.windows === 'partition' ? 'memory' : 'Redis'} store alone on the same events` +
              ` (on a core: ${(alone.storeOnCpuSeconds / run.stages.storeOnCpu).toFixed(2)})`,
          );
          // --paired: against a memory store applying the same batches beside the service's, in its run.
          const paired = run.stages.shadowCalls > 0 ? run.stages.shadow / run.stages.store : null;
          const pairedOnCpu = run.stages.shadowCalls > 0 ? run.stages.shadowOnCpu / run.stages.storeOnCpu : null;
          if (paired !== null)
            ctx.log(
              `${c.name}: a memory store beside it, same batches at the same moment: ${perEvent(run.stages.shadow)} µs/event ` +
                `(on a core ${perEvent(run.stages.shadowOnCpu)}): the windows stage is ${paired.toFixed(2)} of its rate ` +
                `(on a core ${pairedOnCpu!.toFixed(2)}); the service's own rate in this run carries the extra store`,
            );
          results.push({
            suite: 'detector',
            name: `${c.windows === 'partition' ? 'memory store' : 'Redis store'} applyBatch alone, same batches, ${c.name}`,
            count: alone.events,
            seconds: alone.storeSeconds,
            perSecond: storeRate,
            floorPerSecond: floor.perSecond,
            extra: {
              batches: alone.batches,
              eventsPerBatch: round(alone.events / alone.batches),
              redisCpuMicrosPerEvent: round((alone.redisCpuSeconds / alone.events) * 1e6),
              storeOnCpuMicrosPerEvent: round((alone.storeOnCpuSeconds / alone.events) * 1e6),
              storeGcMicrosPerEvent: round((alone.storeGcSeconds / alone.events) * 1e6),
              decodeMicrosPerEvent: round((alone.decodeSeconds / alone.events) * 1e6),
              engineMicrosPerEvent: round((alone.engineSeconds / alone.events) * 1e6),
              decisions: alone.decisions,
            },
          });
          results.push({
            suite: 'detector',
            name: `service topic→decisions, ${c.name}`,
            count: run.events,
            seconds: run.seconds,
            perSecond: rate,
            floorPerSecond: floor.perSecond,
            extra: {
              storeAlonePerS: Math.round(storeRate),
              serviceOverStore: round(rate / storeRate, 3),
              overheadPct: round(overhead * 100),
              batches: run.stages.storeCalls,
              storeMicrosPerEvent: perEvent(run.stages.store),
              storeFlushMicrosPerEvent: perEvent(run.stages.flush),
              storeGcMicrosPerEvent: perEvent(run.stages.storeGc),
              windowsStagePerS: Math.round(windowsRate),
              windowsStageOverStoreAlone: round(windowsRate / storeRate, 3),
              windowsStageOverStoreAloneOnCpu: round(alone.storeOnCpuSeconds / run.stages.storeOnCpu, 3),
              storeOnCpuMicrosPerEvent: perEvent(run.stages.storeOnCpu),
              storeWaitingForCpuMicrosPerEvent: perEvent(run.stages.storeWaitingForCpu),
              ...(paired !== null
                ? {
                    pairedMemoryMicrosPerEvent: perEvent(run.stages.shadow),
                    windowsStageOverPairedMemory: round(paired, 3),
                    windowsStageOverPairedMemoryOnCpu: round(pairedOnCpu!, 3),
                  }
                : {}),
              engineMicrosPerEvent: perEvent(run.stages.engine),
              decodeMicrosPerEvent: perEvent(decode),
              produceCommitAndRestMicrosPerEvent: perEvent(rest),
              fetchWaitMicrosPerEvent: perEvent(fetchWait),
              idleFlushWaitMs: IDLE_FLUSH_MS,
              cpuMicrosPerEvent: perEvent(run.cpuSeconds),
              redisCpuMicrosPerEvent: perEvent(run.redisCpuSeconds),
              producerCpuMicrosPerEvent: perEvent(run.producerCpuSeconds),
              decisions: run.decisions,
              ...Object.fromEntries(
                Object.entries(run.histograms)
                  .filter(([k]) => k.includes('_sum') && k !== 'vigil_batch_seconds_sum')
                  .map(([k, v]) => [k.replace(/"/g, ''), round(v, 2)]),
              ),
            },
          });
          const asked = process.argv.indexOf('--latency-rate');
          const perSecond =
            asked >= 0 ? Number(process.argv[asked + 1]) : Math.max(100, Math.round(rate / 2 / 100) * 100);
          if (!(perSecond > 0))
            throw new Error(`--latency-rate takes events per second > 0, got ${process.argv[asked + 1]}`);
          const lat = await latency(service, file, perSecond, latencySeconds, topics, broker, reader.seen);
          const ms = (xs: number[], p: number) => Math.round(percentile(xs, p));
          ctx.log(
            `${c.name}: at ${lat.perSecond.toFixed(0)}/s, ${lat.latencies.length} of ${lat.bursts} bursts decided: ` +
              `produce→decision p50 ${ms(lat.latencies, 0.5)} ms, p99 ${ms(lat.latencies, 0.99)} ms; ` +
              `batch close→decision p50 ${ms(lat.afterClose, 0.5)} ms, p99 ${ms(lat.afterClose, 0.99)} ms; lag at end ${lat.lagAtEnd}`,
          );
          results.push({
            suite: 'detector',
            name: `latency at half that rate, ${c.name}`,
            count: lat.latencies.length,
            seconds: lat.seconds,
            perSecond: lat.perSecond,
            unit: 'events',
            extra: {
              bursts: lat.bursts,
              undecided: lat.bursts - lat.latencies.length,
              p50Ms: ms(lat.latencies, 0.5),
              p99Ms: ms(lat.latencies, 0.99),
              maxMs: ms(lat.latencies, 1),
              afterCloseP50Ms: ms(lat.afterClose, 0.5),
              afterCloseP99Ms: ms(lat.afterClose, 0.99),
              lagAtEnd: lat.lagAtEnd,
            },
          });
        } finally {
          await service.close();
          await reader.stop();
        }
      }
    } finally {
      timing.restore();
      await admin.disconnect();
      redis.disconnect();
      await Promise.all([broker.stop(), redisServer.stop()]);
    }
    return results;
  },
};
