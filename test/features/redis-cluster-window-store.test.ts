import { Cluster } from 'ioredis';
import { keySlot } from '@vigil/features';
import { startRedisCluster, type RedisCluster } from '../infra/redis-cluster';
import { redisHarness } from './stores';
import { describeWindowStoreContract } from './window-store.contract';

let cluster: RedisCluster;
let client: Cluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
  client = new Cluster(cluster.nodes);
  await client.ping();
}, 60_000);
afterAll(async () => {
  client.disconnect();
  await cluster.stop();
});

describeWindowStoreContract(
  'redis cluster (3 masters)',
  redisHarness(() => client),
);

describe('cluster key slots', () => {
  it('computes the same slot as CLUSTER KEYSLOT, hash tags included', async () => {
    for (const key of ['plain', 'vf1:{ip:192.0.2.1}:d:ips:5', 'vf1:{principal:abc}', '{}x', 'a{b}c{d}', 'é{ü}']) {
      expect([key, keySlot(key)]).toEqual([key, await client.cluster('KEYSLOT', key)]);
    }
  });
});
