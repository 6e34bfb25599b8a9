import { MemoryWindowStore } from '@vigil/features';
import { event, T0 } from './fixtures/access-events';
import { memoryHarness } from './stores';
import { describeWindowStoreContract } from './window-store.contract';

describeWindowStoreContract('memory', memoryHarness);

describe('MemoryWindowStore bounds', () => {
  it('stays under its entity cap while 100,000 distinct IPs rotate through, and counts the evictions', async () => {
    const store = new MemoryWindowStore({ maxEntities: 20_000 });
    for (let b = 0; b < 25; b++) {
      const batch = Array.from({ length: 4000 }, (_, i) => {
        const n = b * 4000 + i;
        return event({
          ts: T0 + n * 5,
          ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
          asn: null,
          country: null,
        });
      });
      store.applyNow(batch);
      expect(store.size).toBeLessThanOrEqual(20_000);
    }
    // 100,000 IPs + 391 subnets + 1 route, of which 20,000 fit.
    expect(store.stats().evictedByCap).toBe(100_392 - 20_000);
  });

  it('drops idle entities by TTL once the watermark moves past it', async () => {
    const store = new MemoryWindowStore();
    store.applyNow([event({ ts: T0, ip: '198.51.100.9' })]);
    const before = store.size;
    store.applyNow([event({ ts: T0 + 3 * 3_600_000, ip: '198.51.100.10' })]);
    expect(store.size).toBeLessThan(before + 4);
    expect(store.stats().evictedByTtl).toBeGreaterThan(0);
  });
});
