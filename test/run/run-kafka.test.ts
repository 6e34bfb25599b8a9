/**
 * `vigil run --kafka BROKERS --redis URL`, the all-in-one process on Kafka, as an operator starts it: the
 * built CLI in a child process against the librdkafka mock broker and a throwaway redis-server, fed raw
 * Kong lines on its raw topic while it runs. It decides what `vigil replay` decides on the same lines,
 * produces those decisions to the decisions topic, and on SIGTERM commits what it consumed and exits 0.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { CompressionTypes, Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { DEFAULT_TOPICS, parseDetectorConfig } from '../../apps/detector/src/config/detector-config';
import { startKafkaMock, type KafkaMock } from '../infra/kafka-broker';
import { describeExit, spawnOwned, type OwnedProcess } from '../infra/owned-process';
import { startRedisServer, type RedisServer } from '../infra/redis-server';
import { replayLines } from '../infra/replay-lines';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'apps', 'cli', 'bin', 'vigil.js');
const SAMPLE = join(ROOT, 'apps', 'cli', 'samples', 'bank-sample', 'traffic.kong.log.gz');
/** Five hundred lines of the sample's busy middle (a scraper fleet and a stuffing burst): 13 decisions. */
const SLICE = { from: 9000, lines: 500 };
const RAW_TOPIC = 'raw.kong';
/** The detector config's default output topics: `vigil run --kafka` names none. */
const OUTPUTS = Object.values(DEFAULT_TOPICS);
/** The consumer group `vigil run --kafka` joins without --group-id: the detector config's default. */
const GROUP = parseDetectorConfig({
  kafka: { brokers: ['unused:9092'] },
  sources: [{ topic: RAW_TOPIC, format: 'kong' }],
  redis: { url: 'redis://unused' },
}).kafka.groupId;
/** See test/smoke/kafka-smoke.test.ts: the mock's first join waits 3 s. */
const READER_TIMINGS = { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 } as const;

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('vigil run --kafka --redis', () => {
  let broker: KafkaMock;
  let redis: RedisServer;
  let kafka: Kafka;
  let reader: Consumer;
  let proc: OwnedProcess | undefined;
  let stderr = '';
  const decisions: KafkaMessage[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'vigil-run-kafka-'));
  const lines = gunzipSync(readFileSync(SAMPLE))
    .toString('utf8')
    .split('\n')
    .slice(SLICE.from, SLICE.from + SLICE.lines);

  beforeAll(async () => {
    [broker, redis] = await Promise.all([
      startKafkaMock({ topics: [RAW_TOPIC, ...OUTPUTS].map((name) => ({ name, partitions: 1 })) }),
      startRedisServer(),
    ]);
    kafka = new Kafka({ clientId: 'run-kafka-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    reader = kafka.consumer({ groupId: 'reader-decisions', ...READER_TIMINGS });
    await reader.connect();
    await reader.subscribe({ topic: DEFAULT_TOPICS.decisions, fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void decisions.push(message) });
  }, 60_000);

  afterAll(async () => {
    await proc?.stop({ graceMs: 1000 });
    await reader?.disconnect();
    await Promise.all([broker?.stop(), redis?.stop()]);
  }, 60_000);

  it('consumes raw lines from the topic, produces the decisions vigil replay makes, and exits 0 on SIGTERM', async () => {
    proc = await spawnOwned(
      'vigil run --kafka',
      process.execPath,
      [
        CLI,
        'run',
        '--source',
        'kong',
        '--kafka',
        broker.bootstrap,
        '--redis',
        redis.url,
        '--raw-topic',
        RAW_TOPIC,
        '--listen',
        '127.0.0.1:0',
        '--idle-flush-ms',
        '1000',
        // The mock names no controller, which kafkajs's idempotent producer needs.
        '--no-idempotent-producer',
      ],
      { env: { ...process.env, VIGIL_AUDIT_KEY: 'run-kafka-test-audit-key' } },
    );
    const child = proc;
    child.child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const why = () => `stderr:\n${stderr}`;
    let url = '';
    await waitFor(
      `the "listening on" line (${why()})`,
      () => {
        if (child.child.exitCode !== null) throw new Error(`vigil run exited early; ${why()}`);
        url = /vigil run: listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1] ?? '';
        return url !== '';
      },
      60_000,
    );
    await waitFor('/ready', async () => (await fetch(`${url}/ready`)).status === 200, 30_000);

    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < lines.length; i += 100) {
      await producer.send({
        topic: RAW_TOPIC,
        compression: CompressionTypes.GZIP,
        messages: lines.slice(i, i + 100).map((value) => ({ value })),
      });
    }
    await producer.disconnect();

    const { decisions: expected } = await replayLines(dir, 'slice', lines);
    expect(expected.length).toBeGreaterThan(0);

    // The last detection batch closes on the idle flush once the topic goes quiet.
    await waitFor(`${expected.length} decisions (${why()})`, () => decisions.length >= expected.length, 45_000);
    expect(decisions.map((m) => JSON.parse(m.value!.toString()))).toEqual(expected);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain(`vigil_events_consumed_total{source="${RAW_TOPIC}",outcome="event"} ${lines.length}`);

    child.child.kill('SIGTERM');
    const patience = new AbortController();
    const exit = await Promise.race([child.exited, sleep(20_000, null, { signal: patience.signal }).catch(() => null)]);
    patience.abort();
    if (!exit) throw new Error(`vigil run did not exit within 20 s of SIGTERM; ${why()}`);
    expect(describeExit(exit)).toBe(describeExit({ code: 0, signal: null }));
    expect(stderr).toContain('"msg":"detector stopped"');

    // Everything consumed was committed by the clean stop.
    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [RAW_TOPIC] });
    await admin.disconnect();
    expect(committed!.partitions[0]!.offset).toBe(String(lines.length));
  }, 150_000);
});
