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
 *  - Long memories: a member list per entity and memory kind, as chunk chains in one MemberPool per
 *    table (only the types that keep them have any).
 *  - Per-batch scratch (first event time, login bookkeeping, snapshots taken before the first change)
 *    valid while `appliedBatch[slot]` equals the batch sequence number.
 */
import { HyperLogLog, countPatterns } from '../hll/redis-hll';
import type { CompiledLayout } from '../registry/compiled-layout';
import { REG, REGISTERS } from './entity-view';

const NREG = REGISTERS.length;
export const NO_CHUNK = -1;
/** Set registers kept inline per window place before a HyperLogLog object takes over. */
export const INLINE_REGISTERS = 4;
/** dimInline value of a window place whose registers are in its HyperLogLog object. */
export const PROMOTED = 255;

type Flat = Float64Array | Int32Array | Uint8Array;

/** A copy of `a` of length `length` (≥ a.length), the new tail set to `fill` (default 0). */
function enlarged<T extends Flat>(a: T, length: number, fill?: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  if (fill !== undefined && fill !== 0) b.fill(fill, a.length);
  return b;
}

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

  /** Frees chunk c and the chunks after it. */
  releaseChain(c: number): void {
    while (c !== NO_CHUNK) {
      const after = this.next[c]!;
      this.release(c);
      c = after;
    }
  }

  private grow(): void {
    const n = this.next.length * 2;
    this.data = enlarged(this.data, n * this.width);
    this.next = enlarged(this.next, n);
  }
}

/**
 * Order of strings by code point, which is the order of their UTF-8 bytes (what Redis compares). JS `<`
 * compares UTF-16 units, which differs where a surrogate (a code point above U+FFFF) meets U+E000–U+FFFF.
 */
export function byCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Members per chunk of a member list. */
export const MEMBERS_PER_CHUNK = 4;

/**
 * The long memories of one type (a principal's devices, a session's IPs, …): one member list per
 * slot × memory kind, as chains of fixed-size chunks in flat arrays, so that a new entity or a new member
 * allocates nothing (the arrays grow by doubling). Per member: its last sighting (event time), and what
 * the current batch saw of it — the batch that last saw it, its first sighting there and its last sighting
 * before it — so that newness is judged per batch as in Redis. Entries of a list are kept in order and
 * packed: every chunk of a chain is full but the last (`tails`). Lists are short (caps of 16–64), so a
 * scan beats a hash.
 */
export class MemberPool {
  /** Per list (slot × memory kind): first and last chunk (-1: empty), member count, last batch that saw any member. */
  heads: Int32Array;
  tails: Int32Array;
  sizes: Int32Array;
  touchedBatch: Int32Array;
  /** Per chunk: the next chunk of its chain, or the next free chunk. */
  next: Int32Array;
  /** Per entry (chunk × MEMBERS_PER_CHUNK + j). */
  members: (string | undefined)[];
  last: Float64Array;
  batch: Int32Array;
  batchMin: Float64Array;
  before: Float64Array;
  private freeHead = NO_CHUNK;
  private used = 0;
  /** Entry indexes of one list at a time (prune). */
  private readonly scratch: number[] = [];

  constructor(lists: number, chunks = 256) {
    this.heads = new Int32Array(lists).fill(NO_CHUNK);
    this.tails = new Int32Array(lists).fill(NO_CHUNK);
    this.sizes = new Int32Array(lists);
    this.touchedBatch = new Int32Array(lists).fill(-1);
    this.next = new Int32Array(chunks);
    this.members = new Array<string | undefined>(chunks * MEMBERS_PER_CHUNK).fill(undefined);
    this.last = new Float64Array(chunks * MEMBERS_PER_CHUNK);
    this.batch = new Int32Array(chunks * MEMBERS_PER_CHUNK);
    this.batchMin = new Float64Array(chunks * MEMBERS_PER_CHUNK);
    this.before = new Float64Array(chunks * MEMBERS_PER_CHUNK);
  }

