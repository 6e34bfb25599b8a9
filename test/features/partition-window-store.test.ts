/**
 * PartitionWindowStore: the memory store's state for one partition, its changed entities written to
 * Redis in bulk after each batch (or every N), restored by a new owner. Against a throwaway redis-server
 * and a 3-master Redis Cluster: the WindowStore contract; vectors identical to the memory store batch
 * for batch, also across a restore from Redis at any cut; the hash holding exactly the held entities,
 * evicted ones deleted in the same write.
 */
import fc from 'fast-check';
import Redis, { Cluster } from 'ioredis';
import type { AccessEvent } from '@vigil/events';
import {
  MemoryWindowStore,
  OWNER_FIELD,
  PartitionFencedError,
  PartitionWindowStore,
  partitionStateKey,
  type ApplyResult,
  type PackedWindowState,
  type PartitionWindowStoreOptions,
  type WindowStore,
} from '@vigil/features';
import { startRedisCluster, type RedisCluster } from '../infra/redis-cluster';
import { startRedisServer, type RedisServer } from '../infra/redis-server';
import { batches, mixedTraffic } from './fixtures/access-events';
import { simulatorEvents } from './fixtures/simulator-events';
import { partitionHarness } from './stores';
import { describeWindowStoreContract } from './window-store.contract';

let server: RedisServer;
let cluster: RedisCluster;
let standalone: Redis;
let clustered: Cluster;
let namespace = 0;

beforeAll(async () => {
  [server, cluster] = await Promise.all([startRedisServer(), startRedisCluster()]);
  standalone = new Redis(server.port, server.host);
  clustered = new Cluster(cluster.nodes);
  await clustered.ping();
}, 60_000);
afterAll(async () => {
  standalone.disconnect();
  clustered.disconnect();
  await Promise.all([server.stop(), cluster.stop()]);
});

describeWindowStoreContract(
  'partition store, redis standalone',
  partitionHarness(() => standalone),
);
describeWindowStoreContract(
  'partition store, redis standalone, flushed every 3 batches',
  partitionHarness(() => standalone, 3),
);
describeWindowStoreContract(
  'partition store, redis cluster (3 masters)',
  partitionHarness(() => clustered),
);

const TOPIC = 'access';
const PARTITION = 3;

const optionsFor = (
  client: Redis | Cluster,
  extra: Partial<PartitionWindowStoreOptions> = {},
): PartitionWindowStoreOptions => ({
  client,
  keyPrefix: `pw${process.pid}-${++namespace}:`,
  topic: TOPIC,
  partition: PARTITION,
  ownsClient: false,
  ...extra,
});

function vectorBytes(r: ApplyResult): string[] {
  return r.vectors.map(
    (v) =>
      `${v.entity}\0${v.id}\0${v.at}\0${Buffer.from(v.values.buffer, v.values.byteOffset, v.values.byteLength).toString('hex')}`,
  );
}

const position = (firstOffset: number) => ({ topic: TOPIC, partition: PARTITION, firstOffset });

/** The partition's hash as field → hex value. */
async function hashOf(client: Redis | Cluster, key: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const flat = await client.hgetallBuffer(key);
  for (const [field, value] of Object.entries(flat)) if (field !== OWNER_FIELD) out.set(field, value.toString('hex'));
  return out;
}

const entitiesOf = (state: PackedWindowState) => new Map(state.entities.map((e) => [e.key, e.value.toString('hex')]));

/**
 * The events in batches through a memory store and through partition stores, the partition store's
 * owner replaced at `cut` by one restored from Redis (the old one closed, as after a rebalance).
 */
async function compare(
  client: Redis | Cluster,
  events: readonly AccessEvent[],
  size: number,
  cut: number,
  extra: Partial<PartitionWindowStoreOptions> = {},
): Promise<{ memory: MemoryWindowStore; store: PartitionWindowStore; options: PartitionWindowStoreOptions }> {
  const options = optionsFor(client, extra);
  const memory = new MemoryWindowStore({ maxEntities: extra.maxEntities });
  let store = await PartitionWindowStore.open(options);
  let offset = 0;
  const parts = batches(events, size);
  for (let b = 0; b < parts.length; b++) {
    if (b === cut) {
      await store.close();
      store = await PartitionWindowStore.open(options);
      expect(store.restored!.entities).toBe(memory.size);
    }
    const expected = vectorBytes(memory.applyNow(parts[b]!, position(offset)));
    expect(vectorBytes(await store.applyBatch(parts[b]!, position(offset)))).toEqual(expected);
    offset += parts[b]!.length;
  }
  return { memory, store, options };
}

