import { classifySegment, RouteTemplater } from './route-templater';

describe('route templater', () => {
  const t = new RouteTemplater();

  it.each([
    ['/accounts/123', '/accounts/{id}'],
    ['/v1/accounts/123/statements/2026-11-30', '/v1/accounts/{id}/statements/{date}'],
    ['/users/8a1b7c9e-3f2d-4e5a-9b8c-7d6e5f4a3b2c', '/users/{uuid}'],
    ['/objects/5f1e2d3c4b5a69788796a5b4', '/objects/{hex}'],
    ['/sessions/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5', '/sessions/{token}'],
    ['/cards/****1111/limits', '/cards/{id}/limits'],
    ['/v2/me/profile', '/v2/me/profile'],
    ['//accounts//42/', '/accounts/{id}'],
    ['/', '/'],
  ])('templates %s as %s', (path, template) => {
    expect(t.template(path)).toBe(template);
  });

  it('keeps words that happen to be long or hex-like literal', () => {
    expect(classifySegment('deadbeef')).toBeNull(); // too short to be an object id
    expect(classifySegment('transactions-export')).toBeNull(); // no digits
    expect(classifySegment('v1')).toBeNull();
  });

  it('lets pinned templates win over automatic slots', () => {
    const pinned = new RouteTemplater(['/users/{username}/profile', '/reports/2026/summary']);
    expect(pinned.template('/users/alice/profile')).toBe('/users/{username}/profile');
    expect(pinned.template('/reports/2026/summary')).toBe('/reports/2026/summary');
    expect(pinned.template('/reports/2025/summary')).toBe('/reports/{id}/summary');
  });
});
