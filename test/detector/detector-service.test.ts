/**
 * The detector service end to end, in-process: raw Kong lines on a Kafka topic (the librdkafka mock
 * broker) → the Nest app with Redis windows → decisions on the decisions topic, compared with what
 * `vigil replay` decides on the same lines; hostile records land on the dead-letter topic with their
 * bytes and a reason header while the service keeps consuming; a stop commits everything it consumed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { CompressionTypes, Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import {
  confluentFrame,
  createSourceDecoder,
  encodeAccessEventAvro,
  parseSourceConfig,
  type AccessEvent,
} from '@vigil/events';
import { compareShadowDecisions, type ShadowReport } from '@vigil/detection';
import { createLogger } from '@vigil/platform';
import { createDetectorApp, type DetectorApp } from '../../apps/detector/src/app';
import { parseDetectorConfig } from '../../apps/detector/src/config/detector-config';
import { startKafkaMock, type KafkaMock } from '../infra/kafka-broker';
import { startRedisServer, type RedisServer } from '../infra/redis-server';
import { replayLines } from '../infra/replay-lines';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'apps', 'cli', 'bin', 'vigil.js');
const SAMPLE = join(ROOT, 'apps', 'cli', 'samples', 'bank-sample', 'traffic.kong.log.gz');
const LINES = 3000;
const SHADOW_MODEL = join(ROOT, 'models', 'credential-stuffing', '1.0.0');
const TOPICS = {
  kong: 'raw.kong',
  avro: 'raw.avro',
  decisions: 'vigil.decisions',
  alerts: 'vigil.alerts',
  audit: 'vigil.audit',
  deadLetters: 'vigil.dead-letters',
};
/** See test/smoke/kafka-smoke.test.ts: the mock's first join waits 3 s. */
const TIMINGS = { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 } as const;

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('detector service on Kafka and Redis', () => {
  let broker: KafkaMock;
  let redis: RedisServer;
  let kafka: Kafka;
  let detector: DetectorApp;
  let baseUrl: string;
  const consumers: Consumer[] = [];
  const got: Record<string, KafkaMessage[]> = { decisions: [], alerts: [], audit: [], deadLetters: [] };
  const dir = mkdtempSync(join(tmpdir(), 'vigil-detector-'));
  const lines = gunzipSync(readFileSync(SAMPLE)).toString('utf8').split('\n').slice(0, LINES);

  beforeAll(async () => {
    [broker, redis] = await Promise.all([
      startKafkaMock({
        brokers: 3,
        topics: Object.values(TOPICS).map((name) => ({ name, partitions: 1 })),
      }),
      startRedisServer(),
    ]);
    kafka = new Kafka({ clientId: 'detector-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    // Read every output topic from the start while the service runs.
    for (const [name, topic] of Object.entries({
      decisions: TOPICS.decisions,
      alerts: TOPICS.alerts,
      audit: TOPICS.audit,
      deadLetters: TOPICS.deadLetters,
    })) {
      const c = kafka.consumer({ groupId: `reader-${name}`, ...TIMINGS });
      consumers.push(c);
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      await c.run({ eachMessage: async ({ message }) => void got[name]!.push(message) });
    }
    const config = parseDetectorConfig({
      kafka: {
        brokers: broker.brokers,
        groupId: 'vigil-detector-test',
        idempotentProducer: false, // the mock names no controller (see KafkaRecordProducer)
        sessionTimeoutMs: TIMINGS.sessionTimeout,
        heartbeatIntervalMs: TIMINGS.heartbeatInterval,
        maxWaitTimeMs: TIMINGS.maxWaitTimeInMs,
        topics: {
          decisions: TOPICS.decisions,
          alerts: TOPICS.alerts,
          audit: TOPICS.audit,
          deadLetters: TOPICS.deadLetters,
        },
      },
      sources: [
        { topic: TOPICS.kong, format: 'kong' },
        { topic: TOPICS.avro, format: 'avro', avroSchemas: { '1': 'v2' } },
      ],
      redis: { url: redis.url },
      // A challenger scored in shadow beside the active models, as `vigil replay --shadow-models`. The
      // service keeps up with the producer here, so a producer stalled on a loaded machine longer than
      // the idle flush would close a batch where the replay does not: the flush waits longer than any stall.
      detection: { idleFlushMs: 4000, shadowModels: [SHADOW_MODEL] },
      http: { port: 0, host: '127.0.0.1' },
      logLevel: 'warn',
    });
    detector = await createDetectorApp(config, {
      log: createLogger({ name: 'detector-test', level: 'warn' }),
      defaultMetrics: false,
    });
    await detector.app.listen(0, '127.0.0.1');
    const { port } = detector.app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
  }, 60_000);

  afterAll(async () => {
    await detector?.app.close();
    await Promise.all(consumers.map((c) => c.disconnect()));
    await Promise.all([broker?.stop(), redis?.stop()]);
  }, 60_000);

  it('decides on Kafka exactly what vigil replay decides on the same lines', async () => {
    await waitFor('the detector to be ready', async () => (await fetch(`${baseUrl}/ready`)).status === 200);
    // Terminus health checks: what is up, by name.
    expect(await (await fetch(`${baseUrl}/ready`)).json()).toMatchObject({
      status: 'ok',
      info: { kafka: { status: 'up', joined: true }, redis: { status: 'up' } },
    });
    expect(await (await fetch(`${baseUrl}/health`)).json()).toMatchObject({
      status: 'ok',
      info: { detector: { status: 'up', state: 'running' } },
    });
    // Produced while the service consumes (the mock keeps only the last few MB of a partition), gzip
    // batches of 250 lines.
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < lines.length; i += 250) {
      await producer.send({
        topic: TOPICS.kong,
        compression: CompressionTypes.GZIP,
        messages: lines.slice(i, i + 250).map((value) => ({ value })),
      });
    }
    await producer.disconnect();

    const { decisions: expected, alerts: expectedAlerts } = await replayLines<{
      scope: string;
      value: unknown;
      shadow: boolean;
    }>(dir, 'slice', lines, ['--shadow-models', SHADOW_MODEL]);
    expect(expected.length).toBeGreaterThan(0);

    // The last detection batch closes on the idle flush once the topic goes quiet.
    await waitFor('every decision', () => got.decisions!.length >= expected.length, 45_000);
    await waitFor('every alert', () => got.alerts!.length >= expectedAlerts.length, 10_000);
    const decisions = got.decisions!.map((m) => JSON.parse(m.value!.toString()));
    expect(decisions).toEqual(expected);
    expect(got.decisions!.map((m) => m.key!.toString())).toEqual(
      // A shadow decision has a key of its own, so it never replaces the champion's on the compacted topic.
      expected.map(
        (d: { scope: string; value: unknown; shadow: boolean }) =>
          (d.shadow ? 'shadow|' : '') +
          (d.scope === 'signature'
            ? `signature:${Object.entries(d.value as Record<string, string>)
                .map(([k, v]) => `${k}=${v}`)
                .join('&')}`
            : `${d.scope}:${d.value}`),
      ),
    );
    expect(got.alerts!.map((m) => JSON.parse(m.value!.toString()))).toEqual(expectedAlerts);
    // Every decision and alert is audited (a start record first).
    await waitFor('audit lines', () => got.audit!.length >= 1 + expected.length + expectedAlerts.length, 10_000);

    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toContain(`vigil_events_consumed_total{source="${TOPICS.kong}",outcome="event"} ${LINES}`);
    expect(metrics).toMatch(/vigil_decisions_total\{detector="[a-z-]+",action="[a-z_]+"\} \d+/);
    expect(metrics).toContain('vigil_batch_seconds_bucket');
    // The challenger's decisions are on the topic, marked shadow, and counted apart.
    const shadow = decisions.filter((d: { shadow: boolean }) => d.shadow);
    expect(shadow.length).toBeGreaterThan(0);
    expect(metrics).toContain(
      `vigil_shadow_decisions_total{detector="credential-stuffing",action="block"} ${shadow.filter((d: { action: string }) => d.action === 'block').length}`,
    );
    expect(metrics).toMatch(
      /vigil_model_info\{detector="credential-stuffing",version="1\.0\.0",backend="[a-z]+",role="shadow"\} 1/,
    );
    // Champion against challenger: the service's counters are the comparison of what it produced, and
    // vigil models shadow-report reads the topic dumped as kcat -K'\t' prints it (key TAB value).
    const comparison = compareShadowDecisions(decisions, { detectors: ['credential-stuffing'] }).detectors[0]!;
    expect(comparison.targets.challenger).toBeGreaterThan(0);
    for (const side of ['champion', 'challenger'] as const)
      expect(metrics).toContain(
        `vigil_shadow_comparison_targets_total{detector="credential-stuffing",side="${side}"} ${comparison.targets[side]}`,
      );
    expect(metrics).toContain(
      `vigil_shadow_comparison_both_total{detector="credential-stuffing"} ${comparison.targets.both}`,
    );
    const dump = join(dir, 'decisions-topic.tsv');
    writeFileSync(dump, got.decisions!.map((m) => `${m.key!.toString()}\t${m.value!.toString()}`).join('\n') + '\n');
    const report = await run(process.execPath, [CLI, 'models', 'shadow-report', '--decisions', dump, '--json']);
    const fromDump = JSON.parse(report.stdout) as { report: ShadowReport; input: { decisions: number } };
    expect(fromDump.input.decisions).toBe(decisions.length);
    expect(fromDump.report.detectors).toEqual([comparison]);
    expect(metrics).toMatch(new RegExp(`vigil_consumer_lag\\{topic="${TOPICS.kong}",partition="0"\\} 0`));

    // Everything consumed is committed once the quiet partition's held events were detected.
    const admin = kafka.admin();
    await admin.connect();
    await waitFor('the commit after the idle flush', async () => {
      const [committed] = await admin.fetchOffsets({ groupId: 'vigil-detector-test', topics: [TOPICS.kong] });
      return committed!.partitions[0]!.offset === String(LINES);
    });
    await admin.disconnect();
  }, 120_000);

  it('dead-letters garbage bytes and an unknown Avro schema id with a reason header and keeps consuming', async () => {
    const garbage = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x7b, 0xff]);
    const decoded = createSourceDecoder('kong', parseSourceConfig({}, 'test')).decode(lines[0]!);
    if (!decoded.ok) throw new Error(decoded.detail);
    const good: AccessEvent = decoded.value;
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: TOPICS.kong, messages: [{ key: 'k-garbage', value: garbage }] });
    await producer.send({
      topic: TOPICS.avro,
      messages: [
        { value: confluentFrame(99, encodeAccessEventAvro(good)) },
        { value: confluentFrame(1, encodeAccessEventAvro(good)) },
      ],
    });
    await producer.disconnect();

    await waitFor('two dead letters', () => got.deadLetters!.length >= 2);
    const byReason = new Map(got.deadLetters!.map((m) => [String(m.headers!['vigil-dead-letter-reason']), m]));
    expect([...byReason.keys()].sort()).toEqual(['malformed_json', 'unknown_schema_id']);
    expect(byReason.get('malformed_json')!.value!.toString('hex')).toBe(garbage.toString('hex'));
    expect(byReason.get('malformed_json')!.key!.toString()).toBe('k-garbage');
    expect(String(byReason.get('unknown_schema_id')!.headers!['vigil-source'])).toBe(TOPICS.avro);
    expect(String(byReason.get('unknown_schema_id')!.headers!['vigil-source-position'])).toBe('partition 0 offset 0');

    // The good Avro record after the bad one was decoded and counted: the service kept consuming.
    await waitFor('the good Avro event', async () => {
      const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
      return metrics.includes(`vigil_events_consumed_total{source="${TOPICS.avro}",outcome="event"} 1`);
    });
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toContain('vigil_dead_letters_total{reason="unknown_schema_id"} 1');
    expect(metrics).toContain('vigil_dead_letters_total{reason="malformed_json"} 1');
    expect((await fetch(`${baseUrl}/health`)).status).toBe(200);
  }, 60_000);
});
