/**
 * Partition-owned window state with Redis as its durable store (issue #20, phase 1): the windows of one
 * Kafka partition live in a MemoryWindowStore in this process, which computes every vector; after each
 * batch (or every `flushEveryBatches`) the entities it changed are written to Redis in bulk as packed
 * values (state/entity-codec.ts), together with the partition's applied offsets, and the entities it
 * evicted are deleted. A new owner restores the partition from Redis and goes on with the same state.
 *
 * One hash per partition, `<prefix>part:{<topic>/<partition>}`: fields `<type>:<id>` = packed entity,
 * `__meta` = the store-level record (partition-state.ts: watermark, applied offsets, sweep and recency
 * counters). The hash tag puts the whole partition in one Redis Cluster slot, so one transaction covers it.
 *
 * A flush is one script call (FLUSH_SCRIPT), atomic as a MULTI/EXEC would be, and fenced: each owner
 * claims the partition on restore by incrementing `__owner`, and the script refuses a flush whose epoch
 * is not the hash's — a previous owner finishing a batch after its partition moved (a rebalance, a pause
 * past the session timeout) gets PartitionFencedError and writes nothing, instead of putting an older
 * state over the new owner's. Past the fence the script is a bulk write: HSETs of the changed entities
 * (sent framed in one argument, 500 pairs a call), HDELs of the evicted ones in the same atomic step (a restore must never see a
 * flush's offsets without its deletions, or resurrect an evicted entity), the `__meta` HSET last. Redis
 * runs it with nothing in between (no client sees half a flush) and replicates it as one unit. It does
 * not roll back a command that fails at run time: only a key of another type could fail an HSET, which
 * fails the meta's HSET too, and the store then stops (a failed flush is the crash path).
 *
 * Exactly once, for whoever drives it: once `applyBatch` (or `flush`) resolves, the state up to
 * `durableOffset()` is in Redis, so a Kafka offset may be committed up to there. With
 * `flushEveryBatches` > 1, batches not flushed yet are replayed by the next owner from the restored
 * offset (and recognised as duplicates by this store if it is still the owner).
 *
 * Not here yet (issue #20): events re-keyed by entity so that an entity really has one owner.
 */
import type { AccessEvent } from '@vigil/events';
import { framePairs } from '../../state/entity-codec';
import { MemoryWindowStore, type MemoryWindowStoreOptions } from '../memory-window-store';
import type { ApplyResult, BatchPosition, WindowStore, WindowStoreStats } from '../window-store';
import { keyPrefixProblem } from './key-layout';
import type { RedisClient } from './redis-window-store';

/** Prefix of partition hashes; bump it with an incompatible packed layout (the meta also names the layout). */
export const DEFAULT_PARTITION_KEY_PREFIX = 'vp1:';
export const META_FIELD = '__meta';
/** The partition's owner epoch: each new owner increments it, and a flush under an older epoch is refused. */
export const OWNER_FIELD = '__owner';

/** A flush refused because another owner has claimed the partition since this one restored it. */
export class PartitionFencedError extends Error {
  override readonly name = 'PartitionFencedError';
}

/**
 * The flush: one script, so that it is atomic and fenced. It refuses unless the hash's owner epoch is
 * this owner's (a previous owner finishing a batch after its partition moved must not write an older
 * state over the new owner's), then writes the changed entities and the owner's fields (HSET, 500 pairs a
 * call), deletes the evicted ones and writes the meta last. It decides one thing — the fence; the rest is
 * a bulk write. The pairs come framed in two arguments (PackedWindowState.pairs: u32 LE length, field,
 * u32 LE length, value), which the script splits with struct.unpack: one argument for thousands of
 * entities costs the client one copy instead of a command argument each.
 * KEYS[1] the hash; ARGV: epoch, meta, the entities' pairs, the owner's pairs, then the removed fields.
 */
