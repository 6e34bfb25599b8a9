import type { Signature } from '@vigil/detection';
import { SignatureIndex } from './signature-index';

describe('SignatureIndex', () => {
  const sigs: Record<string, Signature> = {
    tool: { routeClass: 'login', userAgent: 'python-requests/2.31' },
    ja3: { routeClass: 'login', tlsFingerprint: 'ja3-abc', country: 'RU' },
    route: { routeClass: 'password-reset' },
  };
  const index = new SignatureIndex<string>((k) => sigs[k]!);
  Object.keys(sigs).forEach((k) => index.add(k));

  it('returns only signatures whose every field the request matches', () => {
    expect(index.matching({ routeClass: 'login', userAgent: 'python-requests/2.31', method: 'POST' })).toEqual([
      'tool',
    ]);
    expect(index.matching({ routeClass: 'data-read', userAgent: 'python-requests/2.31' })).toEqual([]);
    expect(index.matching({ routeClass: 'login', tlsFingerprint: 'ja3-abc', country: 'DE' })).toEqual([]);
    expect(index.matching({ routeClass: 'login', tlsFingerprint: 'ja3-abc', country: 'RU' })).toEqual(['ja3']);
    expect(index.matching({ routeClass: 'password-reset' })).toEqual(['route']);
  });

  it('forgets removed signatures and refuses empty ones', () => {
    const i = new SignatureIndex<Signature>((s) => s);
    expect(i.add({})).toBe(false);
    const s: Signature = { userAgent: 'x' };
    i.add(s);
    expect(i.remove(s)).toBe(true);
    expect(i.matching({ userAgent: 'x' })).toEqual([]);
    expect(i.size).toBe(0);
  });
});
