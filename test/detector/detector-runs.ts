/**
 * Shared pieces of the detector's crash and scale-out tests: the detector as a real child process (the
 * built `apps/detector/dist/main.js`, so SIGKILL kills what production runs), its config, a steady
 * producer of sample lines, readers of the output topics, and a dump of the window state under one key
 * prefix so that two runs' Redis state can be compared key by key.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Cluster, Redis } from 'ioredis';
import { CompressionTypes, Kafka, logLevel, type Consumer } from 'kafkajs';
import { startKafkaMock, type KafkaMock } from '../infra/kafka-broker';
import { getFreePort } from '../infra/free-port';
import { MOCK_GROUP_TIMINGS as TIMINGS, waitFor } from './detector-fixture';
import { spawnOwned, type OwnedProcess } from '../infra/owned-process';

const ROOT = join(__dirname, '..', '..');
/** VIGIL_DETECTOR_MAIN runs the tests against another build (e.g. a deliberately broken one). */
export const DETECTOR_MAIN = process.env['VIGIL_DETECTOR_MAIN'] ?? join(ROOT, 'apps', 'detector', 'dist', 'main.js');
const SAMPLE = join(ROOT, 'apps', 'cli', 'samples', 'bank-sample', 'traffic.kong.log.gz');
export { waitFor } from './detector-fixture';

export function sampleLines(count: number): string[] {
  const lines = gunzipSync(readFileSync(SAMPLE)).toString('utf8').split('\n').filter(Boolean);
  if (lines.length < count) throw new Error(`the sample has ${lines.length} lines, ${count} asked for`);
  return lines.slice(0, count);
}

/** The gateway's usual partitioning: by client address, so one address's requests stay in order. */
export const clientIpOf = (line: string): string => /"client_ip":"([^"]+)"/.exec(line)?.[1] ?? '';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface OutputTopics {
  readonly decisions: string;
  readonly alerts: string;
  readonly audit: string;
  readonly deadLetters: string;
}

export const outputTopics = (run: string): OutputTopics => ({
  decisions: `${run}.decisions`,
  alerts: `${run}.alerts`,
  audit: `${run}.audit`,
  deadLetters: `${run}.dead-letters`,
});

export interface RunConfigOptions {
  readonly brokers: readonly string[];
  readonly rawTopic: string;
  readonly run: string;
  readonly redis: { url: string } | { cluster: string[] };
  readonly keyPrefix: string;
  /** Where the windows are computed (`redis.windows`): default the detector's (`scripts`). */
  readonly windows?: 'scripts' | 'partition';
  /** `kafka.repartition.topic`: the router re-keys `rawTopic` by client address onto it. */
  readonly repartitionTopic?: string;
  /** `kafka.repartition.lanes`: the router writes `rawTopic` to a topic per detection lane. */
  readonly repartitionLanes?: Readonly<Record<'address' | 'account' | 'apiKey' | 'logins', string>>;
}

/** One run's config: its own group, key prefix and output topics, so runs can share a broker and Redis. */
export function runConfig(o: RunConfigOptions): Record<string, unknown> {
  return {
    kafka: {
      brokers: o.brokers,
      clientId: `vigil-${o.run}`,
      groupId: `vigil-${o.run}`,
      idempotentProducer: false, // the mock names no controller (see KafkaRecordProducer)
      sessionTimeoutMs: TIMINGS.sessionTimeout,
      heartbeatIntervalMs: TIMINGS.heartbeatInterval,
      maxWaitTimeMs: TIMINGS.maxWaitTimeInMs,
      topics: outputTopics(o.run),
      ...(o.repartitionTopic ? { repartition: { topic: o.repartitionTopic } } : {}),
      ...(o.repartitionLanes ? { repartition: { lanes: o.repartitionLanes } } : {}),
    },
    sources: [{ topic: o.rawTopic, format: 'kong' }],
    redis: { ...o.redis, keyPrefix: o.keyPrefix, ...(o.windows ? { windows: o.windows } : {}) },
    // Longer than any pause of the steady producer: an idle flush would cut a batch by wall time.
    detection: { idleFlushMs: 4000 },
    logLevel: 'info',
  };
}