const FLUSH_SCRIPT = `
if redis.call('HGET', KEYS[1], '${OWNER_FIELD}') ~= ARGV[1] then
  return redis.error_reply('FENCED the partition has another owner')
end
local args = {}
for a = 3, 4 do
  local pairs = ARGV[a]
  local pos = 1
  local field, value
  while pos <= #pairs do
    field, value, pos = struct.unpack('<I4c0I4c0', pairs, pos)
    args[#args + 1] = field
    args[#args + 1] = value
    if #args == 1000 then
      redis.call('HSET', KEYS[1], unpack(args))
      args = {}
    end
  end
end
if #args > 0 then redis.call('HSET', KEYS[1], unpack(args)) end
local i = 5
while i <= #ARGV do
  local j = math.min(i + 999, #ARGV)
  redis.call('HDEL', KEYS[1], unpack(ARGV, i, j))
  i = j + 1
end
redis.call('HSET', KEYS[1], '${META_FIELD}', ARGV[2])
return 1
`;

type FlushingClient = RedisClient & {
  vigilFlushPartition?: (key: string, ...args: (string | Buffer | number)[]) => Promise<number>;
};

export interface PartitionWindowStoreOptions extends Omit<MemoryWindowStoreOptions, 'trackChanges'> {
  readonly client: RedisClient;
  /** The partition this store owns: its state is the hash of this (topic, partition). */
  readonly topic: string;
  readonly partition: number;
  /** Default DEFAULT_PARTITION_KEY_PREFIX; no braces (they would become the hash tag). */
  readonly keyPrefix?: string;
  /**
   * Write the changed entities after every N batches (default 1: every batch). 0: never on its own — the
   * owner calls flush() when it wants the state durable (with its own fields beside it, e.g. a checkpoint
   * of what it derived from the same events), and close() does not flush.
   */
  readonly flushEveryBatches?: number;
  /** Fields asked per HSCAN call on restore (default 2000). */
  readonly scanCount?: number;
  /** Close the client on close() (default true). */
  readonly ownsClient?: boolean;
}

export interface RestoreStats {
  readonly entities: number;
  /** Bytes of packed values and meta read. */
  readonly bytes: number;
  readonly scans: number;
  readonly seconds: number;
}

export interface FlushStats {
  readonly entities: number;
  readonly removed: number;
  /** Bytes of field names and values sent (entities, the owner's fields and the meta, with their framing). */
  readonly bytes: number;
}

/** The Redis hash holding one partition's state. */
export function partitionStateKey(prefix: string, topic: string, partition: number): string {
  return `${prefix}part:{${topic}/${partition}}`;
}

export class PartitionWindowStore implements WindowStore {
  readonly kind = 'partition' as const;
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  private readonly client: RedisClient;
  private readonly memory: MemoryWindowStore;
  /** What the in-memory store was built with (a benchmark builds a plain memory store beside it alike). */
  readonly memoryOptions: MemoryWindowStoreOptions;
  private readonly flushEvery: number;
  private readonly scanCount: number;
  private readonly ownsClient: boolean;
  private restoredStats: RestoreStats | null = null;
  /** The owner's own fields (`__`-named, see flush) as the restore read them. */
  private readonly ownerFields = new Map<string, Buffer>();
  private unflushedBatches = 0;
  /**
   * Set when a flush failed: its changes left the change sets but may not be in Redis, so this instance
   * can no longer vouch for the copy. It refuses to go on; the partition is restored anew (the crash path).
   */
  private failed: Error | null = null;
  private flushedOffset = -Infinity;
  /** The owner epoch this store claimed on restore (0: not restored). */
  private ownerEpoch = 0;
  private totals = {
    roundTrips: 0,
    flushes: 0,
    bytesWritten: 0,
    entitiesWritten: 0,
    entitiesRemoved: 0,
    /** Wall time inside flush(): packing the changed entities and the transaction's round trip. */
    flushSeconds: 0,
  };

  /** A store over the partition's state as Redis holds it (empty if none): restore() is done. */
  static async open(options: PartitionWindowStoreOptions): Promise<PartitionWindowStore> {
    const store = new PartitionWindowStore(options);
    await store.restore();
    return store;
  }

