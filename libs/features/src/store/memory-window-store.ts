/**
 * The embedded WindowStore: all state in this process, in flat per-type tables (state/entity-table.ts),
 * bounded twice over so that an attacker rotating through millions of IPs cannot exhaust memory:
 *  - TTL: an entity idle (event time) for longer than its layout's state TTL is dropped by a sweep that
 *    runs whenever the watermark has moved a minute; a stale entity reads as empty even before the sweep.
 *  - Cap: at most `maxEntities` entities in all; beyond that the least recently touched entities of the
 *    most numerous type go first (a queue of touches per type, oldest first), so a flood of new IPs evicts
 *    IPs, not the accounts it attacks. Evictions are counted, so a flood is visible.
 * Idempotency is per (topic, partition): an offset at or below the highest one applied is a replay. A
 * batch is applied synchronously, so there is no partially applied batch to recover from.
 *
 * Events are applied one by one, straight into the tables: there is no per-entity delta object. What the
 * Redis store decides per batch (a login's prior request, failures before the batch's first success,
 * sensitive actions before it, memory newness) is decided here from snapshots taken when the batch first
 * touches an entity, so both stores give the same vectors batch for batch — the contract and equivalence
 * suites in test/features check exactly that.
 */
import type { AccessEvent } from '@vigil/events';
import { EVENT_APPLY, EVENT_SKIP, memberOf } from '../aggregate/batch-aggregator';
import { fillEventFacts, isLoginFailure, isLoginSuccess, isSensitive } from '../aggregate/event-facts';
import { travelSpeedKmh } from '../aggregate/travel';
import { hllPattern } from '../hll/redis-hll';
import { COUNTER_INDEX, COMPILED, type CompiledLayout } from '../registry/compiled-layout';
import {
  COUNTERS,
  GAP_CAP_MS,
  PRIOR_REQUEST_WINDOW_MS,
  SENSITIVE_AFTER_LOGIN_MS,
  SEQUENTIAL_ID_MAX_STEP,
} from '../registry/counters';
import { countryCentroid } from '../registry/country-centroids';
import { ENTITY_TYPES, RouteIdMemo, entityIdOf, type EntityType } from '../registry/entities';
import { DIMENSIONS, MEMORY_KINDS, dimensionElement } from '../registry/layout';
import { DISTINCT_HOP_MS, distinctViewWindow } from '../registry/windows';
import { PackWriter, packEntity, unpackEntity } from '../state/entity-codec';
import { EntityTable } from '../state/entity-table';
import { REG, REGISTERS, type EntityView } from '../state/entity-view';
import { toFeatureVector, type FeatureVector } from '../state/feature-vector';
import { BatchClock } from './batch-clock';
import {
  decodeStateMeta,
  encodeStateMeta,
  entityKey,
  parseEntityKey,
  type PackedEntity,
  type PackedWindowState,
} from './partition-state';
import type { ApplyResult, BatchPosition, WindowStore, WindowStoreOptions, WindowStoreStats } from './window-store';

export interface MemoryWindowStoreOptions extends WindowStoreOptions {
  /** Hard cap on entities kept (all types together); default 500,000. */
  readonly maxEntities?: number;
  /**
   * Keep the set of entities changed (touched or evicted) since the last `takeChanges()`, for a durable
   * copy written in bulk (partition-window-store.ts). Off by default: the embedded path does not pay for it.
   */
  readonly trackChanges?: boolean;
  /**
   * The entity types kept (default: all). A detector lane (libs/detection lanes.ts) keeps only the types
   * its key owns; an event's other entities are neither kept nor scored here.
   */
  readonly entityTypes?: readonly EntityType[];
}

const SWEEP_EVERY_MS = 60_000;
const C = COUNTER_INDEX;
const NREG = REGISTERS.length;
const PRINCIPAL = ENTITY_TYPES.indexOf('principal');
const ROUTE = ENTITY_TYPES.indexOf('route');
/** Memo sizes (element → HLL pattern, user agent → digest, method + template → route id). */
const MEMO_LIMIT = 100_000;

/** Touches of one type in order, as (slot, batch) pairs; an entry is current while the slot's last touch is that batch. */
class TouchQueue {
  private q = new Int32Array(8192);
  private head = 0;
  private tail = 0;

  push(slot: number, batch: number): void {
    if (this.tail + 2 > this.q.length) this.make(room(this.q.length, this.tail - this.head));
    this.q[this.tail++] = slot;
    this.q[this.tail++] = batch;
  }

