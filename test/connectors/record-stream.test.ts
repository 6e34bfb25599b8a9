import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import {
  FileRecordSource,
  jsonEncoder,
  KafkaRecordProducer,
  KafkaRecordSource,
  NdjsonRecordSink,
  type RecordSource,
} from '@vigil/connectors';
import { startKafkaMock, type KafkaMock } from '../infra/kafka-broker';
import { readRecords, recordStreamContract } from './record-stream.contract';

/** See test/smoke/kafka-smoke.test.ts: the mock's first join waits 3 s; 6 s sessions stay well above it. */
export const MOCK_CONSUMER_TIMINGS = { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 } as const;

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-record-stream-'));
  recordStreamContract('file source, NDJSON sink', () => ({
    async newStream(name) {
      const path = join(dir, `${name}.ndjson`);
      writeFileSync(path, '');
      return path;
    },
    sink: (path) => NdjsonRecordSink.open(path, undefined, { append: true }),
    async append(path, values) {
      for (const v of values) appendFileSync(path, Buffer.concat([v, Buffer.from('\n')]));
    },
    source: (path, reader) => new FileRecordSource({ path, batchLines: 4, offsetsFile: `${path}.${reader}.offsets` }),
  }));
});

describe('Kafka (librdkafka mock broker)', () => {
  let broker: KafkaMock;
  let kafka: Kafka;
  let producer: KafkaRecordProducer;
  const open = new Set<RecordSource>();

  beforeAll(async () => {
    broker = await startKafkaMock({ brokers: 3 });
    kafka = new Kafka({ clientId: 'contract', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    // The mock names no controller, which kafkajs's idempotent producer needs (see KafkaRecordProducer).
    producer = new KafkaRecordProducer(kafka, { idempotent: false });
    await producer.connect();
  }, 20_000);

  afterAll(async () => {
    await Promise.all([...open].map((s) => s.close()));
    await producer?.close();
    await broker?.stop();
  }, 20_000);

  let n = 0;
  recordStreamContract('KafkaRecordSource, KafkaRecordSink', () => ({
    async newStream(name) {
      const topic = `contract-${name}-${n++}`;
      await broker.createTopic(topic, 1);
      return topic;
    },
    sink: (topic) => producer.sink(topic, jsonEncoder<Record<string, unknown>>()),
    append: (topic, values) =>
      producer.send(
        topic,
        values.map((value) => ({ key: null, value })),
      ),
    source(topic, reader) {
      const s = new KafkaRecordSource({
        kafka,
        groupId: `${topic}-${reader}`,
        topics: [topic],
        consumer: { ...MOCK_CONSUMER_TIMINGS, maxBytesPerPartition: 64 },
      });
      open.add(s);
      return s;
    },
  }));

  it('keeps bytes that are not UTF-8, keys and headers exactly as produced', async () => {
    const topic = `contract-bytes-${n++}`;
    await broker.createTopic(topic, 1);
    const value = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0xc3, 0x28, 0x0a]);
    await producer.send(topic, [{ key: 'k1', value, headers: { 'x-origin': 'gateway-7' } }]);
    const source = new KafkaRecordSource({
      kafka,
      groupId: `${topic}-g`,
      topics: [topic],
      consumer: MOCK_CONSUMER_TIMINGS,
    });
    open.add(source);
    const [record] = await readRecords(source, 1);
    await source.close();
    expect(record!.value!.toString('hex')).toBe(value.toString('hex'));
    expect(record!.key!.toString()).toBe('k1');
    expect(record!.headers).toEqual({ 'x-origin': 'gateway-7' });
  });
});
