/**
 * The production WindowStore on Redis (standalone or Cluster, through ioredis). Per batch:
 *   1. (only when the batch has failed logins) one pipelined read of the principals' last success, for
 *      `neverSucceededPrincipalShare10m`;
 *   2. the batch aggregated in memory into one delta per entity, then ONE pipeline of script calls
 *      (APPLY_SCRIPT) that apply the deltas and return the entities' state, from which feature vectors
 *      are computed here. On Cluster, script calls are grouped by slot and pipelines by node, and the
 *      node pipelines run in parallel: still one round trip of latency, reported as `pipelines`.
 *   3. (rare) entities whose stored offset falls inside the batch (a replay after a crash mid-batch) are
 *      re-aggregated from the events above that offset and sent once more.
 * Nothing is sent per event. Keys: see key-layout.ts; idempotency: see apply-script.ts.
 */
import type { Cluster, Redis } from 'ioredis';
import type { AccessEvent } from '@vigil/events';
import { aggregateBatch, EVENT_APPLY, EVENT_TOUCH } from '../../aggregate/batch-aggregator';
import {
  bucketCount,
  deltaKey,
  dimensionWindows,
  forEachBucket,
  memoryMembers,
  type EntityDelta,
} from '../../aggregate/entity-delta';
import { countElements } from '../../hll/redis-hll';
import { COMPILED, COMPILED_BY_CODE } from '../../registry/compiled-layout';
import { distinctViewWindow } from '../../registry/windows';
import type { EntityView } from '../../state/entity-view';
import { toFeatureVector, type FeatureVector } from '../../state/feature-vector';
import { BatchClock, type ClassifiedBatch } from '../batch-clock';
import type { ApplyResult, BatchPosition, WindowStore, WindowStoreOptions, WindowStoreStats } from '../window-store';
import { APPLY_SCRIPT, REGISTER_FIELD, storedRegister } from './apply-script';
import { keySlot } from './key-slot';
import { DEFAULT_KEY_PREFIX, entityTag, hwmField, keyPrefixProblem, stateKey } from './key-layout';
import { MsgpackWriter, unpack } from './msgpack';

export type RedisClient = Redis | Cluster;

export interface RedisWindowStoreOptions extends WindowStoreOptions {
  readonly client: RedisClient;
  /** Prefix of every key; default DEFAULT_KEY_PREFIX (bump with an incompatible layout). No braces: they
   * would make the prefix the Cluster hash tag and put every entity in one slot. */
  readonly keyPrefix?: string;
  /** Entities per script call: bounds how long one call holds Redis (default 64). */
  readonly entitiesPerCall?: number;
  /** Close the client on close() (default true). */
  readonly ownsClient?: boolean;
}

type ScriptCapable = { vigilApplyFeaturesBuffer(...args: (string | number | Buffer)[]): Promise<unknown> };
/** status, stored offset, the stored rings field (msgpack, empty when none), registers, distinct, memories. */
type Reply = [number, number, Buffer, number[], number[], number[][]];

const PRINCIPAL = COMPILED.principal;
const SCRIPT_NAME = 'vigilApplyFeatures';

interface Group {
  readonly node: string;
  readonly calls: EntityDelta[][];
}

export class RedisWindowStore implements WindowStore {
  readonly kind = 'redis' as const;
  private readonly client: RedisClient;
  private readonly prefix: string;
  private readonly perCall: number;
  private readonly clock: BatchClock;
  private readonly ownsClient: boolean;
  private nextOffset = 0;
  private totals = { duplicateEntities: 0, roundTrips: 0 };

  constructor(options: RedisWindowStoreOptions) {
    this.client = options.client;
    this.prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    const problem = keyPrefixProblem(this.prefix);
    if (problem) throw new Error(`keyPrefix ${problem}`);
    this.perCall = options.entitiesPerCall ?? 64;
    this.clock = new BatchClock(options.allowedLatenessMs);
    this.ownsClient = options.ownsClient ?? true;
    if (!(SCRIPT_NAME in this.client)) this.client.defineCommand(SCRIPT_NAME, { lua: APPLY_SCRIPT });
  }

  resumeWatermark(watermark: number): void {
    this.clock.resume(watermark);
  }