  /** The least recently touched slot still current in `table`, removed from the queue; -1 when none. */
  popOldest(table: EntityTable): number {
    while (this.head < this.tail) {
      const s = this.q[this.head++]!;
      const b = this.q[this.head++]!;
      if (table.touchBatch[s] === b) return s;
    }
    return -1;
  }

  /** Drops entries no longer current once they outnumber the live ones, keeping the order. */
  compact(table: EntityTable): void {
    if ((this.tail - this.head) / 2 <= 2 * table.size + 4096) return;
    let out = 0;
    const q = this.q;
    for (let i = this.head; i < this.tail; i += 2) {
      if (table.touchBatch[q[i]!] !== q[i + 1]) continue;
      q[out++] = q[i]!;
      q[out++] = q[i + 1]!;
    }
    this.head = 0;
    this.tail = out;
  }

  private make(length: number): void {
    const q = new Int32Array(length);
    q.set(this.q.subarray(this.head, this.tail));
    this.tail -= this.head;
    this.head = 0;
    this.q = q;
  }
}

function room(length: number, used: number): number {
  return used + 2 > length / 2 ? length * 2 : length;
}

/** The one view object per table that vectors are computed from (toFeatureVector keeps nothing of it). */
class TableView implements EntityView {
  readonly compiled: CompiledLayout;
  id = '';
  readonly rings: { count: number; flat: Float64Array }[];
  consecutiveFailures = 0;
  failuresBeforeLastSuccess = 0;
  lastSuccessTs = -1;
  readonly distinct: number[];
  readonly memories: number[][];

  constructor(compiled: CompiledLayout) {
    this.compiled = compiled;
    this.rings = compiled.rings.map((r) => ({ count: 0, flat: new Float64Array(r.spec.buckets * (r.ids.length + 1)) }));
    this.distinct = compiled.layout.dimensions.map(() => 0);
    this.memories = compiled.layout.memories.map((m) => new Array<number>(m.viewsMs.length + 1).fill(0));
  }
}

export class MemoryWindowStore implements WindowStore {
  readonly kind = 'memory' as const;
  readonly maxEntities: number;
  private readonly clock: BatchClock;
  private readonly tables: EntityTable[] = ENTITY_TYPES.map((t) => new EntityTable(COMPILED[t]));
  private readonly queues: TouchQueue[] = ENTITY_TYPES.map(() => new TouchQueue());
  private readonly views: TableView[] = ENTITY_TYPES.map((t) => new TableView(COMPILED[t]));
  /** Per type: slots touched by the current batch, in first-touch order. */
  private readonly touched: number[][] = ENTITY_TYPES.map(() => []);
  /** Per type: slots the current batch created; freed again if no event was applied to them. */
  private readonly created: number[][] = ENTITY_TYPES.map(() => []);
  /** Per type × ring: the highest bucket index out of view at the batch's watermark. */
  private readonly floors: Float64Array[] = ENTITY_TYPES.map((t) => new Float64Array(COMPILED[t].rings.length));
  private readonly facts = new Float64Array(COUNTERS.length);
  /** Per type: its dimensions as indexes in DIMENSIONS. */
  private readonly dimCodes: Int32Array[] = ENTITY_TYPES.map((t) =>
    Int32Array.from(COMPILED[t].layout.dimensions, (d) => DIMENSIONS.indexOf(d)),
  );
  /** Per dimension: the current event's element pattern, valid while dimEvent says it is this event's (-2: no element). */
  private readonly dimPattern = new Int32Array(DIMENSIONS.length);
  private readonly dimEvent = new Float64Array(DIMENSIONS.length).fill(-1);
  /** Per memory kind: the current event's member, valid while memberEvent says it is this event's. */
  private readonly member: (string | null)[] = MEMORY_KINDS.map(() => null);
  private readonly memberEvent = new Float64Array(MEMORY_KINDS.length).fill(-1);
  /** Per type: its memories as indexes in MEMORY_KINDS. */
  private readonly memoryCodes: Int32Array[] = ENTITY_TYPES.map((t) =>
    Int32Array.from(COMPILED[t].layout.memories, (m) => MEMORY_KINDS.indexOf(m.kind)),
  );
  private eventSeq = 0;
  /** Entry indexes of one member list at a time (MemberPool.entries). */
  private readonly entryScratch: number[] = [];
  private readonly patterns = new Map<string, number>();
  private readonly uaDigests = new Map<string, string>();
  private readonly routeIds = new RouteIdMemo(MEMO_LIMIT);
  private batchSeq = 0;
  private nextOffset = 0;
  private lastSweepWatermark = -Infinity;
  private evictions = { evictedByTtl: 0, evictedByCap: 0 };
  /** Store-wide touch counter: touchOrder of an entity's latest (first-in-batch) touch. */
  private touchSeq = 0;
  /**
   * With trackChanges, per type: the slots touched since the last takeChanges() (each once: `flag` marks
   * the slots in `slots`; a slot freed since then packs whatever entity holds it now, or nothing), and the ids
   * evicted since then (an id held again by the time of the take is not removed).
   */
  private readonly dirty: { slots: number[]; flag: Uint8Array }[] | null;
  private readonly removed: Set<string>[] | null;
  private readonly packer = new PackWriter();
  /** Set while a packed state is being loaded (beginImport … finishImport). */
  private importing = false;
  /** Per type: whether this store keeps it (options.entityTypes). */
  private readonly kept: boolean[];

