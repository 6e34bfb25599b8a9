/**
 * The one contract every InventoryStore passes (memory and Redis): what `apply` adds up, what a merge
 * folds, and what `snapshot` returns, driven through the real InventoryBuilder.
 */
import { InventoryBuilder, parseInventoryConfig, type InventoryStore } from '@vigil/inventory';
import { accessEvent } from '../../libs/inventory/src/test-events';

export function inventoryStoreContract(name: string, open: () => Promise<InventoryStore>): void {
  describe(`InventoryStore contract: ${name}`, () => {
    let store: InventoryStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const builder = (inventory: object = {}) => new InventoryBuilder({ config: parseInventoryConfig(inventory) });

    it('starts empty', async () => {
      expect(await store.snapshot()).toEqual({ endpoints: [], overflow: [], promotions: [] });
    });

    it('adds counters up across batches and keeps first and last seen', async () => {
      const b = builder();
      b.add([accessEvent({ ts: 2000, status: 200 }), accessEvent({ ts: 1000, status: 403, authType: 'none' })]);
      await store.apply(b.drain());
      b.add([accessEvent({ ts: 5000, status: 200, latencyMs: 0 })]);
      await store.apply(b.drain());
      const [ep] = (await store.snapshot()).endpoints;
      expect(ep).toMatchObject({
        host: 'api.bank.example',
        method: 'GET',
        template: '/v1/accounts',
        firstSeen: 1000,
        lastSeen: 5000,
      });
      expect(ep!.counters).toMatchObject({
        n: 3,
        sv: 2,
        sa: 2,
        's:200': 2,
        's:403': 1,
        'a:bearer': 2,
        'a:none': 1,
        'l:z': 1,
      });
    });

    it('counts distinct clients within 2 % across batches', async () => {
      const b = builder();
      for (let batch = 0; batch < 5; batch++) {
        b.add(Array.from({ length: 2000 }, (_, i) => accessEvent({ clientIp: `198.51.${(i >> 8) & 255}.${i & 255}` })));
        await store.apply(b.drain());
      }
      const [ep] = (await store.snapshot()).endpoints;
      expect(Math.abs(ep!.distinctClients - 2000) / 2000).toBeLessThan(0.02);
    });

    it('folds endpoints into a promoted free-string template, counters, clients and times included', async () => {
      const b = builder({ templates: { freeSlotMinValues: 4 } });
      for (let i = 0; i < 6; i++) {
        b.add([accessEvent({ routeTemplate: `/v1/users/u${i}`, ts: 1000 + i, clientIp: `192.0.2.${i}` })]);
        await store.apply(b.drain());
      }
      const snap = await store.snapshot();
      expect(snap.endpoints.map((e) => e.template)).toEqual(['/v1/users/{str}']);
      expect(snap.endpoints[0]).toMatchObject({
        firstSeen: 1000,
        lastSeen: 1005,
        distinctClients: 6,
        counters: expect.objectContaining({ n: 6 }),
      });
      expect(snap.promotions).toEqual([
        expect.objectContaining({
          host: 'api.bank.example',
          template: '/v1/users/{str}',
          evidence: expect.objectContaining({ distinctValues: 4 }),
        }),
      ]);
    });

    it('keeps overflow per host with reasons, a distinct-template count and examples', async () => {
      const b = builder({ templates: { maxPerHost: 2, overflowSamples: 2 } });
      b.add([
        ...Array.from({ length: 5 }, (_, i) => accessEvent({ routeTemplate: `/a${i}` })),
        ...Array.from({ length: 3 }, (_, i) => accessEvent({ routeTemplate: `/.env${i}`, status: 404 })),
      ]);
      await store.apply(b.drain());
      const snap = await store.snapshot();
      expect(snap.endpoints).toHaveLength(2);
      expect(snap.overflow).toEqual([
        expect.objectContaining({
          host: 'api.bank.example',
          method: '*',
          template: '{overflow}',
          distinctTemplates: 6,
          samples: ['GET /a2', 'GET /a3'],
          counters: expect.objectContaining({ n: 6, 'o:cap': 3, 'o:notFound': 3, 's:404': 3 }),
        }),
      ]);
    });

    it('lets a restarted builder continue from the snapshot (cap and promotions included)', async () => {
      const first = builder({ templates: { maxPerHost: 3, freeSlotMinValues: 2 } });
      first.add([
        accessEvent({ routeTemplate: '/v1/users/a' }),
        accessEvent({ routeTemplate: '/v1/users/b' }),
        accessEvent({ routeTemplate: '/x' }),
      ]);
      await store.apply(first.drain());
      const second = builder({ templates: { maxPerHost: 3, freeSlotMinValues: 2 } });
      second.restore(await store.snapshot());
      second.add([
        accessEvent({ routeTemplate: '/v1/users/c' }),
        accessEvent({ routeTemplate: '/y' }),
        accessEvent({ routeTemplate: '/z' }),
      ]);
      await store.apply(second.drain());
      const snap = await store.snapshot();
      expect(snap.endpoints.map((e) => e.template)).toEqual(['/v1/users/{str}', '/x', '/y']);
      expect(snap.overflow[0]!.counters['o:cap']).toBe(1);
    });
  });
}
