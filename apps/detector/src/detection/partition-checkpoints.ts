/**
 * Where a partition's detection state lives between owners: one Redis hash per (topic, partition) with
 * the offset after the last event it covers, the watermark, and the engine's state (policy decisions,
 * offenders, population counts: everything the windows do not hold). Written after every detection
 * batch, once its outputs are acknowledged and before any Kafka commit past it, so a new owner (after a
 * crash or a rebalance) restores exactly the state the last batch left and skips the records it covers.
 *
 * Writes only move forward (a script compares offsets): a stale owner that finishes a batch after the
 * partition moved cannot put an older checkpoint over a newer one. Detection is deterministic per
 * partition, so two owners writing the same offset write the same state; a rejected write loses nothing.
 *
 * The key carries a hash tag, so on Redis Cluster the whole checkpoint is one key in one slot.
 */
import { decodeEngineState, encodeEngineState, type EngineState } from '@vigil/detection';
import type { PartitionWindowStore, RedisClient } from '@vigil/features';

export interface PartitionCheckpoint {
  /** Offset of the first event not covered (Kafka's next-to-read convention). */
  readonly offset: number;
  readonly watermark: number;
  readonly engine: EngineState;
  /** The configuration digest of the writer (a policy change between owners is logged, not refused). */
  readonly configDigest: string;
  /**
   * kafka.repartition: per source `topic/partition`, the highest source offset applied (SourceDeduplicator),
   * so that records the router produced again are recognised after a restore.
   */
  readonly sources?: Readonly<Record<string, number>>;
}

/** Where a partition's checkpoints are kept: its own hash (scripts windows), or beside its windows. */
export interface CheckpointStore {
  load(topic: string, partition: number): Promise<PartitionCheckpoint | null>;
  /** The engine bytes written; 0 when the write was not needed (already at or past `offset`). */
  save(topic: string, partition: number, c: PartitionCheckpoint): Promise<number>;
}

const SAVE_SCRIPT = `
local stored = redis.call('HGET', KEYS[1], 'offset')
if stored and tonumber(stored) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'offset', ARGV[1], 'watermark', ARGV[2], 'config', ARGV[3], 'engine', ARGV[4], 'saved', ARGV[5], 'sources', ARGV[6])
return 1
`;
const SAVE_COMMAND = 'vigilSavePartitionCheckpoint';

type WithSave = RedisClient & {
  [SAVE_COMMAND](
    key: string,
    offset: string,
    watermark: string,
    config: string,
    engine: Buffer,
    saved: string,
    sources: string,
  ): Promise<number>;
};

export class PartitionCheckpoints implements CheckpointStore {
  constructor(
    private readonly client: RedisClient,
    private readonly keyPrefix: string,
  ) {
    if (!(SAVE_COMMAND in client)) client.defineCommand(SAVE_COMMAND, { numberOfKeys: 1, lua: SAVE_SCRIPT });
  }

  key(topic: string, partition: number): string {
    return `${this.keyPrefix}ckpt:{${topic}/${partition}}`;
  }

  async load(topic: string, partition: number): Promise<PartitionCheckpoint | null> {
    const h = await this.client.hgetallBuffer(this.key(topic, partition));
    if (!h['offset'] || !h['engine']) return null;
    return {
      offset: Number(h['offset'].toString()),
      watermark: Number(h['watermark']?.toString() ?? '-Infinity'),
      configDigest: h['config']?.toString() ?? '',
      engine: decodeEngineState(h['engine']),
      sources: h['sources'] ? (JSON.parse(h['sources'].toString()) as Record<string, number>) : {},
    };
  }

  /** The bytes written; 0 when the stored checkpoint is already at or past `offset`. */
  async save(topic: string, partition: number, c: PartitionCheckpoint): Promise<number> {
    const engine = encodeEngineState(c.engine);
    const written = await (this.client as WithSave)[SAVE_COMMAND](
      this.key(topic, partition),
      String(c.offset),
      String(c.watermark),
      c.configDigest,
      engine,
      new Date().toISOString(),
      JSON.stringify(c.sources ?? {}),
    );
    return written === 1 ? engine.length : 0;
  }
}

/** The field of a partition's window hash that holds its checkpoint (redis.windows: partition). */
export const CHECKPOINT_FIELD = '__ckpt';
const CHECKPOINT_FORMAT = 'vigil-partition-checkpoint/1';

/**
 * redis.windows: partition — the checkpoint lives in the partition's window hash and is written by the
 * window store's own flush: windows, applied offsets and engine state in one atomic, fenced write, so a
 * new owner restores all three as of the same batch (and nothing else can be half-written). Format: a
 * 4-byte length, a JSON header (format, offset, watermark, config digest), then the engine bytes.
 */
export class WindowStoreCheckpoints implements CheckpointStore {
  constructor(private readonly store: PartitionWindowStore) {}

  load(): Promise<PartitionCheckpoint | null> {
    const raw = this.store.restoredField(CHECKPOINT_FIELD);
    if (!raw) return Promise.resolve(null);
    const length = raw.readUInt32BE(0);
    const head = JSON.parse(raw.subarray(4, 4 + length).toString('utf8')) as {
      format: string;
      offset: number;
      watermark: number | null;
      config: string;
      sources?: Record<string, number>;
    };
    if (head.format !== CHECKPOINT_FORMAT)
      throw new Error(`${this.store.key} holds a checkpoint of format ${head.format}, not ${CHECKPOINT_FORMAT}`);
    return Promise.resolve({
      offset: head.offset,
      watermark: head.watermark ?? -Infinity,
      configDigest: head.config,
      sources: head.sources ?? {},
      engine: decodeEngineState(raw.subarray(4 + length)),
    });
  }

  async save(_topic: string, _partition: number, c: PartitionCheckpoint): Promise<number> {
    const engine = encodeEngineState(c.engine);
    const head = Buffer.from(
      JSON.stringify({
        format: CHECKPOINT_FORMAT,
        offset: c.offset,
        watermark: Number.isFinite(c.watermark) ? c.watermark : null,
        config: c.configDigest,
        sources: c.sources ?? {},
      }),
    );
    const length = Buffer.alloc(4);
    length.writeUInt32BE(head.length);
    await this.store.flush({ [CHECKPOINT_FIELD]: Buffer.concat([length, head, engine]) });
    return engine.length;
  }
}
