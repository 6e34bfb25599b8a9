/**
 * The state a MemoryWindowStore hands over when its partition moves: every entity as a packed value
 * (state/entity-codec.ts) under its key `<type>:<id>`, and one small store-level record (`meta`) with what
 * the entities' values do not say but later batches depend on — the watermark and applied offsets
 * (BatchClock), when the TTL sweep last ran (a stale entity keeps its memories until the sweep drops it),
 * the recency counter the eviction queues are ordered by, and the offset a batch without a position
 * starts at. The memos (HLL patterns, user-agent digests, route ids) are caches of pure functions and do
 * not travel. The meta is JSON: a few hundred bytes per flush, readable with HGET in an incident.
 */
import { ENTITY_TYPES, type EntityType } from '../registry/entities';
import { FEATURE_REGISTRY } from '../registry/features';
import type { BatchClockState } from './batch-clock';

/** One entity's packed state: `key` = `<type>:<id>` (the id as it is), `value` = entity-codec bytes. */
export interface PackedEntity {
  readonly key: string;
  readonly value: Buffer;
}

/** What an export or a flush carries: the meta, entities to write, and keys of entities dropped since. */
export interface PackedWindowState {
  readonly meta: Buffer;
  readonly entities: readonly PackedEntity[];
  /**
   * The same entities as one buffer, each framed as (u32 LE key length, key as UTF-8, u32 LE value length,
   * value): `entities`' values are views into it. A bulk write sends it as one argument (one copy, no
   * per-entity work on the client) and the server splits it (partition-window-store.ts).
   */
  readonly pairs: Buffer;
  /** Keys of entities evicted (TTL or cap) since the last flush and not held now: to delete. */
  readonly removed: readonly string[];
}

export const STATE_FORMAT = 'vigil-window-state/1';

export interface WindowStateMeta {
  readonly format: typeof STATE_FORMAT;
  /** FEATURE_REGISTRY.fingerprint of the writer: a layout change makes state unreadable, by design. */
  readonly registry: string;
  readonly allowedLatenessMs: number;
  readonly clock: BatchClockState;
  readonly lastSweepWatermark: number;
  readonly nextOffset: number;
  readonly touchSeq: number;
  readonly entities: number;
  readonly evictedByTtl: number;
  readonly evictedByCap: number;
}

export function entityKey(type: EntityType, id: string): string {
  return `${type}:${id}`;
}

/** Type index (ENTITY_TYPES) and id of an entity key, or null when it is not one. */
export function parseEntityKey(key: string): { type: number; id: string } | null {
  const cut = key.indexOf(':');
  if (cut < 0) return null;
  const type = ENTITY_TYPES.indexOf(key.slice(0, cut) as EntityType);
  return type < 0 ? null : { type, id: key.slice(cut + 1) };
}

/** -Infinity (no event yet) as null: JSON has no infinities. */
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
const orMinusInfinity = (x: unknown): number => (typeof x === 'number' ? x : -Infinity);

export function encodeStateMeta(meta: Omit<WindowStateMeta, 'format' | 'registry'>): Buffer {
  return Buffer.from(
    JSON.stringify({
      format: STATE_FORMAT,
      registry: FEATURE_REGISTRY.fingerprint,
      ...meta,
      clock: { ...meta.clock, watermark: finiteOrNull(meta.clock.watermark) },
      lastSweepWatermark: finiteOrNull(meta.lastSweepWatermark),
    }),
    'utf8',
  );
}

/** The meta a store wrote, refused when another format or feature layout wrote it. */
export function decodeStateMeta(bytes: Buffer): WindowStateMeta {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new Error('window state meta is not JSON');
  }
  if (raw['format'] !== STATE_FORMAT) {
    throw new Error(`window state format ${JSON.stringify(raw['format'])}, this build reads ${STATE_FORMAT}`);
  }
  if (raw['registry'] !== FEATURE_REGISTRY.fingerprint) {
    throw new Error(
      `window state written for feature layout ${String(raw['registry'])}, this build has ${FEATURE_REGISTRY.fingerprint}`,
    );
  }
  const clock = raw['clock'] as BatchClockState & { watermark: number | null };
  return {
    ...(raw as unknown as WindowStateMeta),
    clock: { ...clock, watermark: orMinusInfinity(clock.watermark) },
    lastSweepWatermark: orMinusInfinity(raw['lastSweepWatermark']),
  };
}
