/**
 * Re-keying by client address (`kafka.repartition`), end to end on the mock broker and redis-server with
 * `redis.windows: partition`: the raw lines produced with no key (round robin over four partitions, as a
 * shipper that keys by nothing) and routed by the detector onto a repartition topic, against the same
 * lines produced keyed by client address and read directly. Each address lands on the partition it would
 * have had, so the same entities live on the same partitions and the same addresses are decided on; and a
 * router retry's duplicates (records produced again with their source position) are recognised by it and
 * applied once.
 */
import { Redis } from 'ioredis';
import type { KafkaMessage } from 'kafkajs';
import { DEAD_LETTER_HEADERS, keyPartitioner } from '@vigil/connectors';
import type { Decision } from '@vigil/detection';
import { decodeAccessEventAvro } from '@vigil/events';
import { ROUTED_EVENT_AVRO, ROUTED_EVENT_HEADER } from '../../apps/detector/src/detection/key-router';
import { startRedisServer, type RedisServer } from '../infra/redis-server';
import { replayLines } from '../infra/replay-lines';
import { MOCK_GROUP_TIMINGS, metricValue } from './detector-fixture';
import {
  clientIpOf,
  outputTopics,
  produceSteadily,
  runConfig,
  sampleLines,
  sleep,
  startDetectorProcess,
  startRunsStack,
  waitFor,
  waitForCommitted,
  windowState,
  type DetectorProcess,
  type RunsStack,
} from './detector-runs';

const KEYED = 'raw.kong.keyed';
const LANES_RAW = 'raw.kong.for-lanes';
const LANES = {
  address: 'raw.kong.lane.address',
  account: 'raw.kong.lane.account',
  apiKey: 'raw.kong.lane.apikey',
  logins: 'raw.kong.lane.logins',
} as const;
/** The entity types each lane's partitions hold (libs/detection lanes.ts). */
const LANE_TYPES: Record<keyof typeof LANES, string[]> = {
  address: ['apiKey', 'ip', 'principal', 'subnet'],
  account: ['principal', 'session'],
  apiKey: ['apiKey'],
  logins: ['loginFlow'],
};
const UNKEYED = 'raw.kong.unkeyed';
const REPARTITION = 'raw.kong.by-address';
const PARTITIONS = 4;
const LINES = 5_000;
const PER_SECOND = 400;
const DUPLICATES = 60;

/** Per partition hash, the entity fields it holds (not their bytes: interleaving differs, see below). */
function entitiesByPartition(state: Map<string, string>, topic?: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const key of [...state.keys()].sort()) {
    if (!key.startsWith('part:')) continue;
    if (topic !== undefined && !key.startsWith(`part:{${topic}/`)) continue;
    const [hash, field] = key.split('#') as [string, string];
    if (field.startsWith('__')) continue;
    const partition = hash.slice(hash.lastIndexOf('/') + 1, hash.lastIndexOf('}'));
    out.set(partition, [...(out.get(partition) ?? []), field]);
  }
  return out;
}

