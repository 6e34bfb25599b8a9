/**
 * One entity's whole state in the memory store's tables, packed into a compact binary value and back:
 * what a partition's owner writes to its durable store (store/partition-window-store.ts) and what the
 * next owner loads. Loading a packed entity into a fresh table gives an entity that every later batch
 * treats byte for byte as the original (test/features/partition-state.test.ts).
 *
 * Hand-packed rather than MessagePack (store/redis/msgpack.ts): the values are a fixed sequence per
 * entity type (the layout says how many rings, counters, dimensions and memories there are), so no type
 * tags or array headers are needed, and the reader writes straight into the typed arrays instead of
 * building nested JS arrays first (a restore of a million entities would allocate tens of millions of
 * values). Numbers are mostly small non-negative integers (counters, bucket indexes, event times): they
 * take a LEB128 varint of 2x (1–7 bytes), anything else (NaN aside, which never reaches a number field;
 * fractions, -0, negatives) the escape byte 1 and the double, so every double survives bit for bit.
 *
 * Layout (format 1):
 *   u8 format · num touchOrder · varint register mask (bit r: register r is set) · num per set register
 *   per ring: varint buckets, then per bucket (chain order) num index, varint mask of its non-zero
 *     counters (bit j: counter j), num per non-zero counter — most counters of a bucket are zero
 *   per distinct-count window place (dimensions × 2): u8 kind — 0 none; 1 inline: num
 *     window, u8 n, n × varint pattern; 2 HyperLogLog as patterns: num window, varint n, n × varint
 *     pattern; 3 dense HyperLogLog: num window, 2^14 register bytes
 *   per memory kind: varint members, then per member varint UTF-8 length, bytes, num last seen
 * Only the per-batch scratch (valid within one batch) is left out. Buckets already out of view and window
 * places older than the one a view reads are kept as the table keeps them (until the entity's next touch
 * drops them): so the packed value of an entity depends on nothing but the entity's own state, and an
 * entity no batch touched since the last flush packs to the very bytes it packed to then — which is
 * what lets a durable copy be kept up to date by writing only the changed entities.
 */
import { HLL_REGISTERS, HyperLogLog, LISTED_REGISTERS_MAX } from '../hll/redis-hll';
import { INLINE_REGISTERS, NO_CHUNK, PROMOTED, type EntityTable } from './entity-table';
import { REGISTERS } from './entity-view';

export const ENTITY_FORMAT = 1;
const NREG = REGISTERS.length;
/** Largest integer packed as a varint (its double, 2x, stays exact). */
const MAX_VARINT = 2 ** 51;
/** A promoted window with more set registers than this packs as its 2^14 register bytes. */
const DENSE_ABOVE = LISTED_REGISTERS_MAX;

export class PackWriter {
  private buf = Buffer.allocUnsafe(1 << 16);
  pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  reset(): void {
    this.pos = 0;
  }

  /** A copy of what was written. */
  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  u8(x: number): void {
    this.ensure(1);
    this.buf[this.pos++] = x;
  }

  /** An unsigned integer (≤ 2^53) as LEB128. */
  varint(x: number): void {
    this.ensure(8);
    const b = this.buf;
    while (x >= 0x80000000) {
      b[this.pos++] = (x % 128) | 128;
      x = Math.floor(x / 128);
    }
    while (x >= 128) {
      b[this.pos++] = (x & 127) | 128;
      x >>>= 7;
    }
    b[this.pos++] = x;
  }

  num(x: number): void {
    if (x >= 0 && x <= MAX_VARINT && Number.isInteger(x) && !(x === 0 && 1 / x < 0)) {
      this.varint(x * 2);
      return;
    }
    this.ensure(9);
    this.buf[this.pos++] = 1;
    this.buf.writeDoubleLE(x, this.pos);
    this.pos += 8;
  }