  get isCluster(): boolean {
    return this.client.isCluster;
  }

  async applyBatch(events: readonly AccessEvent[], position?: BatchPosition): Promise<ApplyResult> {
    const batch = this.clock.classify(events, position, this.nextOffset);
    this.nextOffset += events.length;
    const watermark = batch.watermark;
    const hwm = position ? hwmField(position.topic, position.partition) : '';
    const counters = { roundTrips: 0, pipelines: 0, commands: 0 };

    const succeeded = await this.principalsWithSuccess(events, batch, counters);
    const deltas = aggregateBatch({
      events,
      classes: batch.classes,
      offsets: batch.offsets,
      principalHasSucceeded: (p) => succeeded.has(p),
    });
    const replies = await this.applyDeltas(deltas, watermark, hwm, batch.lastOffset, counters);

    // Entities straddling their stored offset: apply only the events above it, once more.
    let duplicateEntities = 0;
    const partialByOffset = new Map<number, number[]>();
    for (let i = 0; i < deltas.length; i++) {
      const status = replies[i]![0];
      if (status === 1) duplicateEntities++;
      else if (status === 2) {
        duplicateEntities++;
        const list = partialByOffset.get(replies[i]![1]) ?? [];
        list.push(i);
        partialByOffset.set(replies[i]![1], list);
      }
    }
    for (const [stored, indexes] of partialByOffset) {
      const classes = Uint8Array.from(batch.classes, (c, i) =>
        c === EVENT_APPLY && batch.offsets[i]! <= stored ? EVENT_TOUCH : c,
      );
      const only = new Set(indexes.map((i) => deltaKey(deltas[i]!)));
      const redo = aggregateBatch({
        events,
        classes,
        offsets: batch.offsets,
        principalHasSucceeded: (p) => succeeded.has(p),
        only,
      });
      const redoReplies = await this.applyDeltas(redo, watermark, hwm, batch.lastOffset, counters);
      const byKey = new Map(redo.map((d, i) => [deltaKey(d), redoReplies[i]!]));
      for (const i of indexes) replies[i] = byKey.get(deltaKey(deltas[i]!))!;
    }

    const vectors: FeatureVector[] = deltas.map((d, i) => toFeatureVector(viewOfReply(d, replies[i]!), watermark));
    this.clock.commit(batch);
    const t = this.totals;
    t.duplicateEntities += duplicateEntities;
    t.roundTrips += counters.roundTrips;
    return {
      vectors,
      watermark,
      events: events.length,
      applied: batch.applied,
      late: batch.late,
      duplicates: batch.duplicates,
      duplicateEntities,
      entities: deltas.length,
      ...counters,
    };
  }

