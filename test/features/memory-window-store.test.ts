import { MemoryWindowStore, featureRecord, type ApplyResult } from '@vigil/features';
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

  it('gives a slot freed by the cap to the next entity with nothing left of the one before', async () => {
    const store = new MemoryWindowStore({ maxEntities: 40 });
    const features = (r: ApplyResult, entity: string, id: string) => {
      const v = r.vectors.find((x) => x.entity === entity && x.id === id);
      if (!v) throw new Error(`no ${entity} ${id}`);
      return featureRecord(v);
    };
    // A busy attacker: logins with failures, many principals, a remembered device on an account.
    const attack = Array.from({ length: 30 }, (_, i) =>
      event({ ts: T0 + i * 100, ip: '198.51.100.7', routeClass: 'login', status: 401, principal: `user-${i}` }),
    );
    const first = store.applyNow(attack);
    expect(features(first, 'ip', '198.51.100.7').loginFailures10m).toBe(30);
    expect(features(first, 'ip', '198.51.100.7').distinctPrincipals10m).toBeGreaterThanOrEqual(29);
    // A rotation of single-request IPs pushes everything of the attack out, and reuses its slots.
    const rotation: ApplyResult[] = [];
    for (let b = 0; b < 4; b++) {
      rotation.push(
        store.applyNow(
          Array.from({ length: 40 }, (_, i) =>
            event({ ts: T0 + 5_000 + b * 1_000 + i, ip: `10.9.${b}.${i}`, asn: null, country: null }),
          ),
        ),
      );
    }
    expect(store.stats().evictedByCap).toBeGreaterThan(0);
    // Every rotating IP, some of them in slots the attacker's entities had, carries only its own request.
    for (const r of rotation) {
      for (const v of r.vectors.filter((x) => x.entity === 'ip')) {
        const f = featureRecord(v);
        expect([v.id, f.requests10m, f.loginFailures10m, f.distinctPrincipals10m]).toEqual([v.id, 1, 0, 0]);
      }
    }
    const again = store.applyNow([event({ ts: T0 + 10_000, ip: '198.51.100.7', asn: null, country: null })]);
    const ip = features(again, 'ip', '198.51.100.7');
    expect(ip.requests10m).toBe(1);
    expect(ip.loginFailures10m).toBe(0);
    expect(ip.distinctPrincipals10m).toBe(0);
    expect(ip.distinctRoutes10m).toBe(1);
  });
});

describe('MemoryWindowStore entityTypes (a detection lane)', () => {
  it('keeps and scores only the types it is given, each vector equal to the full store’s', () => {
    const events = Array.from({ length: 50 }, (_, i) =>
      event({ ts: T0 + i * 1000, ip: `198.51.100.${i % 7}`, principal: `p${i % 3}` }),
    );
    const full = new MemoryWindowStore().applyNow(events);
    const lane = new MemoryWindowStore({ entityTypes: ['principal', 'session'] }).applyNow(events);
    const types = new Set(lane.vectors.map((v) => v.entity));
    expect([...types].every((t) => t === 'principal' || t === 'session')).toBe(true);
    expect(types.has('principal')).toBe(true);
    const byKey = (r: ApplyResult) => new Map(r.vectors.map((v) => [`${v.entity}:${v.id}`, v.values]));
    const whole = byKey(full);
    for (const [k, values] of byKey(lane)) expect([k, values]).toEqual([k, whole.get(k)]);
    expect(() => new MemoryWindowStore({ entityTypes: [] })).toThrow(/at least one/);
    expect(() => new MemoryWindowStore({ entityTypes: ['nope' as 'ip'] })).toThrow(/unknown entity type nope/);
  });
});
