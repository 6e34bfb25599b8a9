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
 * Ids that could break the tag (braces) or are long (route templates) are replaced by a 64-bit digest.
 */
import { murmur64a, murmurResult } from '../../hll/murmur64a';
import type { EntityLayout } from '../../registry/layout';

// vf3: distinct-count windows inline in field d, a HyperLogLog key only for a window past a few elements
// (vf2 kept every window in a key; vf1 kept one text field per register).
export const DEFAULT_KEY_PREFIX = 'vf3:';
const encoder = new TextEncoder();

export function entityTag(layout: EntityLayout, id: string): string {
  if (id.length <= 96 && id.indexOf('{') < 0 && id.indexOf('}') < 0) return `{${layout.type}:${id}}`;
  const bytes = encoder.encode(id);
  murmur64a(bytes, bytes.length, 0x9747b28c);
  return `{${layout.type}:#${murmurResult.hi.toString(16).padStart(8, '0')}${murmurResult.lo.toString(16).padStart(8, '0')}}`;
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