  /** Round trip 1: which principals with failed logins in this batch had ever logged in successfully. */
  private async principalsWithSuccess(
    events: readonly AccessEvent[],
    batch: ClassifiedBatch,
    counters: { roundTrips: number; pipelines: number; commands: number },
  ): Promise<Set<string>> {
    const principals = new Set<string>();
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (
        batch.classes[i] === EVENT_APPLY &&
        e.principal !== null &&
        e.routeClass === 'login' &&
        e.status >= 400 &&
        e.status < 500
      ) {
        principals.add(e.principal);
      }
    }
    const succeeded = new Set<string>();
    if (principals.size === 0) return succeeded;
    const before = this.clock.watermark;
    const list = [...principals];
    const keys = list.map((p) => stateKey(this.prefix, entityTag(PRINCIPAL.layout, p)));
    const groups = this.groupByNode(keys.map((k, i) => ({ key: k, index: i })));
    counters.roundTrips++;
    await Promise.all(
      [...groups.values()].map(async (items) => {
        const pipeline = this.client.pipeline();
        for (const it of items) pipeline.hgetBuffer(it.key, REGISTER_FIELD);
        counters.pipelines++;
        counters.commands += items.length;
        const results = await pipeline.exec();
        results!.forEach(([err, value], j) => {
          if (err) throw err;
          const regs = value as Buffer | null;
          const lastSuccess = storedRegister(regs, 'sx');
          const lastSeen = storedRegister(regs, 'ls');
          const stale = !Number.isNaN(lastSeen) && before - lastSeen > PRINCIPAL.layout.stateTtlMs;
          if (!Number.isNaN(lastSuccess) && !stale) succeeded.add(list[items[j]!.index]!);
        });
      }),
    );
    return succeeded;
  }

  private groupByNode<T extends { key: string }>(items: readonly T[]): Map<string, T[]> {
    const groups = new Map<string, T[]>();
    if (!this.client.isCluster) {
      groups.set('', [...items]);
      return groups;
    }
    const slots = (this.client as Cluster).slots;
    for (const it of items) {
      const slot = keySlot(it.key);
      const node = slots[slot]?.[0] ?? `slot:${slot}`;
      const list = groups.get(node);
      if (list) list.push(it);
      else groups.set(node, [it]);
    }
    return groups;
  }

  /** Round trip 2: one pipeline per node of script calls, each call a group of same-slot entities. */
  private async applyDeltas(
    deltas: readonly EntityDelta[],
    watermark: number,
    hwm: string,
    batchLastOffset: number,
    counters: { roundTrips: number; pipelines: number; commands: number },
  ): Promise<Reply[]> {
    const replies: Reply[] = new Array(deltas.length);
    if (deltas.length === 0) return replies;
    const tagged = deltas.map((d, index) => {
      const tag = entityTag(d.compiled.layout, d.id);
      return { key: stateKey(this.prefix, tag), index };
    });
    const groups: Group[] = [];
    if (!this.client.isCluster) {
      const calls: EntityDelta[][] = [];
      for (let i = 0; i < deltas.length; i += this.perCall) calls.push(deltas.slice(i, i + this.perCall));
      groups.push({ node: '', calls });
    } else {
      for (const [node, items] of this.groupByNode(tagged)) {
        const bySlot = new Map<number, EntityDelta[]>();
        for (const it of items) {
          const slot = keySlot(it.key);
          const list = bySlot.get(slot);
          if (list) list.push(deltas[it.index]!);
          else bySlot.set(slot, [deltas[it.index]!]);
        }
        const calls: EntityDelta[][] = [];
        for (const list of bySlot.values()) {
          for (let i = 0; i < list.length; i += this.perCall) calls.push(list.slice(i, i + this.perCall));
        }
        groups.push({ node, calls });
      }
    }
    const indexOf = new Map<EntityDelta, number>(deltas.map((d, i) => [d, i]));
    counters.roundTrips++;
    await Promise.all(
      groups.map(async (group) => {
        const pipeline = this.client.pipeline() as unknown as ScriptCapable & {
          exec(): Promise<[Error | null, unknown][] | null>;
        };
        const writer = new MsgpackWriter();
        for (const call of group.calls) {
          const keys: string[] = [];
          const args: (string | number)[] = [call.length];
          for (const d of call) encodeEntity(d, this.prefix, keys, args, watermark, hwm, batchLastOffset);
          writer.reset();
          writer.arrayHeader(args.length);
          for (let i = 0; i < args.length; i++) writer.value(args[i]!);
          void pipeline.vigilApplyFeaturesBuffer(keys.length, ...keys, writer.take());
        }
        counters.pipelines++;
        counters.commands += group.calls.length;
        const results = await pipeline.exec();
        results!.forEach(([err, value], c) => {
          if (err) throw err;
          const call = group.calls[c]!;
          // One flat array: per entity status, stored offset, rings field, cf, fb, sx, per dimension its
          // view window (n inline elements, counted here, or -1 and the PFCOUNT), then per memory its view
          // counts and its TTL count.
          const flat = unpack(value as Buffer, true) as unknown as (number | Buffer)[];
          let at = 0;
          for (const d of call) {
            const layout = d.compiled.layout;
            const base = at;
            at += 6;
            const distinct = layout.dimensions.map(() => {
              const n = flat[at++] as number;
              if (n < 0) return flat[at++] as number;
              at += n;
              return countElements(flat.slice(at - n, at) as Buffer[]);
            });
            const memories = layout.memories.map((m) => {
              const counts = flat.slice(at, at + m.viewsMs.length + 1) as number[];
              at += m.viewsMs.length + 1;
              return counts;
            });
            replies[indexOf.get(d)!] = [
              flat[base] as number,
              flat[base + 1] as number,
              flat[base + 2] as Buffer,
              flat.slice(base + 3, base + 6) as number[],
              distinct,
              memories,
            ];
          }
        });
      }),
    );
    return replies;
  }

  stats(): WindowStoreStats {
    return {
      kind: 'redis',
      watermark: this.clock.watermark,
      allowedLatenessMs: this.clock.allowedLatenessMs,
      ...this.clock.totals,
      ...this.totals,
    };
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.quit();
  }
}

