import { parseInventoryConfig } from '../config';
import { accessEvent } from '../test-events';
import { InventoryBuilder } from './inventory-builder';
import { MemoryInventoryStore } from '../store/memory-inventory-store';
import { OVERFLOW_TEMPLATE } from '../endpoint-key';

async function run(
  events: Parameters<typeof accessEvent>[0][],
  inventory: object = {},
  pinnedTemplates: string[] = [],
  documented?: Map<string, string[]>,
) {
  const builder = new InventoryBuilder({ config: parseInventoryConfig(inventory), pinnedTemplates, documented });
  const store = new MemoryInventoryStore();
  for (let i = 0; i < events.length; i += 7) {
    builder.add(events.slice(i, i + 7).map((e) => accessEvent(e)));
    await store.apply(builder.drain());
  }
  return { snapshot: await store.snapshot(), builder };
}

const users = (n: number, suffix = '', status = 200) =>
  Array.from({ length: n }, (_, i) => ({ routeTemplate: `/v1/users/name${i}${suffix}`, status }));

describe('InventoryBuilder', () => {
  it('makes a free-string slot once 20 distinct sibling values were answered, and folds what it had', async () => {
    const { snapshot } = await run([...users(25), ...users(5, '/profile')]);
    const templates = snapshot.endpoints.map((e) => e.template);
    expect(templates).toEqual([
      '/v1/users/name0/profile',
      '/v1/users/name1/profile',
      '/v1/users/name2/profile',
      '/v1/users/name3/profile',
      '/v1/users/name4/profile',
      '/v1/users/{str}',
    ]);
    expect(snapshot.endpoints.find((e) => e.template === '/v1/users/{str}')!.counters['n']).toBe(25);
    expect(snapshot.promotions).toEqual([
      expect.objectContaining({
        template: '/v1/users/{str}',
        position: 2,
        evidence: expect.objectContaining({ distinctValues: 20 }),
      }),
    ]);
  });

  it('takes no evidence from 404s: a scanner walking /v1/users/<random> makes overflow, not a template', async () => {
    const { snapshot } = await run(users(200, '', 404));
    expect(snapshot.endpoints).toEqual([]);
    expect(snapshot.overflow[0]).toMatchObject({
      template: OVERFLOW_TEMPLATE,
      counters: expect.objectContaining({ n: 200, 'o:notFound': 200 }),
    });
    expect(snapshot.overflow[0]!.distinctTemplates).toBeGreaterThan(190);
  });

  it("admits no endpoint for a scanner's malformed requests, though the gateway answered them 400", async () => {
    const probes = Array.from({ length: 50 }, (_, i) => ({
      method: i % 2 ? 'UNKNOWN' : 'DEBUG',
      routeTemplate: i % 2 ? '-' : `/.env${i}`,
      status: 400,
      malformed: (i % 2 ? 'binary' : 'bad_method') as 'binary' | 'bad_method',
    }));
    const { snapshot } = await run(probes);
    expect(snapshot.endpoints).toEqual([]);
    expect(snapshot.overflow[0]).toMatchObject({ counters: expect.objectContaining({ n: 50, 'o:notFound': 50 }) });
  });

  it('never merges a pinned template or a configured literal segment', async () => {
    const events = [...users(30), { routeTemplate: '/v1/users/me' }, { routeTemplate: '/v1/users/{username}' }];
    const { snapshot } = await run(events, { templates: { literalSegments: ['me'] } }, ['/v1/users/{username}']);
    expect(snapshot.endpoints.map((e) => e.template)).toEqual([
      '/v1/users/me',
      '/v1/users/{str}',
      '/v1/users/{username}',
    ]);
  });

  it('puts at most one free slot in a template and never in the first segment', async () => {
    const events = Array.from({ length: 40 }, (_, i) => ({ routeTemplate: `/seg${i}/x${i}` }));
    const { snapshot } = await run(events, { templates: { freeSlotMinValues: 5 } });
    expect(snapshot.endpoints.every((e) => (e.template.match(/\{str\}/g) ?? []).length <= 1)).toBe(true);
    expect(snapshot.endpoints.some((e) => e.template.startsWith('/{str}'))).toBe(false);
  });

  it('prefers a documented template to evidence', async () => {
    const documented = new Map([['*', ['/v1/users/{userName}']]]);
    const { snapshot } = await run(users(3), {}, [], documented);
    expect(snapshot.endpoints.map((e) => e.template)).toEqual(['/v1/users/{userName}']);
  });

  it('keeps a documented literal template out of a free slot promoted beside it, before and after', async () => {
    const documented = new Map([['*', ['/v1/accounts']]]);
    const siblings = Array.from({ length: 6 }, (_, i) => ({ routeTemplate: `/v1/section${i}` }));
    const events = [{ routeTemplate: '/v1/accounts' }, ...siblings, { routeTemplate: '/v1/accounts' }];
    const { snapshot } = await run(events, { templates: { freeSlotMinValues: 5 } }, [], documented);
    expect(snapshot.promotions.map((p) => p.template)).toEqual(['/v1/{str}']);
    expect(Object.fromEntries(snapshot.endpoints.map((e) => [e.template, e.counters['n']]))).toEqual({
      '/v1/accounts': 2,
      '/v1/{str}': 6,
    });
  });

  it('caps endpoints per host and counts the rest as overflow with examples', async () => {
    const events = Array.from({ length: 30 }, (_, i) => ({ routeTemplate: `/r${i}` }));
    const { snapshot, builder } = await run(events, { templates: { maxPerHost: 10, overflowSamples: 3 } });
    expect(snapshot.endpoints).toHaveLength(10);
    expect(snapshot.overflow[0]!.counters['o:cap']).toBe(20);
    expect(snapshot.overflow[0]!.samples).toHaveLength(3);
    expect(builder.stats().endpoints).toBe(10);
  });

  it('counts served and authenticated requests, statuses, exposure, sensitive kinds and query keys', async () => {
    const { snapshot } = await run([
      { authType: 'bearer', clientIp: '10.1.2.3', query: 'page=2&sort=asc', sensitive: ['pan'] },
      { authType: 'none', status: 401 },
      { authType: 'none', query: 'page=x' },
    ]);
    expect(snapshot.endpoints[0]!.counters).toMatchObject({
      n: 3,
      sv: 2,
      sa: 1,
      's:200': 2,
      's:401': 1,
      'a:bearer': 1,
      'a:none': 2,
      'x:private': 1,
      'x:public': 2,
      'k:pan': 1,
      'q:page:int': 1,
      'q:page:str': 1,
      'q:sort:str': 1,
    });
    expect(snapshot.endpoints[0]!.distinctClients).toBe(2);
  });
});