export interface DetectorProcess {
  readonly name: string;
  readonly process: OwnedProcess;
  readonly metricsUrl: string;
  /** `vigil_events_consumed_total` for outcome event, summed over sources (0 before the first fetch). */
  eventsConsumed(): Promise<number>;
  /** `vigil_partitions_assigned` (-1 while the metrics endpoint does not answer). */
  partitionsOwned(): Promise<number>;
  /** The /metrics text ('' while the endpoint does not answer). */
  metrics(): Promise<string>;
}

/** Starts `node apps/detector/dist/main.js --config <file>`; the build must be current (`npm run build`). */
export async function startDetectorProcess(
  name: string,
  config: Record<string, unknown>,
  dir: string,
): Promise<DetectorProcess> {
  if (!existsSync(DETECTOR_MAIN)) throw new Error(`${DETECTOR_MAIN} is missing: run npm run build first`);
  const port = await getFreePort();
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...config, http: { host: '127.0.0.1', port } }));
  const proc = await spawnOwned(name, process.execPath, [DETECTOR_MAIN, '--config', file]);
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  const scrape = async (): Promise<string | null> => {
    try {
      return await (await fetch(metricsUrl)).text();
    } catch {
      return null;
    }
  };
  return {
    name,
    process: proc,
    metricsUrl,
    async eventsConsumed() {
      const text = (await scrape()) ?? '';
      let n = 0;
      for (const m of text.matchAll(/^vigil_events_consumed_total\{[^}]*outcome="event"[^}]*\} (\d+)/gm))
        n += Number(m[1]);
      return n;
    },
    async partitionsOwned() {
      const m = /^vigil_partitions_assigned (\d+)/m.exec((await scrape()) ?? '');
      return m ? Number(m[1]) : -1;
    },
    async metrics() {
      return (await scrape()) ?? '';
    },
  };
}

/**
 * Produces `lines` at about `perSecond`, in small sends (the mock keeps only the last few MB of a
 * partition, so consumers must keep up, and an idle gap must never look like a quiet partition).
 */
export async function produceSteadily(
  kafka: Kafka,
  topic: string,
  lines: readonly string[],
  perSecond: number,
  keyOf?: (line: string) => string,
  /** Asked after every send: true ends the stream early (the lines produced so far stay). */
  enough?: (produced: number) => boolean,
): Promise<number> {
  const producer = kafka.producer();
  await producer.connect();
  const perSend = Math.max(1, Math.round(perSecond / 20));
  const started = Date.now();
  for (let i = 0; i < lines.length; i += perSend) {
    await producer.send({
      topic,
      compression: CompressionTypes.GZIP,
      messages: lines.slice(i, i + perSend).map((value) => ({ value, key: keyOf ? keyOf(value) : null })),
    });
    const due = started + ((i + perSend) / perSecond) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    if (enough?.(Math.min(lines.length, i + perSend))) {
      await producer.disconnect();
      return Math.min(lines.length, i + perSend);
    }
  }
  await producer.disconnect();
  return lines.length;
}