  /** Use open(); a store built directly must restore() before its first batch. */
  constructor(options: PartitionWindowStoreOptions) {
    const prefix = options.keyPrefix ?? DEFAULT_PARTITION_KEY_PREFIX;
    const problem = keyPrefixProblem(prefix);
    if (problem) throw new Error(`keyPrefix ${problem}`);
    if (/[{}]/.test(options.topic)) throw new Error(`topic must not contain { or }: ${JSON.stringify(options.topic)}`);
    if (!Number.isInteger(options.partition) || options.partition < 0) {
      throw new Error(`partition must be a whole number >= 0, got ${options.partition}`);
    }
    this.flushEvery = options.flushEveryBatches ?? 1;
    if (!Number.isInteger(this.flushEvery) || this.flushEvery < 0) {
      throw new Error(`flushEveryBatches must be a whole number >= 0, got ${options.flushEveryBatches}`);
    }
    this.scanCount = options.scanCount ?? 2000;
    this.client = options.client;
    if (!(this.client as FlushingClient).vigilFlushPartition)
      this.client.defineCommand('vigilFlushPartition', { numberOfKeys: 1, lua: FLUSH_SCRIPT });
    this.topic = options.topic;
    this.partition = options.partition;
    this.key = partitionStateKey(prefix, options.topic, options.partition);
    this.ownsClient = options.ownsClient ?? true;
    this.memoryOptions = {
      allowedLatenessMs: options.allowedLatenessMs,
      maxEntities: options.maxEntities,
      entityTypes: options.entityTypes,
    };
    this.memory = new MemoryWindowStore({ ...this.memoryOptions, trackChanges: true });
  }

  /** An owner's field (written by flush(fields)) as the restore read it; null if the hash had none. */
  restoredField(name: string): Buffer | null {
    return this.ownerFields.get(name) ?? null;
  }

  /** What the restore read; null before it. */
  get restored(): RestoreStats | null {
    return this.restoredStats;
  }

