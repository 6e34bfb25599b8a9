/**
 * The memory store's state for all entities of one type, in flat typed arrays indexed by an integer slot:
 * no object per entity, per bucket or per register, so a batch allocates almost nothing and the garbage
 * collector has little to walk however many entities are held.
 *
 *  - `ids` maps an entity id to its slot; freed slots are reused.
 *  - Registers: `regs[slot * REGISTERS.length + r]` (NaN: never set).
 *  - Counter buckets: per ring, fixed-width chunks `[bucket index, counters…]` in one Float64Array pool,
 *    chained per entity (`heads`, `next`). A chunk whose bucket has left the view at the batch's watermark
 *    is returned to the pool the next time its chain is walked: views only ever move forward, so such a
 *    bucket can never be read again.
 *  - Distinct counts: per dimension, the two live hopping windows (a view reads the older, an event
 *    writes at most these two). A window's first few set registers live inline in a typed array (most
 *    entities see one or two elements per window); beyond that a HyperLogLog object takes over.
 *  - Long memories: a small member list per entity and memory kind (MemberList), only for the types that
 *    keep them.
 *  - Per-batch scratch (first event time, login bookkeeping, snapshots taken before the first change)
 *    valid while `appliedBatch[slot]` equals the batch sequence number.
 */
import { HyperLogLog, countPatterns } from '../hll/redis-hll';
import type { CompiledLayout } from '../registry/compiled-layout';
import { REG, REGISTERS } from './entity-view';

const NREG = REGISTERS.length;
const NO_CHUNK = -1;
/** Set registers kept inline per window place before a HyperLogLog object takes over. */
const INLINE_REGISTERS = 4;
const PROMOTED = 255;

/** One ring's buckets for every entity of a type. */
export class BucketPool {
  /** Doubles per chunk: the bucket index, then the ring's counters. */
  readonly width: number;
  data: Float64Array;
  next: Int32Array;
  private freeHead = NO_CHUNK;
  private used = 0;

  constructor(counters: number) {
    this.width = 1 + counters;
    this.data = new Float64Array(1024 * this.width);
    this.next = new Int32Array(1024);
  }

  /** A zeroed chunk for bucket `idx`, linked before `next`. */
  alloc(idx: number, next: number): number {
    let c = this.freeHead;
    if (c !== NO_CHUNK) this.freeHead = this.next[c]!;
    else {
      if (this.used === this.next.length) this.grow();
      c = this.used++;
    }
    const w = this.width;
    const base = c * w;
    this.data[base] = idx;
    this.data.fill(0, base + 1, base + w);
    this.next[c] = next;
    return c;
  }

  release(c: number): void {
    this.next[c] = this.freeHead;
    this.freeHead = c;
  }

  private grow(): void {
    const n = this.next.length * 2;
    const data = new Float64Array(n * this.width);
    data.set(this.data);
    this.data = data;
    const next = new Int32Array(n);
    next.set(this.next);
    this.next = next;
  }
}

/**
 * One entity's long memory of one kind: members with their last sighting (event time), and what the
 * current batch saw of each — its first sighting in the batch and its last sighting before the batch —
 * so that newness is judged per batch as in Redis. Lists are short (caps of 16–64), so a scan beats a Map.
 */
export class MemberList {
  readonly members: string[] = [];
  readonly last: number[] = [];
  /** Batch that last saw the member, its first sighting there, its last sighting before it (NaN: none). */
  readonly batch: number[] = [];
  readonly batchMin: number[] = [];
  readonly before: number[] = [];
  /** Last batch that saw any member. */
  touchedBatch = -1;

  get size(): number {
    return this.members.length;
  }

  see(member: string, ts: number, seq: number): void {
    this.touchedBatch = seq;
    const ms = this.members;
    for (let i = 0; i < ms.length; i++) {
      if (ms[i] !== member) continue;
      if (this.batch[i] !== seq) {
        this.batch[i] = seq;
        this.before[i] = this.last[i]!;
        this.batchMin[i] = ts;
      } else if (ts < this.batchMin[i]!) this.batchMin[i] = ts;
      if (ts > this.last[i]!) this.last[i] = ts;
      return;
    }
    ms.push(member);
    this.last.push(ts);
    this.batch.push(seq);
    this.batchMin.push(ts);
    this.before.push(NaN);
  }

  /** Keeps the members for which `keep(i)` holds, in order. */
  retain(keep: (i: number) => boolean): void {
    let out = 0;
    const n = this.members.length;
    for (let i = 0; i < n; i++) {
      if (!keep(i)) continue;
      if (out !== i) {
        this.members[out] = this.members[i]!;
        this.last[out] = this.last[i]!;
        this.batch[out] = this.batch[i]!;
        this.batchMin[out] = this.batchMin[i]!;
        this.before[out] = this.before[i]!;
      }
      out++;
    }
    if (out === n) return;
    this.members.length = out;
    this.last.length = out;
    this.batch.length = out;
    this.batchMin.length = out;
    this.before.length = out;
  }
}