  constructor(options: MemoryWindowStoreOptions = {}) {
    this.clock = new BatchClock(options.allowedLatenessMs);
    this.maxEntities = options.maxEntities ?? 500_000;
    if (!(this.maxEntities >= 1)) throw new Error(`maxEntities must be >= 1, got ${this.maxEntities}`);
    const kept = options.entityTypes;
    if (kept) {
      for (const t of kept)
        if (!ENTITY_TYPES.includes(t)) throw new Error(`entityTypes: unknown entity type ${String(t)}`);
      if (kept.length === 0) throw new Error('entityTypes must name at least one entity type');
    }
    this.kept = ENTITY_TYPES.map((t) => !kept || kept.includes(t));
    this.dirty = options.trackChanges ? ENTITY_TYPES.map(() => ({ slots: [], flag: new Uint8Array(256) })) : null;
    this.removed = options.trackChanges ? ENTITY_TYPES.map(() => new Set<string>()) : null;
  }

  applyBatch(events: readonly AccessEvent[], position?: BatchPosition): Promise<ApplyResult> {
    return Promise.resolve(this.applyNow(events, position));
  }

  /** The synchronous apply, for callers that want no microtask per batch. */
  applyNow(events: readonly AccessEvent[], position?: BatchPosition): ApplyResult {
    if (this.importing) throw new Error('a packed state is being imported: finishImport() first');
    const batch = this.clock.classify(events, position, this.nextOffset);
    this.nextOffset += events.length;
    const before = this.clock.watermark;
    const watermark = batch.watermark;
    const seq = ++this.batchSeq;
    for (let t = 0; t < this.tables.length; t++) {
      const rings = this.tables[t]!.compiled.rings;
      const floors = this.floors[t]!;
      for (let r = 0; r < rings.length; r++) {
        const spec = rings[r]!.spec;
        floors[r] = Math.floor(watermark / spec.spanMs) - spec.buckets;
      }
      this.touched[t]!.length = 0;
      this.created[t]!.length = 0;
    }
    const oldestWindow = distinctViewWindow(watermark);
    const classes = batch.classes;
    const facts = this.facts;
    const principals = this.tables[PRINCIPAL]!;
    // As of batch start: a principal the batch has already changed answers from its snapshot.
    const unknownPrincipal = (p: string): boolean => {
      const s = principals.slotOf(p);
      if (s < 0) return true;
      return principals.appliedBatch[s] === seq
        ? principals.succeededStart[s] !== 1
        : !principals.hasSucceeded(s, before);
    };

    for (let i = 0; i < events.length; i++) {
      const cls = classes[i]!;
      if (cls === EVENT_SKIP) continue;
      const e = events[i]!;
      const apply = cls === EVENT_APPLY;
      const ts = e.ts;
      const login = e.routeClass === 'login';
      const loginOk = apply && isLoginSuccess(e);
      const loginFail = apply && isLoginFailure(e);
      const sensitive = isSensitive(e);
      this.eventSeq++;
      let numericId = -1;
      if (apply) numericId = fillEventFacts(facts, e, loginOk, loginFail, sensitive, unknownPrincipal);

      for (let t = 0; t < this.tables.length; t++) {
        if (!this.kept[t]) continue;
        const id = this.idOf(t, e);
        if (id === null) continue;
        const table = this.tables[t]!;
        let s = table.slotOf(id);
        if (s < 0) {
          s = table.create(id);
          this.created[t]!.push(s);
        }
        if (table.touchBatch[s] !== seq) {
          table.touchBatch[s] = seq;
          table.touchOrder[s] = ++this.touchSeq;
          this.touched[t]!.push(s);
          this.queues[t]!.push(s, seq);
        }
        if (!apply) continue;
        if (table.appliedBatch[s] !== seq) beginApply(table, s, ts, before, watermark, seq);
        this.applyEvent(t, table, s, e, ts, login, loginOk, loginFail, sensitive, numericId, oldestWindow);
      }
    }

    for (let t = 0; t < this.tables.length; t++) if (this.tables[t]!.nMems > 0) this.applyMemories(t, watermark, seq);

    const vectors: FeatureVector[] = [];
    for (let t = 0; t < this.tables.length; t++) {
      const table = this.tables[t]!;
      for (const s of this.touched[t]!) vectors.push(this.vectorOf(t, table, s, watermark, oldestWindow));
      for (const s of this.created[t]!) if (table.appliedBatch[s] !== seq) table.release(s);
      if (this.dirty) {
        // Every entity still held that the batch touched: its state or at least its recency changed.
        const dirty = this.dirty[t]!;
        const removed = this.removed![t]!;
        for (const s of this.touched[t]!) {
          if (table.slotIds[s] === undefined) continue;
          if (s >= dirty.flag.length) {
            const grown = new Uint8Array(Math.max(2 * dirty.flag.length, s + 1));
            grown.set(dirty.flag);
            dirty.flag = grown;
          }
          if (dirty.flag[s] === 0) {
            dirty.flag[s] = 1;
            dirty.slots.push(s);
          }
          if (removed.size > 0) removed.delete(table.slotIds[s]!);
        }
      }
    }
    this.clock.commit(batch);
    this.enforceBounds(watermark);
    return {
      vectors,
      watermark,
      events: events.length,
      applied: batch.applied,
      late: batch.late,
      duplicates: batch.duplicates,
      duplicateEntities: 0,
      entities: vectors.length,
      roundTrips: 0,
      pipelines: 0,
      commands: 0,
    };
  }

