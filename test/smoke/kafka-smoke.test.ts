import { Kafka, logLevel, Partitioners, type Consumer, type Message } from 'kafkajs';
import { startKafkaMock, type KafkaMock } from '../infra/kafka-broker';

const TOPIC = 'smoke-access-events';
const GROUP = 'smoke-detector';
const PARTITIONS = 3;

/**
 * The mock's group coordinator waits `sessionTimeout - 1000` ms before answering a JoinGroup that follows
 * a leave, and 3000 ms for the first join (see kafka-mock/mock-broker.c). 6000 keeps a restart under 5 s
 * while staying well above that 3 s first-join wait, so a member cannot expire while it waits to join.
 */
const CONSUMER_TIMINGS = { sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 } as const;

interface Consumed {
  readonly value: string;
  readonly partition: number;
  readonly offset: string;
}

function groupMember(kafka: Kafka): Consumer {
  return kafka.consumer({ groupId: GROUP, ...CONSUMER_TIMINGS });
}

/** Runs a connected group member that resolves and commits what it processed at the end of each batch. */
async function startGroupMember(consumer: Consumer): Promise<{ consumer: Consumer; consumed: Consumed[] }> {
  const consumed: Consumed[] = [];
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets }) => {
      for (const message of batch.messages) {
        consumed.push({ value: String(message.value), partition: batch.partition, offset: message.offset });
        resolveOffset(message.offset);
      }
      await commitOffsetsIfNecessary(uncommittedOffsets());
      await heartbeat();
    },
  });
  return { consumer, consumed };
}

function offsetsIn(consumed: readonly Consumed[], partition: number): number[] {
  return consumed.filter((m) => m.partition === partition).map((m) => Number(m.offset));
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

function messages(from: number, count: number): Message[] {
  return Array.from({ length: count }, (_, i) => ({ key: `entity-${(from + i) % 17}`, value: `event-${from + i}` }));
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('kafkajs against the librdkafka mock broker', () => {
  let broker: KafkaMock;
  let kafka: Kafka;
  // Everything connected, so that a failing test still disconnects and Jest can exit.
  const connected = new Set<{ disconnect(): Promise<void> }>();
  const connect = async <T extends { connect(): Promise<void>; disconnect(): Promise<void> }>(client: T) => {
    connected.add(client);
    await client.connect();
    return client;
  };
  const disconnect = async (client: { disconnect(): Promise<void> }) => {
    connected.delete(client);
    await client.disconnect();
  };

  beforeAll(async () => {
    broker = await startKafkaMock({ brokers: 3, topics: [{ name: TOPIC, partitions: PARTITIONS }] });
    kafka = new Kafka({ clientId: 'smoke', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  }, 15_000);

  afterAll(async () => {
    await Promise.all([...connected].map((client) => client.disconnect()));
    await broker?.stop();
  }, 15_000);

  it('consumes every produced message once and resumes a restarted group from committed offsets', async () => {
    const producer = await connect(kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner }));
    const firstRun = messages(0, 300);
    await producer.send({ topic: TOPIC, messages: firstRun });

    const first = await startGroupMember(await connect(groupMember(kafka)));
    await waitFor('the first member to consume the first run', () => first.consumed.length >= firstRun.length);
    await disconnect(first.consumer);

    expect(first.consumed.map((m) => m.value).sort()).toEqual(firstRun.map((m) => String(m.value)).sort());
    const partitions = range(0, PARTITIONS);
    const firstCounts = partitions.map((partition) => offsetsIn(first.consumed, partition).length);
    expect(firstCounts.every((count) => count > 0)).toBe(true);
    for (const partition of partitions) {
      expect(offsetsIn(first.consumed, partition)).toEqual(range(0, firstCounts[partition]));
    }

    const admin = await connect(kafka.admin());
    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    const highWatermarks = await admin.fetchTopicOffsets(TOPIC);
    await disconnect(admin);
    const byPartition = (rows: { partition: number; offset: string }[]) =>
      Object.fromEntries(rows.map((row) => [row.partition, row.offset]));
    expect(byPartition(committed[0].partitions)).toEqual(
      byPartition(highWatermarks.map((row) => ({ partition: row.partition, offset: row.high }))),
    );

    const secondRun = messages(firstRun.length, 90);
    await producer.send({ topic: TOPIC, messages: secondRun });
    await disconnect(producer);

    const second = await startGroupMember(await connect(groupMember(kafka)));
    // Within a partition a re-read first-run message would arrive before any second-run one, so once the
    // second run is all here, anything re-read is here too.
    await waitFor('the restarted member to consume the second run', () => second.consumed.length >= secondRun.length);

    expect(second.consumed.map((m) => m.value).sort()).toEqual(secondRun.map((m) => String(m.value)).sort());
    for (const partition of partitions) {
      const offsets = offsetsIn(second.consumed, partition);
      expect(offsets).toEqual(range(firstCounts[partition], offsets.length));
    }
  }, 30_000);
});