export class EntityTable {
  readonly compiled: CompiledLayout;
  readonly nRings: number;
  readonly nDims: number;
  readonly nMems: number;
  readonly ids = new Map<string, number>();
  slotIds: (string | undefined)[] = [];
  readonly pools: BucketPool[];
  private capacity = 0;
  private used = 0;
  private readonly free: number[] = [];

  regs = new Float64Array(0);
  /** Per slot × ring: first chunk of the chain. */
  heads = new Int32Array(0);
  /** Batch sequence number of the last touch (recency), -1 when the slot is free. */
  touchBatch = new Int32Array(0);
  /** Batch sequence number of the first applied event of the current batch. */
  appliedBatch = new Int32Array(0);
  // Per-batch scratch, valid while appliedBatch[slot] is the current batch.
  firstTs = new Float64Array(0);
  nonLoginSeen = new Uint8Array(0);
  batchSuccesses = new Int32Array(0);
  batchLastSuccessTs = new Float64Array(0);
  /** Last success as the batch found it (after a stale reset): for sensitive actions before the batch's first success. */
  sxStart = new Float64Array(0);
  /** Whether the entity had succeeded before the batch (before any stale reset, at the old watermark). */
  succeededStart = new Uint8Array(0);
  pendingSensitive = new Int32Array(0);
  /**
   * Per slot × dimension × 2 (a window place): the hopping-window number held (NaN: none), how many
   * registers are inline (PROMOTED: the HyperLogLog object holds them) and the inline patterns.
   */
  dimWindow = new Float64Array(0);
  dimInline = new Uint8Array(0);
  dimPatterns = new Int32Array(0);
  dimHll: (HyperLogLog | undefined)[] = [];
  /** Per slot × memory: member → last seen. */
  memories: (MemberList | undefined)[] = [];

  constructor(compiled: CompiledLayout) {
    this.compiled = compiled;
    this.nRings = compiled.rings.length;
    this.nDims = compiled.layout.dimensions.length;
    this.nMems = compiled.layout.memories.length;
    this.pools = compiled.rings.map((r) => new BucketPool(r.ids.length));
    this.resize(256);
  }

  get size(): number {
    return this.ids.size;
  }

  slotOf(id: string): number {
    const s = this.ids.get(id);
    return s === undefined ? -1 : s;
  }

  /** A fresh, empty slot for `id`. */
  create(id: string): number {
    let s = this.free.pop();
    if (s === undefined) {
      if (this.used === this.capacity) this.resize(this.capacity * 2);
      s = this.used++;
    }
    this.ids.set(id, s);
    this.slotIds[s] = id;
    this.appliedBatch[s] = -1;
    return s;
  }

  /** Frees the slot and everything it holds. */
  release(s: number): void {
    this.ids.delete(this.slotIds[s]!);
    this.slotIds[s] = undefined;
    this.clearCounters(s);
    this.touchBatch[s] = -1;
    this.appliedBatch[s] = -1;
    const d0 = s * this.nDims * 2;
    this.dimWindow.fill(NaN, d0, d0 + this.nDims * 2);
    this.dimInline.fill(0, d0, d0 + this.nDims * 2);
    for (let k = 0; k < this.nMems; k++) this.memories[s * this.nMems + k] = undefined;
    this.free.push(s);
  }

  /** Drops the counter buckets and registers (a stale entity restarts); distinct counts and memories stay. */
  clearCounters(s: number): void {
    for (let r = 0; r < this.nRings; r++) {
      const h = s * this.nRings + r;
      const pool = this.pools[r]!;
      let c = this.heads[h]!;
      while (c !== NO_CHUNK) {
        const next = pool.next[c]!;
        pool.release(c);
        c = next;
      }
      this.heads[h] = NO_CHUNK;
    }
    this.regs.fill(NaN, s * NREG, s * NREG + NREG);
  }

  /** True when the entity has been idle longer than its state TTL at `watermark`. */
  isStale(s: number, watermark: number): boolean {
    const ls = this.regs[s * NREG + REG.ls]!;
    return !Number.isNaN(ls) && watermark - ls > this.compiled.layout.stateTtlMs;
  }

  hasSucceeded(s: number, watermark: number): boolean {
    return !this.isStale(s, watermark) && !Number.isNaN(this.regs[s * NREG + REG.sx]!);
  }

  /**
   * The chunk of bucket `idx` in ring r of slot s, created if needed, or -1 when the bucket is already
   * out of view (at or below `floor`). Chunks at or below the floor met on the way are released.
   */
  chunk(s: number, r: number, idx: number, floor: number): number {
    if (idx <= floor) return NO_CHUNK;
    const pool = this.pools[r]!;
    const data = pool.data;
    const next = pool.next;
    const w = pool.width;
    const h = s * this.nRings + r;
    let prev = NO_CHUNK;
    let c = this.heads[h]!;
    while (c !== NO_CHUNK) {
      const ci = data[c * w]!;
      const after = next[c]!;
      if (ci === idx) return c;
      if (ci <= floor) {
        if (prev === NO_CHUNK) this.heads[h] = after;
        else next[prev] = after;
        pool.release(c);
      } else prev = c;
      c = after;
    }
    c = pool.alloc(idx, this.heads[h]!);
    this.heads[h] = c;
    return c;
  }