  private idOf(t: number, e: AccessEvent): string | null {
    return t === ROUTE ? this.routeIds.get(e.method, e.routeTemplate) : entityIdOf(ENTITY_TYPES[t]!, e);
  }

  private pattern(element: string): number {
    let p = this.patterns.get(element);
    if (p === undefined) {
      if (this.patterns.size >= MEMO_LIMIT) this.patterns.clear();
      p = hllPattern(element);
      this.patterns.set(element, p);
    }
    return p;
  }

  private applyEvent(
    t: number,
    table: EntityTable,
    s: number,
    e: AccessEvent,
    ts: number,
    login: boolean,
    loginOk: boolean,
    loginFail: boolean,
    sensitive: boolean,
    numericId: number,
    oldestWindow: number,
  ): void {
    const lc = table.compiled;
    const floors = this.floors[t]!;
    const facts = this.facts;
    const rings = lc.rings;
    for (let r = 0; r < rings.length; r++) {
      const ring = rings[r]!;
      const c = table.chunk(s, r, Math.floor(ts / ring.spec.spanMs), floors[r]!);
      if (c < 0) continue;
      const pool = table.pools[r]!;
      const data = pool.data;
      const base = c * pool.width + 1;
      const ids = ring.ids;
      for (let j = 0; j < ids.length; j++) data[base + j]! += facts[ids[j]!]!;
    }
    const regs = table.regs;
    const rb = s * NREG;
    const ls = regs[rb + REG.ls]!;
    if (Number.isNaN(ls) || ts > ls) regs[rb + REG.ls] = ts;
    if (lc.gaps) {
      const lt = regs[rb + REG.lt]!;
      if (!Number.isNaN(lt)) {
        let g = ts - lt;
        g = g < 0 ? 0 : g > GAP_CAP_MS ? GAP_CAP_MS : g;
        this.addCounter(t, table, s, C.gapCount, ts, 1);
        this.addCounter(t, table, s, C.gapSumMs, ts, g);
        this.addCounter(t, table, s, C.gapSumSqMs, ts, g * g);
      }
      regs[rb + REG.lt] = ts;
    }
    if (lc.sequentialIds && numericId >= 0) {
      const li = regs[rb + REG.li]!;
      if (!Number.isNaN(li)) {
        const step = Math.abs(numericId - li);
        if (step >= 1 && step <= SEQUENTIAL_ID_MAX_STEP) this.addCounter(t, table, s, C.sequentialIdRequests, ts, 1);
      }
      regs[rb + REG.li] = numericId;
    }
    if (lc.loginPrior) {
      const nl = regs[rb + REG.nl]!;
      if (login) {
        // Logins before the batch's first non-login request of this entity: judged, like in Redis, by the
        // non-login request stored before the batch against the entity's first event of the batch.
        if (table.nonLoginSeen[s] === 0) {
          const prior = !Number.isNaN(nl) && table.firstTs[s]! - nl <= PRIOR_REQUEST_WINDOW_MS;
          if (!prior) this.addCounter(t, table, s, C.loginsWithoutPriorRequest, ts, 1);
        }
      } else {
        table.nonLoginSeen[s] = 1;
        if (Number.isNaN(nl) || ts > nl) regs[rb + REG.nl] = ts;
      }
    }
    if (lc.loginOutcomes) {
      if (loginOk) {
        const cf = regs[rb + REG.cf]!;
        regs[rb + REG.fb] = Number.isNaN(cf) ? 0 : cf;
        regs[rb + REG.cf] = 0;
        const sx = regs[rb + REG.sx]!;
        if (Number.isNaN(sx) || ts > sx) regs[rb + REG.sx] = ts;
        if (ts > table.batchLastSuccessTs[s]!) table.batchLastSuccessTs[s] = ts;
      } else if (loginFail) {
        const cf = regs[rb + REG.cf]!;
        regs[rb + REG.cf] = (Number.isNaN(cf) ? 0 : cf) + 1;
      }
    }
    if (lc.sensitiveAfterLogin && sensitive) {
      // Against the latest success applied before it: the stored one or the batch's, whichever is later
      // (as the Redis script judges it; the same however the stream is cut into batches).
      let last = table.sxStart[s]!;
      const batchLast = table.batchLastSuccessTs[s]!;
      if (batchLast >= 0 && !(batchLast <= last)) last = batchLast;
      const since = ts - last;
      if (!Number.isNaN(last) && since >= 0 && since <= SENSITIVE_AFTER_LOGIN_MS)
        this.addCounter(t, table, s, C.sensitiveAfterLogin, ts, 1);
    }
    if (lc.travel && loginOk) {
      const where = countryCentroid(e.country);
      if (where) {
        const tt = regs[rb + REG.tt]!;
        if (!Number.isNaN(tt)) {
          const speed = travelSpeedKmh(
            [tt, regs[rb + REG.ta]!, regs[rb + REG.to]!, regs[rb + REG.tc]!],
            [ts, where.lat, where.lon, where.cosLat],
          );
          this.addCounter(t, table, s, C.travelMaxKmh, ts, speed);
        }
        regs[rb + REG.tt] = ts;
        regs[rb + REG.ta] = where.lat;
        regs[rb + REG.to] = where.lon;
        regs[rb + REG.tc] = where.cosLat;
      }
    }
    const layout = lc.layout;
    const dims = layout.dimensions;
    if (dims.length > 0) {
      const w = Math.floor(ts / DISTINCT_HOP_MS);
      const codes = this.dimCodes[t]!;
      for (let k = 0; k < dims.length; k++) {
        // One pattern per element and event, however many entity types count it.
        const d = codes[k]!;
        let p: number;
        if (this.dimEvent[d] === this.eventSeq) p = this.dimPattern[d]!;
        else {
          const el = dimensionElement(dims[k]!, e);
          p = el === null ? -2 : this.pattern(el);
          this.dimPattern[d] = p;
          this.dimEvent[d] = this.eventSeq;
        }
        if (p === -2) continue;
        // An element joins the window of its hop and the one before (windows are two hops long).
        if (w - 1 >= oldestWindow) table.addDistinct(s, k, w - 1, p);
        if (w >= oldestWindow) table.addDistinct(s, k, w, p);
      }
    }
    const memories = layout.memories;
    if (memories.length > 0) {
      const mem = table.mem;
      const base = s * memories.length;
      const codes = this.memoryCodes[t]!;
      for (let k = 0; k < memories.length; k++) {
        const m = codes[k]!;
        if (this.memberEvent[m] !== this.eventSeq) {
          this.member[m] = memberOf(memories[k]!.kind, e, this.uaDigests);
          this.memberEvent[m] = this.eventSeq;
        }
        const member = this.member[m];
        if (member !== null && member !== undefined) mem.see(base + k, member, ts, this.batchSeq);
      }
      if (this.uaDigests.size >= MEMO_LIMIT) this.uaDigests.clear();
    }
  }

