/**
 * The detector service in-process for integration tests: a librdkafka mock broker with the service's
 * topics, a throwaway redis-server, readers collecting every output topic from the start, and the Nest
 * app built through `createDetectorApp` from a config `parseDetectorConfig` validated — the same surface
 * `main.ts` uses, so tests keep working whatever the service does inside.
 */
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel, type Consumer, type KafkaMessage, type Message } from 'kafkajs';
import { createLogger } from '@vigil/platform';
import { createDetectorApp, type DetectorApp } from '../../apps/detector/src/app';
import { parseDetectorConfig } from '../../apps/detector/src/config/detector-config';
import { startKafkaMock, type KafkaMock } from '../infra/kafka-broker';
import { startRedisServer, type RedisServer } from '../infra/redis-server';

export const DETECTOR_TOPICS = {
  kong: 'raw.kong',
  avro: 'raw.avro',
  decisions: 'vigil.decisions',
  alerts: 'vigil.alerts',
  audit: 'vigil.audit',
  deadLetters: 'vigil.dead-letters',
} as const;

export type OutputName = 'decisions' | 'alerts' | 'audit' | 'deadLetters';

/** See test/infra/kafka-mock/mock-broker.c: the mock's first join waits 3 s, later rebalances session − 1 s. */
export const MOCK_GROUP_TIMINGS = { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 } as const;

export const DETECTOR_GROUP_ID = 'vigil-detector-test';

/** Avro schema id the stack's avro source maps to the bundled v2 AccessEvent schema. */
export const AVRO_SCHEMA_ID = 1;

export interface DetectorStackOptions {
  /** `detection` section (default: baselines only, idle flush after 1 s). */
  readonly detection?: Record<string, unknown>;
  /** `source` section (the mapping `vigil replay --config` takes). */
  readonly source?: Record<string, unknown>;
  /** More of the `redis` section (windows, maxEntitiesPerPartition, …); the url is the stack's. */
  readonly redis?: Record<string, unknown>;
}

export interface DetectorStack {
  readonly broker: KafkaMock;
  readonly redis: RedisServer;
  /** A client of the broker for the test's own producers and admin. */
  readonly kafka: Kafka;
  readonly detector: DetectorApp;
  readonly baseUrl: string;
  /** Every message read from each output topic so far, in order. */
  readonly outputs: Readonly<Record<OutputName, KafkaMessage[]>>;
  /** Sends `messages` to `topic` in one request and resolves once the broker acknowledged them. */
  produce(topic: string, messages: Message[]): Promise<void>;
  /** The service's /metrics text. */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

export async function startDetectorStack(options: DetectorStackOptions = {}): Promise<DetectorStack> {
  const [broker, redis] = await Promise.all([
    startKafkaMock({ brokers: 1, topics: Object.values(DETECTOR_TOPICS).map((name) => ({ name, partitions: 1 })) }),
    startRedisServer(),
  ]);
  const kafka = new Kafka({ clientId: 'detector-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const outputs: Record<OutputName, KafkaMessage[]> = { decisions: [], alerts: [], audit: [], deadLetters: [] };
  const readers: Consumer[] = [];
  let detector: DetectorApp | undefined;
  const producer = kafka.producer();
  const stop = async () => {
    await detector?.app.close();
    await producer.disconnect();
    await Promise.all(readers.map((c) => c.disconnect()));
    await Promise.all([broker.stop(), redis.stop()]);
  };
  try {
    await producer.connect();
    for (const name of Object.keys(outputs) as OutputName[]) {
      const reader = kafka.consumer({ groupId: `reader-${name}`, ...MOCK_GROUP_TIMINGS });
      readers.push(reader);
      await reader.connect();
      await reader.subscribe({ topic: DETECTOR_TOPICS[name], fromBeginning: true });
      await reader.run({ eachMessage: async ({ message }) => void outputs[name].push(message) });
    }
    const config = parseDetectorConfig({
      kafka: {
        brokers: broker.brokers,
        groupId: DETECTOR_GROUP_ID,
        idempotentProducer: false, // the mock names no controller (see KafkaRecordProducer)
        sessionTimeoutMs: MOCK_GROUP_TIMINGS.sessionTimeout,
        heartbeatIntervalMs: MOCK_GROUP_TIMINGS.heartbeatInterval,
        maxWaitTimeMs: MOCK_GROUP_TIMINGS.maxWaitTimeInMs,
        topics: {
          decisions: DETECTOR_TOPICS.decisions,
          alerts: DETECTOR_TOPICS.alerts,
          audit: DETECTOR_TOPICS.audit,
          deadLetters: DETECTOR_TOPICS.deadLetters,
        },
      },
      sources: [
        { topic: DETECTOR_TOPICS.kong, format: 'kong' },
        { topic: DETECTOR_TOPICS.avro, format: 'avro', avroSchemas: { [String(AVRO_SCHEMA_ID)]: 'v2' } },
      ],
      redis: { ...options.redis, url: redis.url },
      detection: { models: 'none', idleFlushMs: 1000, ...options.detection },
      source: options.source ?? {},
      http: { port: 0, host: '127.0.0.1' },
      logLevel: 'warn',
    });
    detector = await createDetectorApp(config, {
      log: createLogger({ name: 'detector-test', level: 'warn' }),
      defaultMetrics: false,
    });
    await detector.app.listen(0, '127.0.0.1');
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  const { port } = detector.app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    broker,
    redis,
    kafka,
    detector,
    baseUrl,
    outputs,
    produce: async (topic, messages) => void (await producer.send({ topic, messages })),
    metrics: async () => (await fetch(`${baseUrl}/metrics`)).text(),
    stop,
  };
}

export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The value of one sample of the /metrics text (0 when the series has not been written yet). */
export function metricValue(metrics: string, series: string): number {
  for (const line of metrics.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return 0;
}

/** A header of a consumed message as text. */
export function headerText(message: KafkaMessage, name: string): string | undefined {
  const v = message.headers?.[name];
  return v === undefined ? undefined : String(v);
}