  /** Adds an element's HLL pattern to hopping window `w` of dimension k, resetting a place that held an older window. */
  addDistinct(s: number, k: number, w: number, pattern: number): void {
    const i = (s * this.nDims + k) * 2 + (w & 1);
    if (this.dimWindow[i] !== w) {
      this.dimWindow[i] = w;
      this.dimInline[i] = 0;
    }
    const n = this.dimInline[i]!;
    if (n === PROMOTED) {
      this.dimHll[i]!.addPattern(pattern);
      return;
    }
    const pats = this.dimPatterns;
    const base = i * INLINE_REGISTERS;
    const index = pattern >> 6;
    for (let j = base; j < base + n; j++) {
      const q = pats[j]!;
      if (q >> 6 !== index) continue;
      if ((q & 63) < (pattern & 63)) pats[j] = pattern;
      return;
    }
    if (n < INLINE_REGISTERS) {
      pats[base + n] = pattern;
      this.dimInline[i] = n + 1;
      return;
    }
    let hll = this.dimHll[i];
    if (hll) hll.clear();
    else this.dimHll[i] = hll = new HyperLogLog();
    for (let j = base; j < base + n; j++) hll.addPattern(pats[j]!);
    hll.addPattern(pattern);
    this.dimInline[i] = PROMOTED;
  }

  /** Distinct count (PFCOUNT) of window `w` of dimension k (0 when the entity holds no such window). */
  distinct(s: number, k: number, w: number): number {
    const i = (s * this.nDims + k) * 2 + (w & 1);
    if (this.dimWindow[i] !== w) return 0;
    const n = this.dimInline[i]!;
    return n === PROMOTED ? this.dimHll[i]!.count() : countPatterns(this.dimPatterns, i * INLINE_REGISTERS, n);
  }

  /** Estimated bytes of this table: its arrays as allocated, plus HyperLogLogs, memories and ids in use. */
  estimateBytes(): number {
    const slotArrays = [
      this.regs,
      this.heads,
      this.touchBatch,
      this.appliedBatch,
      this.firstTs,
      this.nonLoginSeen,
      this.batchSuccesses,
      this.batchLastSuccessTs,
      this.sxStart,
      this.succeededStart,
      this.pendingSensitive,
      this.dimWindow,
      this.dimInline,
      this.dimPatterns,
    ];
    let bytes = 0;
    for (const a of slotArrays) bytes += a.byteLength;
    // slotIds, dimHll and memories: one pointer per entry.
    bytes += 8 * (this.capacity + this.capacity * this.nDims * 2 + this.capacity * this.nMems);
    for (const pool of this.pools) bytes += pool.data.byteLength + pool.next.byteLength;
    for (const [id, s] of this.ids) {
      bytes += 40 + id.length * 2;
      for (let i = s * this.nDims * 2; i < (s + 1) * this.nDims * 2; i++) {
        if (this.dimInline[i] === PROMOTED && this.dimWindow[i] === this.dimWindow[i]) bytes += this.dimHll[i]!.bytes();
      }
      for (let k = 0; k < this.nMems; k++) {
        const m = this.memories[s * this.nMems + k];
        if (m) bytes += 120 + m.size * 70;
      }
    }
    return bytes;
  }

  private resize(capacity: number): void {
    const old = this.capacity;
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(a: T, width: number, fill?: number): T => {
      const b = new (a.constructor as new (n: number) => T)(capacity * width);
      b.set(a);
      if (fill !== undefined) b.fill(fill, old * width);
      return b;
    };
    this.regs = grow(this.regs, NREG, NaN);
    this.heads = grow(this.heads, this.nRings, NO_CHUNK);
    this.touchBatch = grow(this.touchBatch, 1, -1);
    this.appliedBatch = grow(this.appliedBatch, 1, -1);
    this.firstTs = grow(this.firstTs, 1);
    this.nonLoginSeen = grow(this.nonLoginSeen, 1);
    this.batchSuccesses = grow(this.batchSuccesses, 1);
    this.batchLastSuccessTs = grow(this.batchLastSuccessTs, 1);
    this.sxStart = grow(this.sxStart, 1);
    this.succeededStart = grow(this.succeededStart, 1);
    this.pendingSensitive = grow(this.pendingSensitive, 1);
    this.dimWindow = grow(this.dimWindow, this.nDims * 2, NaN);
    this.dimInline = grow(this.dimInline, this.nDims * 2);
    this.dimPatterns = grow(this.dimPatterns, this.nDims * 2 * INLINE_REGISTERS);
    this.capacity = capacity;
  }
}