  /** Adds (or maxes) `value` into counter `counterId` at `ts`, in every ring of the type that keeps it. */
  private addCounter(t: number, table: EntityTable, s: number, counterId: number, ts: number, value: number): void {
    const rings = table.compiled.rings;
    const floors = this.floors[t]!;
    for (let r = 0; r < rings.length; r++) {
      const ring = rings[r]!;
      const pos = ring.positionOf[counterId]!;
      if (pos < 0) continue;
      const c = table.chunk(s, r, Math.floor(ts / ring.spec.spanMs), floors[r]!);
      if (c < 0) continue;
      const pool = table.pools[r]!;
      const i = c * pool.width + 1 + pos;
      if (ring.isMax[pos]) {
        if (value > pool.data[i]!) pool.data[i] = value;
      } else pool.data[i]! += value;
    }
  }

  /**
   * Long memories, per entity and memory seen in the batch: a member is new when unknown or forgotten
   * before its first sighting in the batch (counted then); then members past the TTL go, then the least
   * recently seen over the cap (Redis ZREMRANGEBYRANK order: by time, then member bytes).
   */
  private applyMemories(t: number, watermark: number, seq: number): void {
    const table = this.tables[t]!;
    const specs = table.compiled.layout.memories;
    const nm = specs.length;
    const mem = table.mem;
    for (const s of this.touched[t]!) {
      if (table.appliedBatch[s] !== seq) continue;
      for (let k = 0; k < nm; k++) {
        const list = s * nm + k;
        if (mem.touchedBatch[list] !== seq) continue;
        const spec = specs[k]!;
        const newCounter = spec.newCounter === null ? -1 : C[spec.newCounter];
        if (newCounter >= 0) {
          const entries = this.entryScratch;
          const n = mem.entries(list, entries);
          for (let j = 0; j < n; j++) {
            const i = entries[j]!;
            if (mem.batch[i] !== seq) continue;
            const before = mem.before[i]!;
            const first = mem.batchMin[i]!;
            if (Number.isNaN(before) || before < first - spec.ttlMs) this.addCounter(t, table, s, newCounter, first, 1);
          }
        }
        mem.prune(list, watermark - spec.ttlMs, spec.cap);
      }
    }
  }

