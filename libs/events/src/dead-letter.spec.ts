import fc from 'fast-check';
import { deadLetter, fail, truncateUtf8 } from './dead-letter';

describe('dead-letter records', () => {
  const failure = fail('malformed_json', 'Unexpected token');

  it('keeps a short record whole, with its reason and position', () => {
    const d = deadLetter(failure, '{"a":', { source: 'kong.ndjson', position: 'line 3' }, 100, 42);
    expect(d).toEqual({
      reason: 'malformed_json',
      detail: 'Unexpected token',
      source: 'kong.ndjson',
      position: 'line 3',
      rawBytes: 5,
      raw: '{"a":',
      rawEncoding: 'utf8',
      rawTruncated: false,
      at: 42,
    });
  });

  it('truncates a multi-megabyte record to the limit and says so', () => {
    const big = 'x'.repeat(3_000_000);
    const d = deadLetter(failure, big, { source: 's', position: 'line 1' }, 8192);
    expect(d.raw.length).toBe(8192);
    expect(d.rawBytes).toBe(3_000_000);
    expect(d.rawTruncated).toBe(true);
  });

  it('stores binary records as base64', () => {
    const d = deadLetter(failure, Buffer.from([0, 255, 1]), { source: 'k', position: 'p0@1', binary: true });
    expect([d.raw, d.rawEncoding]).toEqual(['AP8B', 'base64']);
  });

  it('never splits a UTF-8 character when truncating', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 0, max: 300 }), (s, max) => {
        const cut = truncateUtf8(s, max);
        expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(max);
        expect(s.startsWith(cut)).toBe(true);
        expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
      }),
    );
  });
});