  /** Records a sighting of `member` at `ts` in batch `seq`. */
  see(list: number, member: string, ts: number, seq: number): void {
    this.touchedBatch[list] = seq;
    const n = this.sizes[list]!;
    const ms = this.members;
    let c = this.heads[list]!;
    let left = n;
    while (c !== NO_CHUNK) {
      const base = c * MEMBERS_PER_CHUNK;
      const end = base + (left < MEMBERS_PER_CHUNK ? left : MEMBERS_PER_CHUNK);
      for (let e = base; e < end; e++) {
        if (ms[e] !== member) continue;
        if (this.batch[e] !== seq) {
          this.batch[e] = seq;
          this.before[e] = this.last[e]!;
          this.batchMin[e] = ts;
        } else if (ts < this.batchMin[e]!) this.batchMin[e] = ts;
        if (ts > this.last[e]!) this.last[e] = ts;
        return;
      }
      left -= MEMBERS_PER_CHUNK;
      c = this.next[c]!;
    }
    const j = n % MEMBERS_PER_CHUNK;
    let tail = this.tails[list]!;
    if (j === 0) {
      const fresh = this.alloc();
      if (tail === NO_CHUNK) this.heads[list] = fresh;
      else this.next[tail] = fresh;
      this.tails[list] = tail = fresh;
    }
    const e = tail * MEMBERS_PER_CHUNK + j;
    ms[e] = member;
    this.last[e] = ts;
    this.batch[e] = seq;
    this.batchMin[e] = ts;
    this.before[e] = NaN;
    this.sizes[list] = n + 1;
  }

  /**
   * Keeps the members of `list` seen at or after `oldest`, then, over `cap`, drops the least recently seen
   * (Redis ZREMRANGEBYRANK order: by time, then member bytes). Order of the kept members is preserved.
   */
  prune(list: number, oldest: number, cap: number): void {
    const all = this.scratch;
    const n = this.entries(list, all);
    let live = 0;
    for (let i = 0; i < n; i++) if (this.last[all[i]!]! >= oldest) live++;
    if (live === n && n <= cap) return;
    const kept: number[] = [];
    for (let i = 0; i < n; i++) if (this.last[all[i]!]! >= oldest) kept.push(all[i]!);
    if (kept.length > cap) {
      const byAge = kept.slice().sort((a, b) => {
        const d = this.last[a]! - this.last[b]!;
        if (d !== 0) return d;
        return byCodePoints(this.members[a]!, this.members[b]!);
      });
      const drop = new Set(byAge.slice(0, kept.length - cap));
      this.compact(
        list,
        kept.filter((e) => !drop.has(e)),
      );
    } else if (kept.length < n) this.compact(list, kept);
  }

  /** Writes the entry indexes of `list` into `out`, in order, and returns how many there are. */
  entries(list: number, out: number[]): number {
    let n = 0;
    for (
      let c = this.heads[list]!, left = this.sizes[list]!;
      c !== NO_CHUNK;
      c = this.next[c]!, left -= MEMBERS_PER_CHUNK
    ) {
      const base = c * MEMBERS_PER_CHUNK;
      const end = base + Math.min(left, MEMBERS_PER_CHUNK);
      for (let e = base; e < end; e++) out[n++] = e;
    }
    return n;
  }

  /** Makes `list` hold exactly the entries `kept` (in chain order), packed at the front; frees empty chunks. */
  private compact(list: number, kept: readonly number[]): void {
    if (kept.length === 0) {
      this.clear(list);
      return;
    }
    let wc = this.heads[list]!;
    for (let w = 0; w < kept.length; w++) {
      if (w > 0 && w % MEMBERS_PER_CHUNK === 0) wc = this.next[wc]!;
      const to = wc * MEMBERS_PER_CHUNK + (w % MEMBERS_PER_CHUNK);
      // Writes never overtake reads: the w-th kept entry sits at chain position w or later.
      if (to !== kept[w]) this.move(kept[w]!, to);
    }
    this.releaseChain(this.next[wc]!);
    this.next[wc] = NO_CHUNK;
    this.tails[list] = wc;
    for (let j = kept.length % MEMBERS_PER_CHUNK || MEMBERS_PER_CHUNK; j < MEMBERS_PER_CHUNK; j++)
      this.members[wc * MEMBERS_PER_CHUNK + j] = undefined;
    this.sizes[list] = kept.length;
  }