  private vectorOf(t: number, table: EntityTable, s: number, watermark: number, oldestWindow: number): FeatureVector {
    const view = this.views[t]!;
    const lc = table.compiled;
    view.id = table.slotIds[s]!;
    const stale = table.isStale(s, watermark);
    const floors = this.floors[t]!;
    for (let r = 0; r < lc.rings.length; r++) {
      const out = view.rings[r]!;
      out.count = 0;
      if (stale) continue;
      const pool = table.pools[r]!;
      const w = pool.width;
      const data = pool.data;
      const floor = floors[r]!;
      let c = table.heads[s * table.nRings + r]!;
      while (c >= 0) {
        const base = c * w;
        if (data[base]! > floor) {
          const flat = out.flat;
          const o = out.count * w;
          for (let j = 0; j < w; j++) flat[o + j] = data[base + j]!;
          out.count++;
        }
        c = pool.next[c]!;
      }
    }
    const regs = table.regs;
    const rb = s * NREG;
    if (stale) {
      view.consecutiveFailures = 0;
      view.failuresBeforeLastSuccess = 0;
      view.lastSuccessTs = -1;
    } else {
      const cf = regs[rb + REG.cf]!;
      const fb = regs[rb + REG.fb]!;
      const sx = regs[rb + REG.sx]!;
      view.consecutiveFailures = Number.isNaN(cf) ? 0 : cf;
      view.failuresBeforeLastSuccess = Number.isNaN(fb) ? 0 : fb;
      view.lastSuccessTs = Number.isNaN(sx) ? -1 : sx;
    }
    for (let k = 0; k < table.nDims; k++) view.distinct[k] = table.distinct(s, k, oldestWindow);
    const specs = lc.layout.memories;
    const mem = table.mem;
    for (let k = 0; k < specs.length; k++) {
      const spec = specs[k]!;
      const counts = view.memories[k]!;
      counts.fill(0);
      const views = spec.viewsMs;
      const entries = this.entryScratch;
      const n = mem.entries(s * specs.length + k, entries);
      for (let j = 0; j < n; j++) {
        const score = mem.last[entries[j]!]!;
        for (let v = 0; v < views.length; v++) if (score >= watermark - views[v]!) counts[v]!++;
        if (score >= watermark - spec.ttlMs) counts[views.length]!++;
      }
    }
    return toFeatureVector(view, watermark);
  }

