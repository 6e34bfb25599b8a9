import Redis from 'ioredis';
import { RedisWindowStore } from '@vigil/features';
import { startRedisServer, type RedisServer } from '../infra/redis-server';
import { redisHarness } from './stores';
import { describeWindowStoreContract } from './window-store.contract';

let server: RedisServer;
let client: Redis;
beforeAll(async () => {
  server = await startRedisServer();
  client = new Redis(server.port, server.host);
});
afterAll(async () => {
  client.disconnect();
  await server.stop();
});

describeWindowStoreContract(
  'redis standalone',
  redisHarness(() => client),
);

describe('redis standalone: key prefix', () => {
  it('refuses a prefix with braces, which would put every entity in one Cluster slot', () => {
    expect(() => new RedisWindowStore({ client, keyPrefix: '{vigil}:', ownsClient: false })).toThrow(
      /keyPrefix must not contain \{ or \}/,
    );
  });
});