function encodeEntity(
  d: EntityDelta,
  prefix: string,
  keys: string[],
  args: (string | number)[],
  watermark: number,
  hwm: string,
  batchLastOffset: number,
): void {
  const layout = d.compiled.layout;
  const sk = stateKey(prefix, entityTag(layout, d.id));
  keys.push(sk);
  const applied = d.applied;
  args.push(
    layout.code,
    applied > 0 ? hwm : '',
    batchLastOffset,
    d.firstOffset,
    d.lastOffset,
    applied,
    watermark,
    applied > 0 ? d.firstTs : 0,
    applied > 0 ? d.lastTs : 0,
    applied > 0 ? d.minTs : 0,
    applied > 0 ? d.maxTs : 0,
  );
  // The delta's length in arguments, filled in below: the script skips a replayed entity's delta unread.
  const lengthAt = args.length;
  args.push(0);
  const lc = d.compiled;
  for (let r = 0; r < lc.rings.length; r++) {
    const n = lc.rings[r]!.ids.length;
    args.push(bucketCount(d, r));
    forEachBucket(d, r, (idx, values, off) => {
      args.push(idx);
      for (let j = 0; j < n; j++) args.push(values[off + j]!);
    });
  }
  if (lc.sequentialIds) {
    if (Number.isNaN(d.firstId)) args.push(0);
    else args.push(1, d.firstId, d.firstIdTs, d.lastId);
  }
  if (lc.loginPrior) {
    const leading = d.leadingLogins;
    args.push(leading ? leading.size : 0);
    if (leading) for (const [ts, n] of leading) args.push(ts, n);
    args.push(d.lastNonLoginTs);
  }
  if (lc.sensitiveAfterLogin) {
    const actions = d.sensitiveActions ?? [];
    args.push(actions.length / 2);
    for (let i = 0; i < actions.length; i++) args.push(actions[i]!);
  }
  if (lc.loginOutcomes) {
    args.push(d.leadingFailures, d.successes, d.failuresBetweenLastSuccesses, d.failuresSinceSuccess, d.lastSuccessTs);
  }
  if (lc.travel) {
    if (d.travelFirst && d.travelLast) args.push(1, ...d.travelFirst, ...d.travelLast);
    else args.push(0);
  }
  const view = distinctViewWindow(watermark);
  for (let k = 0; k < layout.dimensions.length; k++) {
    const windows = dimensionWindows(d, k, view);
    args.push(windows ? windows.size : 0);
    if (windows) {
      for (const [w, elements] of windows) {
        args.push(w, elements.size);
        for (const el of elements) args.push(el);
      }
    }
  }
  layout.memories.forEach((_m, k) => {
    const members = memoryMembers(d, k);
    args.push(members ? members.size : 0);
    if (members) for (const [member, [minTs, maxTs]] of members) args.push(member, minTs, maxTs);
  });
  args[lengthAt] = args.length - lengthAt - 1;
}

function viewOfReply(d: EntityDelta, reply: Reply): EntityView {
  const [, , ringField, regs, distinct, memories] = reply;
  const compiled = COMPILED_BY_CODE[d.compiled.layout.code]!;
  const rings = ringField.length > 0 ? (unpack(ringField) as number[][]) : [];
  return {
    compiled,
    id: d.id,
    rings: compiled.rings.map((ring, r) => {
      const flat = rings[r] ?? [];
      return { count: Math.floor(flat.length / (ring.ids.length + 1)), flat };
    }),
    consecutiveFailures: regs[0]!,
    failuresBeforeLastSuccess: regs[1]!,
    lastSuccessTs: regs[2]!,
    distinct,
    memories,
  };
}