  private enforceBounds(watermark: number): void {
    let count = this.size;
    if (watermark - this.lastSweepWatermark >= SWEEP_EVERY_MS || count > this.maxEntities) {
      this.lastSweepWatermark = watermark;
      for (const table of this.tables) {
        const stale: number[] = [];
        for (const s of table.ids.values()) if (table.isStale(s, watermark)) stale.push(s);
        for (const s of stale) this.evict(table, s);
        this.evictions.evictedByTtl += stale.length;
        count -= stale.length;
      }
    }
    while (count > this.maxEntities) {
      let largest = 0;
      for (let t = 1; t < this.tables.length; t++) if (this.tables[t]!.size > this.tables[largest]!.size) largest = t;
      const table = this.tables[largest]!;
      // Oldest touch first, and not more than the excess or half of the type at once.
      let evict = Math.min(count - this.maxEntities, Math.ceil(table.size / 2));
      while (evict-- > 0) {
        const s = this.queues[largest]!.popOldest(table);
        if (s < 0) break;
        this.evict(table, s);
        count--;
        this.evictions.evictedByCap++;
      }
    }
    for (let t = 0; t < this.tables.length; t++) this.queues[t]!.compact(this.tables[t]!);
  }

  private evict(table: EntityTable, s: number): void {
    // Its slot stays flagged dirty if it was: the take packs whoever holds the slot then, if anyone.
    if (this.removed) this.removed[ENTITY_TYPES.indexOf(table.compiled.layout.type)]!.add(table.slotIds[s]!);
    table.release(s);
  }

  /** Every entity held, packed, with the store-level meta: a full copy of this store's state. */
  exportState(): PackedWindowState {
    return this.pack(
      this.tables.map((table) => table.ids.values()),
      [],
    );
  }

  /**
   * The entities touched since the last call (state or recency changed), packed, and the keys of those
   * evicted since then and not held now; the change sets start again empty. Upserting every call's
   * entities into a map and deleting its removed keys reproduces exportState() (partition-state.test.ts).
   */
  takeChanges(): PackedWindowState {
    if (!this.dirty) throw new Error('takeChanges() needs a store built with trackChanges: true');
    const removed: string[] = [];
    const changed: number[][] = [];
    for (let t = 0; t < this.tables.length; t++) {
      const table = this.tables[t]!;
      for (const id of this.removed![t]!) if (table.slotOf(id) < 0) removed.push(entityKey(ENTITY_TYPES[t]!, id));
      this.removed![t]!.clear();
      const dirty = this.dirty[t]!;
      const held: number[] = [];
      for (const s of dirty.slots) {
        dirty.flag[s] = 0;
        if (table.slotIds[s] !== undefined) held.push(s);
      }
      dirty.slots.length = 0;
      changed.push(held);
    }
    return this.pack(changed, removed);
  }

  /** Packs the entities in these slots (per type; every slot held) and the store-level meta. */
  private pack(slotsByType: readonly Iterable<number>[], removed: string[]): PackedWindowState {
    const w = this.packer;
    w.reset();
    const keys: string[] = [];
    // Per entity: where its value starts and ends in the framed pairs.
    const bounds: number[] = [];
    for (let t = 0; t < this.tables.length; t++) {
      const table = this.tables[t]!;
      for (const s of slotsByType[t]!) {
        const key = entityKey(ENTITY_TYPES[t]!, table.slotIds[s]!);
        w.framedString(key);
        const at = w.pos;
        w.u32(0);
        packEntity(table, s, w);
        w.patchU32(at, w.pos - at - 4);
        keys.push(key);
        bounds.push(at + 4, w.pos);
      }
    }
    const pairs = w.take();
    const entities: PackedEntity[] = keys.map((key, i) => ({
      key,
      value: pairs.subarray(bounds[2 * i], bounds[2 * i + 1]),
    }));
    return { meta: this.metaBytes(), entities, pairs, removed };
  }

  private metaBytes(): Buffer {
    return encodeStateMeta({
      allowedLatenessMs: this.clock.allowedLatenessMs,
      clock: this.clock.snapshot(),
      lastSweepWatermark: this.lastSweepWatermark,
      nextOffset: this.nextOffset,
      touchSeq: this.touchSeq,
      entities: this.size,
      ...this.evictions,
    });
  }

