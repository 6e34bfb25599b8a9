/**
 * Same input → same features, whichever store computes them: memory, a standalone Redis and a 3-master
 * Redis Cluster, batch for batch. Plus the replay and batching invariants, as fast-check properties.
 */
import fc from 'fast-check';
import Redis, { Cluster } from 'ioredis';
import type { AccessEvent } from '@vigil/events';
import {
  FEATURE_REGISTRY,
  MemoryWindowStore,
  RedisWindowStore,
  type ApplyResult,
  type FeatureVector,
  type WindowStore,
} from '@vigil/features';
import { startRedisCluster, type RedisCluster } from '../infra/redis-cluster';
import { startRedisServer, type RedisServer } from '../infra/redis-server';
import { batches, mixedTraffic } from './fixtures/access-events';

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

const redisStore = (client: Redis | Cluster): WindowStore =>
  new RedisWindowStore({ client, keyPrefix: `eq${++namespace}:`, ownsClient: false });

/** Applies the events in batches of `size` on `partition`, returning each batch's result. */
async function feed(store: WindowStore, events: readonly AccessEvent[], size: number): Promise<ApplyResult[]> {
  const out: ApplyResult[] = [];
  let offset = 0;
  for (const batch of batches(events, size)) {
    out.push(await store.applyBatch(batch, { topic: 'access', partition: 3, firstOffset: offset }));
    offset += batch.length;
  }
  return out;
}

const comparable = (v: FeatureVector) => ({ entity: v.entity, id: v.id, at: v.at, values: Array.from(v.values) });

describe('store equivalence', () => {
  it('gives identical feature vectors from memory, standalone Redis and Cluster, batch for batch', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 40, max: 900 }),
        async (seed, size) => {
          const events = mixedTraffic(2500, seed);
          const [mem, one, many] = await Promise.all([
            feed(new MemoryWindowStore(), events, size),
            feed(redisStore(standalone), events, size),
            feed(redisStore(clustered), events, size),
          ]);
          for (let b = 0; b < mem.length; b++) {
            const expected = mem[b]!.vectors.map(comparable);
            expect(one[b]!.vectors.map(comparable)).toEqual(expected);
            expect(many[b]!.vectors.map(comparable)).toEqual(expected);
            expect({ late: one[b]!.late, applied: one[b]!.applied }).toEqual({
              late: mem[b]!.late,
              applied: mem[b]!.applied,
            });
          }
        },
      ),
      { numRuns: 6 },
    );
  }, 120_000);

  it('counts nothing twice when the whole stream is replayed, in memory and in Redis', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 50, max: 700 }),
        async (seed, size) => {
          const events = mixedTraffic(1500, seed);
          for (const store of [new MemoryWindowStore(), redisStore(standalone)]) {
            await feed(store, events, size);
            const probe = async () =>
              (await store.applyBatch(events, { topic: 'access', partition: 3, firstOffset: 0 })).vectors.map(
                comparable,
              );
            const before = await probe();
            const replay = await feed(store, events, size);
            expect(replay.reduce((n, r) => n + r.applied, 0)).toBe(0);
            expect(await probe()).toEqual(before);
          }
        },
      ),
      { numRuns: 5 },
    );
  }, 120_000);

  it('ends in the same state however the stream is cut into batches (aggregation is associative)', async () => {
    // One feature depends on batch boundaries by definition: "never succeeded" is judged as of batch start.
    const names = FEATURE_REGISTRY.byEntity;
    const boundaryDependent = (entity: FeatureVector['entity'], i: number) =>
      names[entity][i]!.name === 'neverSucceededPrincipalShare10m';
    const finalState = async (events: AccessEvent[], size: number) => {
      const store = new MemoryWindowStore();
      await feed(store, events, size);
      const probe = await store.applyBatch(events, { topic: 'access', partition: 3, firstOffset: 0 });
      return probe.vectors.map((v) => ({
        ...comparable(v),
        values: Array.from(v.values).map((x, i) => (boundaryDependent(v.entity, i) ? null : x)),
      }));
    };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 400 }),
        async (seed, a, b) => {
          const events = mixedTraffic(1200, seed);
          expect(await finalState(events, a)).toEqual(await finalState(events, b));
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);
});
