import { TemplateResolver } from './template-resolver';

function resolver(documented: Record<string, string[]>, freeSlotMinValues = 3): TemplateResolver {
  return new TemplateResolver({
    pinnedTemplates: [],
    literalSegments: [],
    freeSlotMinValues,
    maxEvidencePerHost: 100,
    documented: new Map(Object.entries(documented)),
  });
}

describe('TemplateResolver with documented templates', () => {
  const host = 'api.bank.example';

  it('keeps the typed slots of the shared templater whatever the spec named its parameters', () => {
    const r = resolver({ [host]: ['/v1/accounts/{accountId}/balances', '/v1/users/{userName}'] });
    expect(r.resolve(host, '/v1/accounts/{id}/balances')).toBe('/v1/accounts/{id}/balances');
    expect(r.resolve(host, '/v1/accounts/{uuid}/balances')).toBe('/v1/accounts/{uuid}/balances');
  });

  it("gives a literal segment the spec's slot, and treats the result as final", () => {
    const r = resolver({ [host]: ['/v1/users/{userName}/accounts/{accountId}'] });
    const t = r.resolve(host, '/v1/users/alice/accounts/{id}');
    expect(t).toBe('/v1/users/{userName}/accounts/{id}');
    expect(r.isFixed(host, t)).toBe(true);
    expect(r.observe(host, t)).toBeNull();
  });

  it('prefers the most literal documented template', () => {
    const r = resolver({ '*': ['/v1/users/{userName}', '/v1/users/me'] });
    expect(r.resolve(host, '/v1/users/me')).toBe('/v1/users/me');
    expect(r.resolve(host, '/v1/users/bob')).toBe('/v1/users/{userName}');
  });

  it('promotes an undocumented literal position to {str} on evidence, at the earliest position', () => {
    const r = resolver({});
    expect(r.observe(host, '/v1/users/a')).toBeNull();
    expect(r.observe(host, '/v1/users/b')).toBeNull();
    const p = r.observe(host, '/v1/users/c')!;
    expect(p).toMatchObject({ template: '/v1/users/{str}', position: 2, evidence: { distinctValues: 3 } });
    expect(r.resolve(host, '/v1/users/zed')).toBe('/v1/users/{str}');
    expect(r.resolve(host, '/v1/users/{id}')).toBe('/v1/users/{id}');
  });

  it('keeps a template on the first promotion that matched it when a later one would match too', () => {
    const r = resolver({});
    for (const x of ['x1', 'x2', 'x3']) r.observe(host, `/a/b/${x}`);
    expect(r.resolve(host, '/a/b/c')).toBe('/a/b/{str}');
    for (const y of ['y1', 'y2', 'y3']) r.observe(host, `/a/${y}/c`);
    expect(r.resolve(host, '/a/z/c')).toBe('/a/{str}/c');
    // /a/{str}/c matches /a/b/c at an earlier position, but /a/b/c stays where it went first.
    expect(r.resolve(host, '/a/b/c')).toBe('/a/b/{str}');
  });
});