  private move(from: number, to: number): void {
    this.members[to] = this.members[from];
    this.last[to] = this.last[from]!;
    this.batch[to] = this.batch[from]!;
    this.batchMin[to] = this.batchMin[from]!;
    this.before[to] = this.before[from]!;
  }

  /** Forgets every member of `list`. */
  clear(list: number): void {
    this.releaseChain(this.heads[list]!);
    this.heads[list] = NO_CHUNK;
    this.tails[list] = NO_CHUNK;
    this.sizes[list] = 0;
    this.touchedBatch[list] = -1;
  }

  /** Room for `lists` lists (the table grew). */
  resize(lists: number): void {
    this.heads = enlarged(this.heads, lists, NO_CHUNK);
    this.tails = enlarged(this.tails, lists, NO_CHUNK);
    this.sizes = enlarged(this.sizes, lists);
    this.touchedBatch = enlarged(this.touchedBatch, lists, -1);
  }

  /** Bytes of the pool: its arrays as allocated, plus the member strings it holds (one-byte strings). */
  bytes(): number {
    let strings = 0;
    for (const m of this.members) if (m !== undefined) strings += 16 + Math.ceil(m.length / 8) * 8;
    return (
      strings +
      this.heads.byteLength * 4 +
      this.next.byteLength +
      8 * this.members.length +
      this.last.byteLength +
      this.batch.byteLength +
      this.batchMin.byteLength +
      this.before.byteLength
    );
  }

  private alloc(): number {
    let c = this.freeHead;
    if (c !== NO_CHUNK) this.freeHead = this.next[c]!;
    else {
      if (this.used === this.next.length) this.grow();
      c = this.used++;
    }
    this.next[c] = NO_CHUNK;
    return c;
  }

  /** Frees chunk c and the chunks after it. */
  private releaseChain(c: number): void {
    while (c !== NO_CHUNK) {
      const after = this.next[c]!;
      this.releaseChunk(c);
      c = after;
    }
  }

  private releaseChunk(c: number): void {
    const base = c * MEMBERS_PER_CHUNK;
    for (let j = 0; j < MEMBERS_PER_CHUNK; j++) this.members[base + j] = undefined;
    this.next[c] = this.freeHead;
    this.freeHead = c;
  }

  private grow(): void {
    const chunks = Math.max(256, this.next.length * 2);
    const entries = chunks * MEMBERS_PER_CHUNK;
    this.next = enlarged(this.next, chunks);
    for (let e = this.members.length; e < entries; e++) this.members.push(undefined);
    this.last = enlarged(this.last, entries);
    this.batchMin = enlarged(this.batchMin, entries);
    this.before = enlarged(this.before, entries);
    this.batch = enlarged(this.batch, entries);
  }
}

