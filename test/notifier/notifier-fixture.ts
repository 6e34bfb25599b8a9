/**
 * The notifier for integration tests: a librdkafka mock broker with the alerts, dead-letter and
 * re-publish topics, readers of the output topics from the start, and the notifier either in-process
 * (createNotifierApp from a config parseNotifierConfig validated, the surface main.ts uses) or as the
 * built `apps/notifier/dist/main.js` child process (so SIGKILL kills what production runs).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import type { SiemAlert } from '@vigil/connectors';
import { createLogger } from '@vigil/platform';
import { createNotifierApp, type NotifierApp } from '../../apps/notifier/src/app';
import { parseNotifierConfig } from '../../apps/notifier/src/config/notifier-config';
import { MOCK_GROUP_TIMINGS } from '../detector/detector-fixture';
import { getFreePort } from '../infra/free-port';
import { startKafkaMock, type KafkaMock } from '../infra/kafka-broker';
import { spawnOwned, type OwnedProcess } from '../infra/owned-process';

export { waitFor, metricValue, headerText } from '../detector/detector-fixture';

export const NOTIFIER_TOPICS = {
  alerts: 'vigil.alerts',
  deadLetters: 'vigil.notifier.dead-letters',
  republished: 'siem.alerts.cef',
} as const;

const ROOT = join(__dirname, '..', '..');
export const NOTIFIER_MAIN = join(ROOT, 'apps', 'notifier', 'dist', 'main.js');

/** An alert as the detector writes it, with its own id. */
export function alertOf(id: string, overrides: Partial<SiemAlert> = {}): SiemAlert {
  return {
    id,
    ts: 1_700_000_000_000,
    detector: 'credential_stuffing',
    severity: 'high',
    entity: { type: 'ip', value: '203.0.113.7' },
    score: 0.91,
    reasons: [{ feature: 'ip.failed_login_ratio_10m', value: 0.97, baseline: 0.05 }],
    decisionIds: [`d-${id}`],
    ...overrides,
  };
}

/** The config's Kafka section for the mock: its timings, its missing controller. */
export function kafkaSection(broker: KafkaMock, groupId: string): Record<string, unknown> {
  return {
    brokers: broker.brokers,
    groupId,
    idempotentProducer: false, // the mock names no controller (see KafkaRecordProducer)
    sessionTimeoutMs: MOCK_GROUP_TIMINGS.sessionTimeout,
    heartbeatIntervalMs: MOCK_GROUP_TIMINGS.heartbeatInterval,
    maxWaitTimeMs: MOCK_GROUP_TIMINGS.maxWaitTimeInMs,
    topics: { alerts: NOTIFIER_TOPICS.alerts, deadLetters: NOTIFIER_TOPICS.deadLetters },
  };
}

export interface NotifierBroker {
  readonly broker: KafkaMock;
  readonly kafka: Kafka;
  /** Every message read so far from the dead-letter and re-publish topics. */
  readonly outputs: { readonly deadLetters: KafkaMessage[]; readonly republished: KafkaMessage[] };
  /** The output readers have joined their groups (they read from the beginning either way). */
  readonly readersJoined: Promise<void>;
  /** Produces values (alerts as JSON, or raw buffers/strings) to the alerts topic, acknowledged. */
  produce(values: readonly (SiemAlert | string | Buffer)[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startNotifierBroker(): Promise<NotifierBroker> {
  const broker = await startKafkaMock({
    topics: Object.values(NOTIFIER_TOPICS).map((name) => ({ name, partitions: 1 })),
  });
  const kafka = new Kafka({ clientId: 'notifier-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  const outputs = { deadLetters: [] as KafkaMessage[], republished: [] as KafkaMessage[] };
  const readers: Consumer[] = [];
  const stop = async () => {
    await producer.disconnect();
    await Promise.all(readers.map((r) => r.disconnect()));
    await broker.stop();
  };
  const startReader = async (name: 'deadLetters' | 'republished') => {
    const reader = kafka.consumer({ groupId: `reader-${name}`, ...MOCK_GROUP_TIMINGS });
    readers.push(reader);
    await reader.connect();
    await reader.subscribe({ topic: NOTIFIER_TOPICS[name], fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void outputs[name].push(message) });
  };
  try {
    await producer.connect();
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  // Each group's first join waits 3 s on the mock: the readers join while the caller starts the notifier.
  const readersJoined = Promise.all([startReader('deadLetters'), startReader('republished')]).then(() => undefined);
  readersJoined.catch(() => undefined);
  return {
    broker,
    kafka,
    outputs,
    readersJoined,
    produce: async (values) =>
      void (await producer.send({
        topic: NOTIFIER_TOPICS.alerts,
        messages: values.map((v) => ({
          key: typeof v === 'object' && !Buffer.isBuffer(v) && v.entity ? `${v.entity.type}:${v.entity.value}` : null,
          value: typeof v === 'string' || Buffer.isBuffer(v) ? v : JSON.stringify(v),
        })),
      })),
    stop,
  };
}

export interface InProcessNotifier {
  readonly app: NotifierApp;
  readonly baseUrl: string;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

/** The notifier in this process, from a raw config (validated here) and an environment for its secrets. */
export async function startNotifier(
  raw: Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<InProcessNotifier> {
  const config = parseNotifierConfig({ http: { host: '127.0.0.1', port: 0 }, logLevel: 'warn', ...raw }, env);
  const app = await createNotifierApp(config, {
    log: createLogger({ name: 'notifier-test', level: 'error' }),
    defaultMetrics: false,
  });
  await app.app.listen(0, '127.0.0.1');
  const { port } = app.app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    baseUrl,
    metrics: async () => (await fetch(`${baseUrl}/metrics`)).text(),
    stop: () => app.app.close(),
  };
}

export interface NotifierProcess {
  readonly name: string;
  readonly process: OwnedProcess;
  readonly baseUrl: string;
  /** /ready answers 200 (every destination joined its group). */
  ready(): Promise<boolean>;
}

/** Starts `node apps/notifier/dist/main.js --config <file>`; the build must be current (`npm run build`). */
export async function startNotifierProcess(
  name: string,
  raw: Record<string, unknown>,
  dir: string,
  env: Record<string, string> = {},
): Promise<NotifierProcess> {
  if (!existsSync(NOTIFIER_MAIN))
    throw new Error(`${NOTIFIER_MAIN} is missing: run npx tsc -b tsconfig.build.json first`);
  const port = await getFreePort();
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ logLevel: 'warn', ...raw, http: { host: '127.0.0.1', port } }));
  const proc = await spawnOwned(name, process.execPath, [NOTIFIER_MAIN, '--config', file], {
    env: { ...process.env, ...env },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    name,
    process: proc,
    baseUrl,
    async ready() {
      try {
        return (await fetch(`${baseUrl}/ready`)).status === 200;
      } catch {
        return false;
      }
    },
  };
}