describe('detector with kafka.repartition (windows: partition)', () => {
  let stack: RunsStack<RedisServer>;
  const direct = outputTopics('direct');
  const routed = outputTopics('routed');
  const laned = outputTopics('lanes');

  beforeAll(async () => {
    stack = await startRunsStack({
      name: 'repartition',
      raw: [KEYED, UNKEYED, REPARTITION, LANES_RAW, ...Object.values(LANES)].map((name) => ({
        name,
        partitions: PARTITIONS,
      })),
      runs: ['direct', 'routed', 'lanes'],
      redis: () => startRedisServer(),
    });
  }, 60_000);

  afterAll(() => stack?.stop(), 60_000);

  it('routes unkeyed raw lines by client address: the same entities per partition, the same addresses decided, duplicates applied once', async () => {
    const { kafka, reader, running, dir, redis } = stack;
    const base = { brokers: stack.broker.brokers, redis: { url: redis.url }, windows: 'partition' as const };
    const one = await startDetectorProcess(
      'direct',
      runConfig({ ...base, rawTopic: KEYED, run: 'direct', keyPrefix: 'direct:' }),
      dir,
    );
    const two = await startDetectorProcess(
      'routed',
      runConfig({ ...base, rawTopic: UNKEYED, run: 'routed', keyPrefix: 'routed:', repartitionTopic: REPARTITION }),
      dir,
    );
    running.push(one, two);
    const lines = sampleLines(LINES);
    await Promise.all([
      produceSteadily(kafka, KEYED, lines, PER_SECOND, clientIpOf),
      produceSteadily(kafka, UNKEYED, lines, PER_SECOND),
    ]);
    await waitForCommitted(kafka, ['vigil-direct'], KEYED);
    await waitForCommitted(kafka, ['vigil-routed.router'], UNKEYED);
    await waitForCommitted(kafka, ['vigil-routed'], REPARTITION);
    await sleep(2000);

    const metric = async (p: DetectorProcess, series: string) => metricValue(await p.metrics(), series);
    expect(await metric(two, `vigil_records_routed_total{source="${UNKEYED}"}`)).toBe(LINES);
    expect(await metric(two, `vigil_events_consumed_total{source="${REPARTITION}",outcome="event"}`)).toBe(LINES);
    expect(await metric(two, 'vigil_routed_duplicates_total')).toBe(0);
    // Read directly, the unkeyed lines would split addresses over partitions; routed, they are not split.
    expect(await metric(two, `vigil_records_not_keyed_by_address_total{topic="${REPARTITION}"}`)).toBe(0);
    expect(await metric(one, `vigil_records_not_keyed_by_address_total{topic="${KEYED}"}`)).toBe(0);

    const client = new Redis(redis.url);
    try {
      const [keyed, rekeyed] = await Promise.all([windowState(client, 'direct:'), windowState(client, 'routed:')]);
      // Every address (and what derives from it) on the partition keying by address gives it. The bytes
      // may differ: the router interleaves the four source partitions' records in its own order.
      const expected = entitiesByPartition(keyed);
      expect(expected.size).toBe(PARTITIONS);
      expect(entitiesByPartition(rekeyed)).toEqual(expected);
      // keyPartitioner (vigil evaluate --partitions, the scale bench) places addresses as the producers did.
      const partitionOf = keyPartitioner(PARTITIONS);
      for (const [partition, fields] of expected)
        for (const f of fields.filter((x) => x.startsWith('ip:')))
          expect([f, partitionOf(f.slice(3))]).toEqual([f, Number(partition)]);

      // Decisions on addresses: the same targets and actions.
      const ipTargets = (topic: string) =>
        [
          ...new Set(
            reader
              .of<Decision>(topic)
              .filter((d) => d.scope === 'ip')
              .map((d) => `${d.detector} ${d.action} ${d.value}`),
          ),
        ].sort();
      expect(ipTargets(direct.decisions).length).toBeGreaterThan(3);
      expect(ipTargets(routed.decisions)).toEqual(ipTargets(direct.decisions));

      // A router retry: some routed records produced again, as a router that crashed before its commit
      // would. They are recognised by their source position: nothing is applied twice.
      const again: { partition: number; message: KafkaMessage }[] = [];
      const peek = kafka.consumer({ groupId: 'repartition-test-peek', ...MOCK_GROUP_TIMINGS });
      await peek.connect();
      await peek.subscribe({ topic: REPARTITION, fromBeginning: true });
      await peek.run({
        eachMessage: async ({ partition, message }) => {
          if (again.length < DUPLICATES) again.push({ partition, message });
        },
      });
      await waitFor('records to copy', () => again.length >= DUPLICATES, 30_000);
      await peek.disconnect();
      const producer = kafka.producer();
      await producer.connect();
      for (const { partition, message } of again)
        await producer.send({
          topic: REPARTITION,
          messages: [{ partition, key: message.key, value: message.value, headers: message.headers }],
        });
      await producer.disconnect();
      await waitForCommitted(kafka, ['vigil-routed'], REPARTITION);
      await sleep(1500);
      expect(await metric(two, 'vigil_routed_duplicates_total')).toBe(DUPLICATES);
      expect(await metric(two, `vigil_events_consumed_total{source="${REPARTITION}",outcome="event"}`)).toBe(LINES);
      const after = await windowState(client, 'routed:');
      const entities = (m: Map<string, string>) =>
        new Map([...m].filter(([k]) => k.startsWith('part:') && !k.includes('#__')));
      expect(entities(after)).toEqual(entities(rekeyed));
      process.stdout.write(
        `repartition test: ${LINES} unkeyed lines routed, ${[...expected.values()].reduce((n, f) => n + f.length, 0)} entities ` +
          `on the partitions keying by address gives, ${ipTargets(routed.decisions).length} address decisions as read keyed, ` +
          `${DUPLICATES} duplicates recognised\n`,
      );
    } finally {
      client.disconnect();
    }
  }, 300_000);
  it('routes every line to each detection lane whose key it carries: each lane holds its own entity types, an account or key on one partition, and decides on accounts as vigil replay does', async () => {
    const { kafka, reader, running, dir, redis } = stack;
    const lanes = await startDetectorProcess(
      'lanes',
      runConfig({
        brokers: stack.broker.brokers,
        redis: { url: redis.url },
        windows: 'partition',
        rawTopic: LANES_RAW,
        run: 'lanes',
        keyPrefix: 'lanes:',
        repartitionLanes: LANES,
      }),
      dir,
    );
    running.push(lanes);
    const lines = sampleLines(LINES);
    await produceSteadily(kafka, LANES_RAW, lines, PER_SECOND);
    await waitForCommitted(kafka, ['vigil-lanes.router'], LANES_RAW);
    for (const topic of Object.values(LANES)) await waitForCommitted(kafka, ['vigil-lanes'], topic);
    await sleep(2000);

    const metrics = await lanes.metrics();
    const consumed = (topic: string) =>
      metricValue(metrics, `vigil_events_consumed_total{source="${topic}",outcome="event"}`);
    expect(metricValue(metrics, `vigil_records_routed_total{source="${LANES_RAW}"}`)).toBe(LINES);
    // Every line has a client address; fewer carry an account, a key, or are logins.
    expect(consumed(LANES.address)).toBe(LINES);
    for (const topic of [LANES.account, LANES.apiKey, LANES.logins]) {
      expect(consumed(topic)).toBeGreaterThan(0);
      expect(consumed(topic)).toBeLessThan(LINES);
    }

    // A lane carries the router's decoded event (its Avro twin), keyed by the lane's key, not the raw line.
    const peeked: KafkaMessage[] = [];
    const peek = kafka.consumer({ groupId: 'lanes-test-peek', ...MOCK_GROUP_TIMINGS });
    await peek.connect();
    await peek.subscribe({ topic: LANES.address, fromBeginning: true });
    await peek.run({ eachMessage: async ({ message }) => void (peeked.length < 200 && peeked.push(message)) });
    await waitFor('lane records to read', () => peeked.length >= 200, 30_000);
    await peek.disconnect();
    const rawBytes = lines.slice(0, 200).reduce((n, l) => n + Buffer.byteLength(l), 0);
    const laneBytes = peeked.reduce((n, m) => n + m.value!.length, 0);
    for (const m of peeked) {
      expect(m.headers?.[ROUTED_EVENT_HEADER]?.toString()).toBe(ROUTED_EVENT_AVRO);
      expect(decodeAccessEventAvro(m.value!).clientIp).toBe(m.key!.toString());
    }
    expect(laneBytes).toBeLessThan(rawBytes / 2);

    // A raw record that does not decode goes on as its own bytes (no event header) to the first lane,
    // where detection dead-letters it with the reason, as it would have read from the raw topic.
    const garbage = '{"request": not json';
    const deadLetters: string[][] = [];
    const dl = kafka.consumer({ groupId: 'lanes-test-dead-letters', ...MOCK_GROUP_TIMINGS });
    await dl.connect();
    await dl.subscribe({ topic: laned.deadLetters, fromBeginning: true });
    // A dead letter on Kafka is the record's own bytes, with why and where in headers.
    await dl.run({
      eachMessage: async ({ message }) =>
        void deadLetters.push([
          String(message.headers?.[DEAD_LETTER_HEADERS.reason]),
          String(message.headers?.[DEAD_LETTER_HEADERS.source]),
          message.value!.toString(),
        ]),
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: LANES_RAW, messages: [{ value: garbage }] });
    await producer.disconnect();
    await waitFor('the dead letter', () => deadLetters.length > 0, 30_000);
    await dl.disconnect();
    expect(deadLetters).toEqual([['malformed_json', LANES.address, garbage]]);

    const client = new Redis(redis.url);
    const partitionOf = keyPartitioner(PARTITIONS);
    try {
      const state = await windowState(client, 'lanes:');
      for (const [lane, topic] of Object.entries(LANES) as [keyof typeof LANES, string][]) {
        const byPartition = entitiesByPartition(state, topic);
        const fields = [...byPartition.values()].flat();
        expect([lane, [...new Set(fields.map((f) => f.slice(0, f.indexOf(':'))))].sort()]).toEqual([
          lane,
          LANE_TYPES[lane],
        ]);
        if (lane === 'address') continue; // its principals, subnets and keys are context copies
        // Owned by the lane's key: each entity on exactly one partition, the one its key gives. A session's
        // requests before its login carry no account: they are keyed by the session, on a partition of
        // their own, so only a session may have a second (pre-login) copy.
        const once = new Set<string>();
        const twice = fields.filter((f) => once.size === once.add(f).size);
        expect(twice.filter((f) => !f.startsWith('session:'))).toEqual([]);
        const keyed = lane === 'account' ? 'principal:' : lane === 'apiKey' ? 'apiKey:' : null;
        for (const [partition, fs] of byPartition)
          for (const f of fs) {
            const id = f.slice(f.indexOf(':') + 1);
            if (keyed && f.startsWith(keyed)) expect([f, partitionOf(id)]).toEqual([f, Number(partition)]);
            if (lane === 'logins') expect([f, partitionOf('logins')]).toEqual([f, Number(partition)]);
          }
      }
      const addresses = entitiesByPartition(state, LANES.address);
      for (const [partition, fs] of addresses)
        for (const f of fs.filter((x) => x.startsWith('ip:')))
          expect([f, partitionOf(f.slice(3))]).toEqual([f, Number(partition)]);
    } finally {
      client.disconnect();
    }

    // Accounts and sessions are whole on their lane's partition: the decisions on them are vigil replay's.
    const { decisions: replayed } = await replayLines<Decision>(dir, 'lanes', lines);
    const accountTargets = (ds: readonly Decision[]) =>
      [
        ...new Set(
          ds
            .filter((d) => d.scope === 'principal' || d.scope === 'session')
            .map((d) => `${d.detector} ${d.action} ${d.scope}:${String(d.value)}`),
        ),
      ].sort();
    const expected = accountTargets(replayed);
    const got = accountTargets(reader.of<Decision>(laned.decisions));
    const byAddress = accountTargets(reader.of<Decision>(routed.decisions));
    process.stdout.write(
      `lanes test: ${LINES} lines routed to 4 lanes (account ${consumed(LANES.account)}, apiKey ${consumed(LANES.apiKey)}, logins ${consumed(LANES.logins)}); ` +
        `account decisions: replay ${expected.length}, lanes ${got.length}, keyed by address ${byAddress.length}\n`,
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(got).toEqual(expected);
  }, 300_000);
});