  string(s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.varint(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** A little-endian u32 (a length framing a packed value: see PackedWindowState.pairs). */
  u32(x: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(x, this.pos);
    this.pos += 4;
  }

  /** Overwrites the u32 at `at` (a length written before its value was). */
  patchU32(at: number, x: number): void {
    this.buf.writeUInt32LE(x, at);
  }

  /** A string's UTF-8 bytes after their u32 length. */
  framedString(s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.u32(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }
}

/** `fields` as PackedWindowState.pairs frames them: (u32 LE length, name, u32 LE length, value) each. */
export function framePairs(fields: readonly (readonly [string, Uint8Array])[]): Buffer {
  const w = new PackWriter();
  for (const [name, value] of fields) {
    w.framedString(name);
    w.u32(value.length);
    w.bytes(value);
  }
  return w.take();
}

export class PackReader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  u8(): number {
    if (this.pos >= this.buf.length) throw new Error('packed entity ends early');
    return this.buf[this.pos++]!;
  }

  varint(): number {
    let x = 0;
    let mul = 1;
    for (;;) {
      const b = this.u8();
      x += (b & 127) * mul;
      if (b < 128) return x;
      mul *= 128;
    }
  }

  num(): number {
    const v = this.varint();
    if (v % 2 === 0) return v / 2;
    if (v !== 1) throw new Error(`bad number tag ${v} in packed entity`);
    if (this.pos + 8 > this.buf.length) throw new Error('packed entity ends early');
    const x = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return x;
  }

  string(): string {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw new Error('packed entity ends early');
    this.pos += len;
    return this.buf.toString('utf8', this.pos - len, this.pos);
  }

  bytes(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new Error('packed entity ends early');
    this.pos += n;
    return this.buf.subarray(this.pos - n, this.pos);
  }
}

/** Scratch for member entry indexes (packs run one at a time). */
const ENTRIES: number[] = [];

/** Appends slot `s` of `table` to `w`. */
export function packEntity(table: EntityTable, s: number, w: PackWriter): void {
  w.u8(ENTITY_FORMAT);
  w.num(table.touchOrder[s]!);
  const regs = table.regs;
  const rb = s * NREG;
  let mask = 0;
  for (let r = 0; r < NREG; r++) if (!Number.isNaN(regs[rb + r]!)) mask |= 1 << r;
  w.varint(mask);
  for (let r = 0; r < NREG; r++) if (mask & (1 << r)) w.num(regs[rb + r]!);

  const rings = table.compiled.rings;
  for (let r = 0; r < rings.length; r++) {
    const pool = table.pools[r]!;
    const data = pool.data;
    const width = pool.width;
    if (width > 31) throw new Error(`a ring of ${width - 1} counters does not fit the 30-bit non-zero mask`);
    const head = table.heads[s * table.nRings + r]!;
    let n = 0;
    for (let c = head; c !== NO_CHUNK; c = pool.next[c]!) n++;
    w.varint(n);
    for (let c = head; c !== NO_CHUNK; c = pool.next[c]!) {
      const base = c * width;
      w.num(data[base]!);
      let nonZero = 0;
      // -0 counts as non-zero, so that it comes back as -0 (counters never hold one; bits are bits).
      for (let j = 1; j < width; j++) {
        const x = data[base + j]!;
        if (x !== 0 || 1 / x < 0) nonZero |= 1 << (j - 1);
      }
      w.varint(nonZero);
      for (let m = nonZero, j = 1; m !== 0; m >>>= 1, j++) if (m & 1) w.num(data[base + j]!);
    }
  }

  const places = table.nDims * 2;
  for (let i = s * places; i < (s + 1) * places; i++) {
    const window = table.dimWindow[i]!;
    if (Number.isNaN(window)) {
      w.u8(0);
      continue;
    }
    const n = table.dimInline[i]!;
    if (n !== PROMOTED) {
      w.u8(1);
      w.num(window);
      w.u8(n);
      const base = i * INLINE_REGISTERS;
      for (let j = base; j < base + n; j++) w.varint(table.dimPatterns[j]!);
      continue;
    }
    const hll = table.dimHll[i]!;
    const set = hll.setRegisters;
    const dense = hll.denseRegisters();
    if (dense && set > DENSE_ABOVE) {
      w.u8(3);
      w.num(window);
      w.bytes(dense);
    } else {
      w.u8(2);
      w.num(window);
      w.varint(set);
      hll.forEachPattern((p) => w.varint(p));
    }
  }

  const mem = table.mem;
  for (let k = 0; k < table.nMems; k++) {
    const n = mem.entries(s * table.nMems + k, ENTRIES);
    w.varint(n);
    for (let j = 0; j < n; j++) {
      const e = ENTRIES[j]!;
      w.string(mem.members[e]!);
      w.num(mem.last[e]!);
    }
  }
}

/**
 * Creates `id` in `table` from a packed value and returns its slot. The slot's recency (touchOrder) is
 * the packed one; putting it in the store's recency queue is the caller's job.
 */
export function unpackEntity(table: EntityTable, id: string, value: Buffer): number {
  if (table.slotOf(id) >= 0) throw new Error(`${table.compiled.layout.type} ${id} is already held`);
  const r = new PackReader(value);
  const format = r.u8();
  if (format !== ENTITY_FORMAT) throw new Error(`packed entity format ${format}, this build reads ${ENTITY_FORMAT}`);
  const s = table.create(id);
  table.touchOrder[s] = r.num();
  const mask = r.varint();
  const rb = s * NREG;
  for (let k = 0; k < NREG; k++) if (mask & (1 << k)) table.regs[rb + k] = r.num();

  const rings = table.compiled.rings;
  for (let k = 0; k < rings.length; k++) {
    const pool = table.pools[k]!;
    const width = pool.width;
    const h = s * table.nRings + k;
    let prev = NO_CHUNK;
    for (let n = r.varint(); n > 0; n--) {
      const c = pool.alloc(r.num(), NO_CHUNK);
      const data = pool.data;
      const base = c * width;
      // alloc() zeroed the counters: only the non-zero ones are read.
      let nonZero = r.varint();
      if (nonZero >= 2 ** (width - 1)) throw new Error(`bad counter mask ${nonZero} in packed entity`);
      for (let j = 1; nonZero !== 0; j++, nonZero >>>= 1) if (nonZero & 1) data[base + j] = r.num();
      if (prev === NO_CHUNK) table.heads[h] = c;
      else pool.next[prev] = c;
      prev = c;
    }
  }

  const places = table.nDims * 2;
  for (let i = s * places; i < (s + 1) * places; i++) {
    const kind = r.u8();
    if (kind === 0) continue;
    table.dimWindow[i] = r.num();
    if (kind === 1) {
      const n = r.u8();
      if (n > INLINE_REGISTERS) throw new Error(`${n} inline registers in a packed window place`);
      const base = i * INLINE_REGISTERS;
      for (let j = 0; j < n; j++) table.dimPatterns[base + j] = r.varint();
      table.dimInline[i] = n;
      continue;
    }
    const hll = new HyperLogLog();
    if (kind === 2) for (let n = r.varint(); n > 0; n--) hll.addPattern(r.varint());
    else if (kind === 3) hll.loadDense(r.bytes(HLL_REGISTERS));
    else throw new Error(`bad window place kind ${kind} in packed entity`);
    table.dimHll[i] = hll;
    table.dimInline[i] = PROMOTED;
  }

  for (let k = 0; k < table.nMems; k++) {
    const list = s * table.nMems + k;
    // Batch -1: what a member saw "in the current batch" is never current after a load.
    for (let n = r.varint(); n > 0; n--) {
      const member = r.string();
      table.mem.see(list, member, r.num(), -1);
    }
  }
  if (!r.done) throw new Error(`packed ${table.compiled.layout.type} ${id} has trailing bytes`);
  return s;
}
