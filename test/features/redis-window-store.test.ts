import Redis from 'ioredis';
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