  /**
   * Loads the partition's hash into memory (HGET of the meta, then HSCAN in chunks). An absent hash is an
   * empty partition; entity fields without a meta (never written by this store) are refused.
   */
  async restore(): Promise<RestoreStats> {
    if (this.restoredStats) throw new Error(`${this.key} is already restored`);
    const t0 = process.hrtime.bigint();
    // Claim the partition before reading it: from here on, a previous owner's flush is refused.
    this.ownerEpoch = await this.client.hincrby(this.key, OWNER_FIELD, 1);
    const meta = await this.client.hgetBuffer(this.key, META_FIELD);
    let entities = 0;
    let bytes = 0;
    let scans = 0;
    if (meta === null) {
      const fields = (await this.client.hlen(this.key)) - 1; // the owner field just claimed
      if (fields > 0) throw new Error(`${this.key} holds ${fields} fields but no ${META_FIELD}: not a partition state`);
    } else {
      bytes += meta.length;
      this.memory.beginImport(meta);
      let cursor = '0';
      do {
        const [next, flat] = await this.client.hscanBuffer(this.key, cursor, 'COUNT', this.scanCount);
        scans++;
        cursor = next.toString();
        for (let i = 0; i < flat.length; i += 2) {
          const field = flat[i]!.toString('utf8');
          if (field === META_FIELD || field === OWNER_FIELD) continue;
          const value = flat[i + 1]!;
          if (field.startsWith('__')) {
            if (!this.ownerFields.has(field)) this.ownerFields.set(field, value);
            bytes += flat[i]!.length + value.length;
            continue;
          }
          // HSCAN may return a field twice (the hash rehashing between calls); the first copy counts.
          if (this.memory.importEntity(field, value)) {
            entities++;
            bytes += flat[i]!.length + value.length;
          }
        }
      } while (cursor !== '0');
      this.memory.finishImport();
      this.flushedOffset = this.memory.appliedOffset(this.topic, this.partition);
    }
    this.totals.roundTrips += scans + (meta === null ? 3 : 2);
    this.restoredStats = { entities, bytes, scans, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
    return this.restoredStats;
  }

  async applyBatch(events: readonly AccessEvent[], position?: BatchPosition): Promise<ApplyResult> {
    if (!this.restoredStats) throw new Error(`restore() ${this.key} before its first batch`);
    this.throwIfFailed();
    const result = this.memory.applyNow(events, position);
    if (++this.unflushedBatches < this.flushEvery || this.flushEvery === 0) return result;
    const flush = await this.flush();
    return { ...result, roundTrips: 1, pipelines: 1, commands: flush.commands };
  }

  /**
   * Writes what changed since the last flush, and the owner's `fields` (names starting with `__`, e.g.
   * the detector's engine checkpoint) in the same atomic, fenced write: a restore sees both or neither.
   */
  async flush(fields: Readonly<Record<string, Buffer>> = {}): Promise<FlushStats & { commands: number }> {
    this.throwIfFailed();
    const own = Object.entries(fields);
    for (const [name] of own) {
      if (!name.startsWith('__') || name === META_FIELD || name === OWNER_FIELD)
        throw new Error(`an owner's field is named __<something> other than ${META_FIELD} and ${OWNER_FIELD}: ${name}`);
    }
    const t0 = process.hrtime.bigint();
    this.unflushedBatches = 0;
    // Even a flush with no entity writes the meta: a batch of duplicates or late events moves its totals.
    const changes = this.memory.takeChanges();
    const ownPairs = framePairs(own);
    const args: (string | Buffer | number)[] = [this.ownerEpoch, changes.meta, changes.pairs, ownPairs];
    const bytes = changes.meta.length + META_FIELD.length + changes.pairs.length + ownPairs.length;
    for (const key of changes.removed) args.push(key);
    const commands = 1;
    try {
      await (this.client as FlushingClient).vigilFlushPartition!(this.key, ...args);
    } catch (error) {
      const fenced = /FENCED/.test((error as Error).message);
      this.failed = fenced
        ? new PartitionFencedError(`${this.key} has another owner now; this one's batch was not written`, {
            cause: error,
          })
        : new Error(`flush of ${this.key} failed; restore the partition from Redis`, { cause: error });
      throw this.failed;
    }
    this.flushedOffset = this.memory.appliedOffset(this.topic, this.partition);
    const t = this.totals;
    t.roundTrips++;
    t.flushes++;
    t.bytesWritten += bytes;
    t.entitiesWritten += changes.entities.length;
    t.entitiesRemoved += changes.removed.length;
    t.flushSeconds += Number(process.hrtime.bigint() - t0) / 1e9;
    return { entities: changes.entities.length, removed: changes.removed.length, bytes, commands };
  }

  private throwIfFailed(): void {
    if (this.failed) throw this.failed;
  }

  /** Highest offset of this store's partition whose state is in Redis (-Infinity: none). */
  durableOffset(): number {
    return this.flushedOffset;
  }

  /** Bytes, entities and flushes written so far. */
  writeTotals(): Readonly<typeof this.totals> {
    return { ...this.totals };
  }

  /** The whole state as held in memory (what a restore of the hash gives back after a flush). */
  exportState(): ReturnType<MemoryWindowStore['exportState']> {
    return this.memory.exportState();
  }

  /** Entities held and evicted (the memory store's holdings(): no walk over the entities). */
  holdings(): ReturnType<MemoryWindowStore['holdings']> {
    return this.memory.holdings();
  }

  stats(): WindowStoreStats {
    return { ...this.memory.stats(), kind: 'partition', roundTrips: this.totals.roundTrips };
  }

  /** Flushes what is not in Redis yet, then closes the client if this store owns it. */
  async close(): Promise<void> {
    if (this.restoredStats && this.unflushedBatches > 0 && this.flushEvery > 0 && !this.failed) await this.flush();
    if (this.ownsClient) await this.client.quit();
  }
}