type SlotArray =
  | 'regs'
  | 'heads'
  | 'touchBatch'
  | 'touchOrder'
  | 'appliedBatch'
  | 'firstTs'
  | 'nonLoginSeen'
  | 'batchLastSuccessTs'
  | 'sxStart'
  | 'succeededStart'
  | 'dimWindow'
  | 'dimInline'
  | 'dimPatterns';

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
  /**
   * Store-wide sequence number of the last touch (one per entity and batch, in touch order): the order of
   * the store's recency queues, carried with a packed entity so a restored store evicts in the same order.
   */
  touchOrder = new Float64Array(0);
  /** Batch sequence number of the first applied event of the current batch. */
  appliedBatch = new Int32Array(0);
  // Per-batch scratch, valid while appliedBatch[slot] is the current batch.
  firstTs = new Float64Array(0);
  nonLoginSeen = new Uint8Array(0);
  /** Latest successful login of the batch so far (event time), -1 before the first. */
  batchLastSuccessTs = new Float64Array(0);
  /** Last success as the batch found it (after a stale reset): sensitive actions are judged against it or a later success of the batch. */
  sxStart = new Float64Array(0);
  /** Whether the entity had succeeded before the batch (before any stale reset, at the old watermark). */
  succeededStart = new Uint8Array(0);
  /**
   * Per slot × dimension × 2 (a window place): the hopping-window number held (NaN: none), how many
   * registers are inline (PROMOTED: the HyperLogLog object holds them) and the inline patterns.
   */
  dimWindow = new Float64Array(0);
  dimInline = new Uint8Array(0);
  dimPatterns = new Int32Array(0);
  dimHll: (HyperLogLog | undefined)[] = [];
  /** Long memories: one member list per slot × memory kind (list index slot × nMems + k). */
  readonly mem: MemberPool;
  /** The typed arrays above indexed by slot: entries per slot and the value of a fresh slot (resize, byte estimate). */
  private readonly slotArrays: readonly { key: SlotArray; width: number; fill?: number }[];

  constructor(compiled: CompiledLayout) {
    this.compiled = compiled;
    this.nRings = compiled.rings.length;
    this.nDims = compiled.layout.dimensions.length;
    this.nMems = compiled.layout.memories.length;
    this.pools = compiled.rings.map((r) => new BucketPool(r.ids.length));
    this.mem = new MemberPool(0, this.nMems > 0 ? 256 : 0);
    const dimPlaces = this.nDims * 2;
    this.slotArrays = [
      { key: 'regs', width: NREG, fill: NaN },
      { key: 'heads', width: this.nRings, fill: NO_CHUNK },
      { key: 'touchBatch', width: 1, fill: -1 },
      { key: 'touchOrder', width: 1 },
      { key: 'appliedBatch', width: 1, fill: -1 },
      { key: 'firstTs', width: 1 },
      { key: 'nonLoginSeen', width: 1 },
      { key: 'batchLastSuccessTs', width: 1 },
      { key: 'sxStart', width: 1 },
      { key: 'succeededStart', width: 1 },
      { key: 'dimWindow', width: dimPlaces, fill: NaN },
      { key: 'dimInline', width: dimPlaces },
      { key: 'dimPatterns', width: dimPlaces * INLINE_REGISTERS },
    ];
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
    for (let k = 0; k < this.nMems; k++) this.mem.clear(s * this.nMems + k);
    this.free.push(s);
  }

  /** Drops the counter buckets and registers (a stale entity restarts); distinct counts and memories stay. */
  clearCounters(s: number): void {
    for (let r = 0; r < this.nRings; r++) {
      const h = s * this.nRings + r;
      this.pools[r]!.releaseChain(this.heads[h]!);
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
    let bytes = 0;
    const arrays = this as unknown as Record<SlotArray, Flat>;
    for (const { key } of this.slotArrays) bytes += arrays[key].byteLength;
    // slotIds and dimHll: one pointer per entry.
    bytes += 8 * (this.capacity + this.capacity * this.nDims * 2);
    if (this.nMems > 0) bytes += this.mem.bytes();
    for (const pool of this.pools) bytes += pool.data.byteLength + pool.next.byteLength;
    for (const [id, s] of this.ids) {
      bytes += 40 + id.length * 2;
      for (let i = s * this.nDims * 2; i < (s + 1) * this.nDims * 2; i++) {
        if (this.dimInline[i] === PROMOTED && this.dimWindow[i] === this.dimWindow[i]) bytes += this.dimHll[i]!.bytes();
      }
    }
    return bytes;
  }

  private resize(capacity: number): void {
    const arrays = this as unknown as Record<SlotArray, Flat>;
    for (const { key, width, fill } of this.slotArrays) arrays[key] = enlarged(arrays[key], capacity * width, fill);
    if (this.nMems > 0) this.mem.resize(capacity * this.nMems);
    this.capacity = capacity;
  }
}