  /**
   * Starts loading a packed state into this store, which must be fresh (no batch, no entity): the meta
   * first, then the entities in any order and any number of calls (importEntity), then finishImport().
   * Allowed lateness and the entity cap stay this store's own options.
   */
  beginImport(meta: Buffer): void {
    if (this.clock.totals.batches > 0 || this.size > 0 || this.importing) {
      throw new Error('a packed state loads only into a fresh store');
    }
    const m = decodeStateMeta(meta);
    this.clock.restore(m.clock);
    this.lastSweepWatermark = m.lastSweepWatermark;
    this.nextOffset = m.nextOffset;
    this.touchSeq = m.touchSeq;
    this.evictions = { evictedByTtl: m.evictedByTtl, evictedByCap: m.evictedByCap };
    this.importing = true;
  }

  /** Loads one packed entity; false (and nothing loaded) when the entity is already held. */
  importEntity(key: string, value: Buffer): boolean {
    if (!this.importing) throw new Error('importEntity() before beginImport()');
    const parsed = parseEntityKey(key);
    if (!parsed) throw new Error(`not an entity key: ${JSON.stringify(key)}`);
    const table = this.tables[parsed.type]!;
    if (table.slotOf(parsed.id) >= 0) return false;
    unpackEntity(table, parsed.id, value);
    return true;
  }

  /** Highest offset applied on (topic, partition), or -Infinity. */
  appliedOffset(topic: string, partition: number): number {
    return this.clock.appliedOffset(topic, partition);
  }

  /** Ends a load: the recency queues are rebuilt in the packed touch order, so eviction order is kept. */
  finishImport(): void {
    if (!this.importing) throw new Error('finishImport() before beginImport()');
    for (let t = 0; t < this.tables.length; t++) {
      const table = this.tables[t]!;
      const slots = [...table.ids.values()].sort((a, b) => table.touchOrder[a]! - table.touchOrder[b]!);
      for (const s of slots) {
        // Batch 0 is before this store's first batch (1): current in the queue until the next touch.
        table.touchBatch[s] = 0;
        this.queues[t]!.push(s, 0);
        if (table.touchOrder[s]! > this.touchSeq) this.touchSeq = table.touchOrder[s]!;
      }
    }
    this.importing = false;
  }

  /** beginImport + importEntity for each + finishImport. */
  importState(meta: Buffer, entities: Iterable<PackedEntity>): void {
    this.beginImport(meta);
    for (const e of entities) {
      if (!this.importEntity(e.key, e.value)) throw new Error(`${e.key} is in the state twice`);
    }
    this.finishImport();
  }

  /** Entities currently held. */
  /**
   * Entities held and evicted so far, without the walk over every entity that stats()' estimatedBytes
   * does: cheap enough to read after every batch.
   */
  holdings(): { readonly entities: number; readonly evictedByTtl: number; readonly evictedByCap: number } {
    return { entities: this.size, ...this.evictions };
  }

  get size(): number {
    let n = 0;
    for (const table of this.tables) n += table.size;
    return n;
  }

  /** Estimated bytes of all entity state: the tables as allocated plus what their entities hold. */
  estimateBytes(): number {
    let bytes = 0;
    for (const table of this.tables) bytes += table.estimateBytes();
    return bytes;
  }

  stats(): WindowStoreStats {
    return {
      kind: 'memory',
      watermark: this.clock.watermark,
      allowedLatenessMs: this.clock.allowedLatenessMs,
      ...this.clock.totals,
      ...this.evictions,
      duplicateEntities: 0,
      roundTrips: 0,
      entities: this.size,
      estimatedBytes: this.estimateBytes(),
    };
  }

  close(): Promise<void> {
    for (const table of this.tables) for (const s of [...table.ids.values()]) table.release(s);
    return Promise.resolve();
  }
}

/** The first applied event of the batch for this entity: snapshots, then a stale entity restarts. */
function beginApply(table: EntityTable, s: number, ts: number, before: number, watermark: number, seq: number): void {
  table.appliedBatch[s] = seq;
  table.succeededStart[s] = table.hasSucceeded(s, before) ? 1 : 0;
  if (table.isStale(s, watermark)) table.clearCounters(s);
  table.firstTs[s] = ts;
  table.nonLoginSeen[s] = 0;
  table.batchLastSuccessTs[s] = -1;
  table.sxStart[s] = table.regs[s * REGISTERS.length + REG.sx]!;
}
