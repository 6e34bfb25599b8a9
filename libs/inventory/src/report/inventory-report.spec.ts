import { reportOf } from '../test-events';

const call = (routeTemplate: string, extra: object = {}) => ({ routeTemplate, ...extra });

describe('buildInventoryReport against a baseline', () => {
  it('marks endpoints new, changed (contract or posture, not volume) or unchanged, and lists the unused', async () => {
    const baseline = await reportOf([
      call('/v1/accounts'),
      call('/v1/accounts/{id}'),
      call('/v1/cards'),
      call('/v1/old-export'),
    ]);
    const now = await reportOf(
      [
        call('/v1/accounts'),
        call('/v1/accounts'), // more traffic alone is no change
        call('/v1/accounts/{id}', { authType: 'none' }), // lost its authentication
        call('/v1/cards', { query: 'page=2' }), // a new query key
        call('/v1/payees'),
      ],
      { baseline: { name: 'inventory-march.json', report: baseline } },
    );
    const change = Object.fromEntries(now.endpoints.map((e) => [e.template, [e.change, e.changedFields]]));
    expect(change).toEqual({
      '/v1/accounts': ['unchanged', []],
      '/v1/accounts/{id}': ['changed', ['auth.types', 'auth.coverage']],
      '/v1/cards': ['changed', ['queryKeys']],
      '/v1/payees': ['new', []],
    });
    expect(now.drift).toEqual({
      baseline: 'inventory-march.json',
      new: ['api.bank.example GET /v1/payees'],
      changed: [
        { id: 'api.bank.example GET /v1/accounts/{id}', fields: ['auth.types', 'auth.coverage'] },
        { id: 'api.bank.example GET /v1/cards', fields: ['queryKeys'] },
      ],
      unused: ['api.bank.example GET /v1/old-export'],
    });
  });

  it('has no drift and no change marks without a baseline', async () => {
    const r = await reportOf([call('/v1/accounts')]);
    expect(r.drift).toBeNull();
    expect(r.endpoints[0]!.change).toBeNull();
  });
});
