import fc from 'fast-check';
import { LAYOUTS } from '../../registry/layout';
import { DEFAULT_KEY_PREFIX, MAX_TAG_ID, dimensionKey, entityTag, stateKey } from './key-layout';
import { keySlot } from './key-slot';

const route = LAYOUTS.route;
const principal = LAYOUTS.principal;
/** What Redis compares: the key's UTF-8 bytes. */
const bytes = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

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

  it('gives distinct ids keys with distinct bytes, all of an entity’s keys in one Cluster slot', () => {
    // Pieces that spell each other's encodings ("{" against "%7B"), and non-ASCII whole code points
    // (U+FFFD, a surrogate pair), so near-collisions are common.
    const alphabet = fc.constantFrom(
      'a',
      '{',
      '}',
      '%',
      '#',
      '%7B',
      '%7D',
      '%25',
      '%23',
      '#0f',
      ' ',
      'é',
      '\uFFFD',
      '😀',
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: alphabet, maxLength: MAX_TAG_ID + 8 }), { minLength: 2 }), (ids) => {
        const keys = ids.map((id) => stateKey(DEFAULT_KEY_PREFIX, entityTag(principal, id)));
        expect(new Set(keys.map(bytes)).size).toBe(ids.length);
        for (const key of keys) {
          // The tag is the key's only braces, so Cluster hashes the whole of it for every key of the entity.
          expect(key.split('{').length).toBe(2);
          expect(key.endsWith('}')).toBe(true);
          expect(keySlot(dimensionKey(key, 'ips', 5_908_140))).toBe(keySlot(key));
          expect(keySlot(key)).toBe(keySlot(key.slice(DEFAULT_KEY_PREFIX.length)));
        }
      }),
      { numRuns: 300 },
    );
  });
});
