/**
 * Redis keys of one entity. Every key of an entity carries the same hash tag `{type:id}`, so the entity
 * lives in one Cluster slot and one script call can update all of it atomically:
 *
 *   <prefix>{ip:203.0.113.7}                      HASH  c = msgpack counter buckets, r = registers (packed doubles),
 *                                                        h:<topic>:<partition>,
 *                                                        m = msgpack long memories (member → last-seen event time)
 *                                                        d = msgpack distinct-count window places (inline elements)
 *   <prefix>{ip:203.0.113.7}:d:principals:<w>      HLL   distinct elements of hopping window w, once past a few
 *
 * An id goes into the tag as it is, unless it holds a character that would break the tag (`{`, `}`) or
 * the encoding (`%`, `#`): those are percent-encoded (`GET /accounts/{id}` → `GET /accounts/%7Bid%7D`), so
 * keys stay readable and the mapping stays one-to-one. An id still longer than MAX_TAG_ID after that
 * becomes `#` + 128 bits of its SHA-256: a digest no crafted id can collide with, and that no id written
 * as it is can spell (a literal `#` is always encoded). One-to-one holds for well-formed strings, which
 * is what the decoders hand on (sanitize.ts replaces lone surrogates): Redis sees UTF-8, where a lone
 * surrogate and U+FFFD are the same bytes.
 */
import { createHash } from 'node:crypto';
import type { EntityLayout } from '../../registry/layout';

// vf5: malformedRequests in the 10m ring of ip, subnet, asn and country (a bucket one counter wider);
// vf4: ids percent-encoded in the tag, SHA-256 for long ones (vf3 digested every id with a brace with
// MurmurHash64A); vf3: distinct-count windows inline in field d, a HyperLogLog key only for a window past
// a few elements (vf2 kept every window in a key; vf1 kept one text field per register).
export const DEFAULT_KEY_PREFIX = 'vf5:';

/** Why `prefix` cannot prefix entity keys, or null: braces would make it every key's Cluster hash tag. */
export function keyPrefixProblem(prefix: string): string | null {
  return /[{}]/.test(prefix)
    ? `must not contain { or } (got ${JSON.stringify(prefix)}): braces would put every entity in one Cluster slot`
    : null;
}

/** Longest id (after encoding) kept readable in a key; a longer one becomes a digest. */
export const MAX_TAG_ID = 96;
const RESERVED = /[{}%#]/;
const RESERVED_ALL = /[{}%#]/g;
const ESCAPES: Readonly<Record<string, string>> = { '{': '%7B', '}': '%7D', '%': '%25', '#': '%23' };

export function entityTag(layout: EntityLayout, id: string): string {
  if (id.length <= MAX_TAG_ID) {
    if (!RESERVED.test(id)) return `{${layout.type}:${id}}`;
    const encoded = id.replace(RESERVED_ALL, (c) => ESCAPES[c]!);
    if (encoded.length <= MAX_TAG_ID) return `{${layout.type}:${encoded}}`;
  }
  const digest = createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 32);
  return `{${layout.type}:#${digest}}`;
}

export function stateKey(prefix: string, tag: string): string {
  return prefix + tag;
}

export function dimensionKey(state: string, dim: string, window: number): string {
  return `${state}:d:${dim}:${window}`;
}

export function hwmField(topic: string, partition: number): string {
  return `h:${topic}:${partition}`;
}
