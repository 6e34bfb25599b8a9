import fc from 'fast-check';
import { LAYOUTS } from '../../registry/layout';
import { MAX_TAG_ID, entityTag } from './key-layout';
import { keySlot } from './key-slot';

const route = LAYOUTS.route;
const principal = LAYOUTS.principal;

describe('entityTag', () => {
  it('keeps a plain id as it is', () => {
    expect(entityTag(LAYOUTS.ip, '203.0.113.7')).toBe('{ip:203.0.113.7}');
  });

  it('percent-encodes the characters that would break the tag or the encoding, and only those', () => {
    expect(entityTag(route, 'GET /accounts/{id}/transactions')).toBe('{route:GET /accounts/%7Bid%7D/transactions}');
    expect(entityTag(principal, '100%#x')).toBe('{principal:100%25%23x}');
    expect(entityTag(principal, '{')).not.toBe(entityTag(principal, '%7B'));
  });

  it('turns a long id into a SHA-256 digest that no id written out can spell', () => {
    const long = 'u'.repeat(MAX_TAG_ID + 1);
    const tag = entityTag(principal, long);
    expect(tag).toMatch(/^\{principal:#[0-9a-f]{32}\}$/);
    // The digest spelled as an id of its own is encoded, so it cannot take the long id's key.
    const spelled = tag.slice('{principal:'.length, -1);
    expect(entityTag(principal, spelled)).toBe(`{principal:%23${spelled.slice(1)}}`);
    // An id that only grows past the limit by its encoding is digested too.
    expect(entityTag(principal, '{'.repeat(40))).toMatch(/^\{principal:#[0-9a-f]{32}\}$/);
  });

  it('gives distinct ids distinct tags, each one Cluster slot for all of the entity’s keys', () => {
    // Pieces that spell each other's encodings, so that near-collisions ("{" against "%7B") are common.
    const alphabet = fc.constantFrom('a', '{', '}', '%', '#', '%7B', '%7D', '%25', '%23', '#0f', ' ', 'é');
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: alphabet, maxLength: MAX_TAG_ID + 8 }), { minLength: 2 }), (ids) => {
        const tags = ids.map((id) => entityTag(principal, id));
        expect(new Set(tags).size).toBe(ids.length);
        for (const tag of tags) {
          expect(tag.indexOf('{')).toBe(0);
          expect(tag.indexOf('}')).toBe(tag.length - 1);
          expect(keySlot(`vf3:${tag}:d:ips:123`)).toBe(keySlot(`vf3:${tag}`));
        }
      }),
      { numRuns: 300 },
    );
  });
});
