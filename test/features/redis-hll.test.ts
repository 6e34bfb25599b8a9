import Redis from 'ioredis';
import { HyperLogLog } from '@vigil/features';
import { startRedisServer, type RedisServer } from '../infra/redis-server';

/** The memory store's HyperLogLog must agree with PFCOUNT exactly, or the two stores' features drift. */
describe('HyperLogLog port', () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.port, server.host);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('gives the same cardinality as Redis PFCOUNT, sparse and dense, ASCII and UTF-8', async () => {
    const sizes = [0, 1, 2, 3, 7, 50, 300, 1000, 2500, 5000, 12000, 40000, 120000];
    for (const [t, n] of sizes.entries()) {
      const hll = new HyperLogLog();
      const elements: string[] = [];
      for (let i = 0; i < n; i++) {
        const e = i % 7 === 0 ? `ua-é-${t}-${i}` : `10.${t}.${i >> 8}.${i & 255}-${(i * 2654435761) % 1000003}`;
        elements.push(e);
        hll.add(e);
      }
      await redis.del('hll');
      for (let i = 0; i < elements.length; i += 2000) await redis.pfadd('hll', ...elements.slice(i, i + 2000));
      expect({ n, count: hll.count() }).toEqual({ n, count: await redis.pfcount('hll') });
    }
  });
});