describe('PartitionWindowStore', () => {
  it('gives the memory store vectors batch for batch, also across a restore from Redis at any cut', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 40, max: 700 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        async (seed, size, cutAt, flushEveryBatches, onCluster) => {
          const events = mixedTraffic(2500, seed, 2 * 3_600_000);
          const cut = cutAt % Math.ceil(events.length / size);
          const { memory, store } = await compare(onCluster ? clustered : standalone, events, size, cut, {
            flushEveryBatches,
          });
          await store.flush();
          expect(entitiesOf(store.exportState())).toEqual(entitiesOf(memory.exportState()));
        },
      ),
      { numRuns: 12 },
    );
  }, 180_000);

  it('holds in its hash exactly the entities held, evicted ones deleted in the same write (simulator corpus, a cap)', async () => {
    const events = simulatorEvents(10_000, 3);
    const options = optionsFor(standalone, { maxEntities: 1200 });
    const store = await PartitionWindowStore.open(options);
    for (const [b, batch] of batches(events, 500).entries()) {
      await store.applyBatch(batch, position(b * 500));
      const hash = await hashOf(standalone, store.key);
      const meta = hash.get('__meta');
      hash.delete('__meta');
      const state = store.exportState();
      expect(hash).toEqual(entitiesOf(state));
      expect(Buffer.from(meta!, 'hex').toString()).toBe(state.meta.toString());
      expect(hash.size).toBeLessThanOrEqual(1200);
    }
    expect(store.stats().evictedByCap).toBeGreaterThan(0);
    expect(store.writeTotals().entitiesRemoved).toBeGreaterThan(0);
    // A new owner restores every entity and the offset: the same stream again is all duplicates.
    const next = await PartitionWindowStore.open(options);
    expect(next.restored!.entities).toBe(store.stats().entities);
    expect(next.durableOffset()).toBe(events.length - 1);
    const again = await next.applyBatch(events.slice(0, 500), position(0));
    expect(again).toMatchObject({ applied: 0, duplicates: 500 });
  }, 60_000);

  it('restores the same vectors on Redis Cluster after a restore at several cuts of the simulator corpus', async () => {
    const events = simulatorEvents(8000, 9);
    for (const cut of [2, 9]) await compare(clustered, events, 500, cut, { flushEveryBatches: 2 });
  }, 60_000);

  it('after a crash, a new owner replaying from the durable offset gives the uninterrupted vectors', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 50, max: 400 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 5 }),
        async (seed, size, crashAt, flushEveryBatches) => {
          const parts = batches(mixedTraffic(2000, seed), size);
          const crash = crashAt % parts.length;
          const offsets = parts.map((_, b) => b * size);
          const memory = new MemoryWindowStore();
          const expected = parts.map((p, b) => vectorBytes(memory.applyNow(p, position(offsets[b]!))));
          const options = optionsFor(standalone, { flushEveryBatches });
          const doomed = await PartitionWindowStore.open(options);
          for (let b = 0; b < crash; b++) await doomed.applyBatch(parts[b]!, position(offsets[b]!));
          // The process dies here: no close(), no last flush. Up to flushEveryBatches - 1 batches are lost.
          const next = await PartitionWindowStore.open(options);
          const durable = next.durableOffset();
          expect(durable).toBe(doomed.durableOffset());
          let b = offsets.findIndex((o) => o > durable);
          expect(crash - b).toBeLessThan(flushEveryBatches);
          for (; b < parts.length; b++) {
            expect(vectorBytes(await next.applyBatch(parts[b]!, position(offsets[b]!)))).toEqual(expected[b]);
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);

  it('refuses a flush from a previous owner once a new one has claimed the partition (fencing)', async () => {
    const parts = batches(mixedTraffic(1200, 7), 200);
    const options = optionsFor(standalone, {});
    const stale = await PartitionWindowStore.open(options);
    await stale.applyBatch(parts[0]!, position(0));
    // The partition moves: the new owner claims it and restores what the old one flushed.
    const owner = await PartitionWindowStore.open(options);
    expect(owner.durableOffset()).toBe(stale.durableOffset());
    const before = await hashOf(standalone, stale.key);
    // The old owner, finishing a batch it had in hand, writes nothing and stops.
    await expect(stale.applyBatch(parts[1]!, position(200))).rejects.toBeInstanceOf(PartitionFencedError);
    await expect(stale.applyBatch(parts[2]!, position(400))).rejects.toBeInstanceOf(PartitionFencedError);
    expect(await hashOf(standalone, stale.key)).toEqual(before);
    // The new owner goes on from where the state was, and gives the uninterrupted vectors.
    const memory = new MemoryWindowStore();
    const expected = parts.map((p, b) => vectorBytes(memory.applyNow(p, position(b * 200))));
    for (let b = 1; b < parts.length; b++) {
      expect(vectorBytes(await owner.applyBatch(parts[b]!, position(b * 200)))).toEqual(expected[b]);
    }
  });

  it("with flushEveryBatches 0 writes only when its owner flushes, with the owner's fields in the same write", async () => {
    const parts = batches(mixedTraffic(1200, 9), 200);
    const options = optionsFor(standalone, { flushEveryBatches: 0 });
    const store = await PartitionWindowStore.open(options);
    await store.applyBatch(parts[0]!, position(0));
    await store.applyBatch(parts[1]!, position(200));
    expect(await standalone.exists(store.key)).toBe(1); // only the owner epoch so far
    expect([...(await hashOf(standalone, store.key)).keys()]).toEqual([]);
    await store.flush({ __ckpt: Buffer.from('after two batches') });
    await store.applyBatch(parts[2]!, position(400));
    // Closing does not write the third batch: the owner decides what is durable, with what beside it.
    await store.close();
    const next = await PartitionWindowStore.open(options);
    expect(next.durableOffset()).toBe(399);
    expect(next.restoredField('__ckpt')?.toString()).toBe('after two batches');
    expect(next.restoredField('__other')).toBeNull();
    expect(next.restored!.entities).toBe(next.stats().entities);
    // Its vectors from the third batch on are the uninterrupted store's.
    const memory = new MemoryWindowStore();
    const expected = parts.map((p, i) => vectorBytes(memory.applyNow(p, position(i * 200))));
    for (let i = 2; i < parts.length; i++)
      expect(vectorBytes(await next.applyBatch(parts[i]!, position(i * 200)))).toEqual(expected[i]);
    await expect(next.flush({ __meta: Buffer.from('x') })).rejects.toThrow(/owner's field/);
    await expect(next.flush({ ckpt: Buffer.from('x') })).rejects.toThrow(/owner's field/);
  });

  it('rewrites the entities a batch of replays touches (their recency), deletes nothing, counts its bytes', async () => {
    const store = await PartitionWindowStore.open(optionsFor(standalone));
    const events = mixedTraffic(600, 4);
    await store.applyBatch(events, position(0));
    const first = store.writeTotals();
    expect(first.entitiesWritten).toBe(store.stats().entities);
    expect(first.bytesWritten).toBeGreaterThan(0);
    await store.applyBatch(events.slice(0, 100), position(0));
    const second = store.writeTotals();
    expect(second.flushes).toBe(2);
    // A replayed event still touches its entities (recency), so they are written again; nothing is evicted.
    expect(second.entitiesRemoved).toBe(0);
  });

  it('refuses to go on after a failed flush, and a new owner restores what the last good flush wrote', async () => {
    const client = new Redis(server.port, server.host);
    try {
      await failedFlushThenRestore(client);
    } finally {
      client.disconnect();
    }
  });

  async function failedFlushThenRestore(client: Redis): Promise<void> {
    const options = optionsFor(client);
    const events = mixedTraffic(900, 12);
    const store = await PartitionWindowStore.open(options);
    await store.applyBatch(events.slice(0, 300), position(0));
    // The key turned into another type: the transaction's HSETs fail (WRONGTYPE), the flush with them.
    const saved = await client.dumpBuffer(store.key);
    await client.del(store.key);
    await client.set(store.key, 'not a hash');
    await expect(store.applyBatch(events.slice(300, 600), position(300))).rejects.toThrow(/flush of .* failed/);
    await expect(store.applyBatch(events.slice(600), position(600))).rejects.toThrow(/flush of .* failed/);
    await client.del(store.key);
    await client.restore(store.key, 0, saved!);
    const next = await PartitionWindowStore.open(options);
    expect(next.durableOffset()).toBe(299);
    const memory = new MemoryWindowStore();
    memory.applyNow(events.slice(0, 300), position(0));
    const expected = memory.applyNow(events.slice(300), position(300));
    expect(vectorBytes(await next.applyBatch(events.slice(300), position(300)))).toEqual(vectorBytes(expected));
    await store.close();
  }

  it('refuses a hash it did not write, a topic with braces, and a batch before restore', async () => {
    const options = optionsFor(standalone);
    const key = partitionStateKey(options.keyPrefix!, TOPIC, PARTITION);
    await standalone.hset(key, 'ip:192.0.2.1', 'x');
    await expect(PartitionWindowStore.open(options)).rejects.toThrow(/no __meta/);
    expect(() => new PartitionWindowStore({ ...options, topic: 'a{b}' })).toThrow(/topic must not contain/);
    const unrestored: WindowStore = new PartitionWindowStore(optionsFor(standalone));
    await expect(unrestored.applyBatch([], position(0))).rejects.toThrow(/restore\(\)/);
  });
});
