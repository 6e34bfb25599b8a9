import { Redis } from 'ioredis';
import { accessEvent } from '../../libs/inventory/src/test-events';
import { InventoryBuilder, parseInventoryConfig, RedisInventoryStore } from '@vigil/inventory';
import { startRedisServer, type RedisServer } from '../infra/redis-server';
import { inventoryStoreContract } from './inventory-store.contract';

let server: RedisServer;
let prefix = 0;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

inventoryStoreContract('redis', async () => {
  const redis = new Redis(server.url, { lazyConnect: true });
  await redis.connect();
  return new RedisInventoryStore(redis, { keyPrefix: `test:inv:${++prefix}`, ownsConnection: true });
});

describe('RedisInventoryStore', () => {
  it('writes a whole batch in one pipelined round trip', async () => {
    const redis = new Redis(server.url);
    const store = new RedisInventoryStore(redis, { keyPrefix: 'test:inv:trips', ownsConnection: true });
    const builder = new InventoryBuilder({ config: parseInventoryConfig({ templates: { freeSlotMinValues: 3 } }) });
    builder.add(
      Array.from({ length: 4096 }, (_, i) =>
        accessEvent({
          routeTemplate: `/v1/users/u${i % 50}`,
          clientIp: `192.0.2.${i % 200}`,
          status: i % 7 ? 200 : 404,
        }),
      ),
    );
    const delta = builder.drain();
    expect(delta.merges.length).toBeGreaterThan(0);
    const before = store.roundTrips;
    await store.apply(delta);
    expect(store.roundTrips - before).toBe(1);
    await store.close();
  });
});