/** Every record of some topics from the beginning, as JSON, while the test runs. */
export class TopicReader {
  readonly records = new Map<string, unknown[]>();
  private consumer: Consumer | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: readonly string[],
    private readonly groupId: string,
  ) {
    for (const t of topics) this.records.set(t, []);
  }

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: this.groupId, ...TIMINGS });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.topics], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) =>
        void this.records.get(topic)!.push(JSON.parse(message.value!.toString())),
    });
  }

  of<T>(topic: string): T[] {
    return this.records.get(topic)! as T[];
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** The next offset of every partition of `topic` that `groupId` has committed (-1 where none). */
export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return t!.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Until each group has committed every partition of `topic` to its end (a last batch closes on the idle
 * flush); an empty partition has nothing to commit.
 */
export async function waitForCommitted(kafka: Kafka, groupIds: readonly string[], topic: string): Promise<void> {
  const end = await endOffsets(kafka, topic);
  for (const groupId of groupIds)
    await waitFor(
      `${groupId} to commit the whole topic`,
      async () => (await committedOffsets(kafka, groupId, topic)).every((o, i) => o === end[i] || end[i] === 0),
      90_000,
    );
}

export async function endOffsets(kafka: Kafka, topic: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.sort((a, b) => a.partition - b.partition).map((p) => Number(p.high));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Every key under `prefix` (the prefix cut off) → its content: a hash's fields (bytes, hex), a string's
 * bytes (HyperLogLogs); a partition's windows hash (`part:`, redis.windows: partition) one entry per field.
 * Partition checkpoints are reduced to the offset and watermark they record; their
 * engine state is compared through the decisions it makes. TTLs are wall-clock and left out.
 */
export async function windowState(client: Redis | Cluster, prefix: string): Promise<Map<string, string>> {
  if (client instanceof Cluster && client.status !== 'ready')
    await new Promise((resolve, reject) => client.once('ready', resolve).once('error', reject));
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  const out = new Map<string, string>();
  for (const key of keys.sort()) {
    const name = key.slice(prefix.length);
    const type = await client.type(key);
    if (type === 'hash' && name.startsWith('part:')) {
      // A partition's windows (redis.windows: partition): one entry per packed entity, and its meta.
      const h = await client.hgetallBuffer(key);
      // The owner epoch counts owners (each restart claims the partition): not state.
      for (const f of Object.keys(h).sort()) {
        if (f === '__owner') continue;
        const v = h[f]!;
        // The checkpoint beside the windows: its offset and watermark are state; the engine bytes are
        // compared through the decisions (V8 serialization need not be byte-stable across restores).
        if (f === '__ckpt') {
          const head = JSON.parse(v.subarray(4, 4 + v.readUInt32BE(0)).toString('utf8')) as Record<string, unknown>;
          out.set(`${name}#${f}`, `${String(head['offset'])}@${String(head['watermark'])}`);
        } else out.set(`${name}#${f}`, v.toString('hex'));
      }
    } else if (type === 'hash') {
      const h = await client.hgetallBuffer(key);
      const fields = name.startsWith('ckpt:') ? ['offset', 'watermark'] : Object.keys(h).sort();
      out.set(name, fields.map((f) => `${f}=${h[f]?.toString('hex') ?? ''}`).join(' '));
    } else if (type === 'string') {
      out.set(name, ((await client.getBuffer(key)) ?? Buffer.alloc(0)).toString('hex'));
    } else out.set(name, `<${type}>`);
  }
  return out;
}

/** Records by a stable identity (decisions extend under one id: the id and the time tell them apart). */
export function distinctRecords(records: readonly { id: string; ts: number }[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of records) out.set(`${r.id}@${r.ts}`, JSON.stringify(r));
  return out;
}

/** A mock broker with the raw topics and every run's outputs, a Redis, and a reader of the runs' outputs. */
export interface RunsStack<R> {
  readonly broker: KafkaMock;
  readonly redis: R;
  readonly kafka: Kafka;
  /** Reads every run's decisions and alerts from the start. */
  readonly reader: TopicReader;
  /** Detector processes started by the test: stopped by `stop()`. */
  readonly running: DetectorProcess[];
  /** Where the runs' config files go. */
  readonly dir: string;
  stop(): Promise<void>;
}

export async function startRunsStack<R extends { stop(): Promise<void> }>(o: {
  readonly name: string;
  readonly raw: readonly { name: string; partitions: number }[];
  readonly runs: readonly string[];
  readonly redis: () => Promise<R>;
}): Promise<RunsStack<R>> {
  const outputs = o.runs.map(outputTopics);
  const [broker, redis] = await Promise.all([
    startKafkaMock({
      topics: [...o.raw, ...outputs.flatMap((t) => Object.values(t)).map((name) => ({ name, partitions: 1 }))],
    }),
    o.redis(),
  ]);
  const kafka = new Kafka({ clientId: `${o.name}-test`, brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const reader = new TopicReader(
    kafka,
    outputs.flatMap((t) => [t.decisions, t.alerts]),
    `${o.name}-test-reader`,
  );
  await reader.start();
  const running: DetectorProcess[] = [];
  return {
    broker,
    redis,
    kafka,
    reader,
    running,
    dir: mkdtempSync(join(tmpdir(), `vigil-${o.name}-`)),
    async stop() {
      await Promise.all(running.map((p) => p.process.stop({ graceMs: 10_000 })));
      await reader.stop();
      await Promise.all([broker.stop(), redis.stop()]);
    },
  };
}
