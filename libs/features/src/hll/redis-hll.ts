/**
 * Redis's HyperLogLog, reproduced register for register: the same hash (MurmurHash64A, seed 0xadc83b19),
 * the same 2^14 registers and rank rule, and the same estimator (Ertl's improved raw estimator used by
 * PFCOUNT since Redis 5). With identical registers and identical floating-point steps, the memory store
 * reports exactly the cardinality PFCOUNT would, which keeps memory and Redis feature vectors identical.
 * See https://github.com/redis/redis/blob/7.0/src/hyperloglog.c (hllPatLen, hllCount, hllSigma, hllTau).
 *
 * Registers are kept sparse (a Map) while few are set, then switch to a dense byte array, much like
 * Redis's own sparse/dense encodings; the estimate depends only on the register values.
 */
import { murmur64a, murmurResult } from './murmur64a';

export const HLL_P = 14;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_Q = 64 - HLL_P;
const HLL_SEED = 0xadc83b19;
// 0.5 / ln(2); Redis spells it 0.721347520444481703680, the same double.
const HLL_ALPHA_INF = 0.7213475204444817;
/** Above this many set registers a Map costs more than the 16 KiB dense array. */
const SPARSE_LIMIT = 1024;

/** Register index and rank of one element; both packed as `index * 64 + rank`. */
export function hllPattern(element: string): number {
  return patternOf(utf8(element), bytesLength);
}

/** hllPattern of an element given as its UTF-8 bytes (what Redis hashes). */
export function hllPatternOfBytes(bytes: Uint8Array): number {
  return patternOf(bytes, bytes.length);
}

function patternOf(bytes: Uint8Array, length: number): number {
  murmur64a(bytes, length, HLL_SEED);
  const index = murmurResult.lo & (HLL_REGISTERS - 1);
  // hash >>= 14, then count trailing zeros + 1 of the remaining 50 bits (bit 50 forced to 1).
  const lo = ((murmurResult.lo >>> HLL_P) | (murmurResult.hi << (32 - HLL_P))) >>> 0;
  const hi = ((murmurResult.hi >>> HLL_P) | (1 << (HLL_Q - 32))) >>> 0;
  let count: number;
  if (lo !== 0) count = ctz32(lo) + 1;
  else count = 32 + ctz32(hi) + 1;
  return index * 64 + count;
}

function ctz32(v: number): number {
  return 31 - Math.clz32(v & -v);
}

let scratch = new Uint8Array(256);
let bytesLength = 0;

function utf8(s: string): Uint8Array {
  let ascii = s.length <= scratch.length;
  if (ascii) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        ascii = false;
        break;
      }
      scratch[i] = c;
    }
  }
  if (ascii) {
    bytesLength = s.length;
    return scratch;
  }
  const buf = Buffer.from(s, 'utf8');
  if (buf.length > scratch.length) scratch = new Uint8Array(buf.length * 2);
  scratch.set(buf);
  bytesLength = buf.length;
  return scratch;
}

/** Up to this many set registers live in a plain array of patterns (most entities see a few elements). */
const SMALL_LIMIT = 16;
/**
 * A dense HyperLogLog keeps the indexes of its set registers in the order they were set while there are
 * at most this many, so that listing its patterns (a packed copy: state/entity-codec.ts) does not scan
 * all 2^14 registers; above it, a packed copy takes the register bytes as they are.
 */
export const LISTED_REGISTERS_MAX = HLL_REGISTERS / 4;

export class HyperLogLog {
  /** Few registers: their patterns (index * 64 + rank), one per register index. */
  private small: number[] | null = [];
  private sparse: Map<number, number> | null = null;
  private dense: Uint8Array | null = null;
  /** Dense: how many registers are set, and (up to LISTED_REGISTERS_MAX of them) their indexes in set order. */
  private denseSet = 0;
  private listed: Uint16Array | null = null;
  /** Like Redis, the cardinality is cached until a register changes. */
  private cached = -1;

  /** Adds an element's pattern (from hllPattern). Returns true when a register changed, like PFADD. */
  addPattern(pattern: number): boolean {
    const index = Math.floor(pattern / 64);
    const rank = pattern % 64;
    if (this.dense) {
      const old = this.dense[index]!;
      if (old >= rank) return false;
      this.dense[index] = rank;
      this.cached = -1;
      if (old === 0) this.listSet(index);
      return true;
    }
    const small = this.small;
    if (small) {
      for (let i = 0; i < small.length; i++) {
        const p = small[i]!;
        if (Math.floor(p / 64) !== index) continue;
        if (p % 64 >= rank) return false;
        small[i] = pattern;
        this.cached = -1;
        return true;
      }
      small.push(pattern);
      this.cached = -1;
      if (small.length > SMALL_LIMIT) this.unsmall();
      return true;
    }
    const sparse = this.sparse!;
    const old = sparse.get(index) ?? 0;
    if (old >= rank) return false;
    sparse.set(index, rank);
    this.cached = -1;
    if (sparse.size > SPARSE_LIMIT) this.densify();
    return true;
  }

  /** Back to empty, keeping the object (the memory store reuses one per window place). */
  clear(): void {
    if (this.small) this.small.length = 0;
    else this.small = [];
    this.sparse = null;
    this.dense = null;
    this.listed = null;
    this.denseSet = 0;
    this.cached = -1;
  }

  add(element: string): boolean {
    return this.addPattern(hllPattern(element));
  }

  /** PFCOUNT of this one HyperLogLog. */
  count(): number {
    if (this.cached >= 0) return this.cached;
    const histogram = HISTOGRAM.fill(0);
    if (this.dense) {
      const dense = this.dense;
      for (let i = 0; i < HLL_REGISTERS; i++) histogram[dense[i]!]!++;
    } else if (this.small) {
      const small = this.small;
      histogram[0] = HLL_REGISTERS - small.length;
      for (let i = 0; i < small.length; i++) histogram[small[i]! % 64]!++;
    } else {
      histogram[0] = HLL_REGISTERS - this.sparse!.size;
      for (const rank of this.sparse!.values()) histogram[rank]!++;
    }
    this.cached = estimate(histogram);
    return this.cached;
  }

  /** Number of set (non-zero) registers. */
  get setRegisters(): number {
    if (this.small) return this.small.length;
    if (this.sparse) return this.sparse.size;
    return this.denseSet;
  }

  /**
   * Calls `visit` with the pattern (index * 64 + rank) of every set register, in the order the registers
   * were first set (a dense one above LISTED_REGISTERS_MAX: in index order): what a packed copy needs.
   * Adding the same patterns to an empty HyperLogLog gives the same registers, hence the same count,
   * whichever representation either one uses, and lists them again in the same order.
   */
  forEachPattern(visit: (pattern: number) => void): void {
    if (this.small) for (const p of this.small) visit(p);
    else if (this.sparse) this.sparse.forEach((rank, index) => visit(index * 64 + rank));
    else if (this.listed) {
      const dense = this.dense!;
      const listed = this.listed;
      for (let j = 0; j < this.denseSet; j++) visit(listed[j]! * 64 + dense[listed[j]!]!);
    } else {
      const dense = this.dense!;
      for (let i = 0; i < HLL_REGISTERS; i++) if (dense[i] !== 0) visit(i * 64 + dense[i]!);
    }
  }

  /** A register of the dense array went from 0 to set. */
  private listSet(index: number): void {
    const n = this.denseSet++;
    const listed = this.listed;
    if (!listed) return;
    if (n >= LISTED_REGISTERS_MAX) this.listed = null;
    else if (n < listed.length) listed[n] = index;
    else {
      const grown = new Uint16Array(Math.min(LISTED_REGISTERS_MAX, listed.length * 2));
      grown.set(listed);
      grown[n] = index;
      this.listed = grown;
    }
  }

  /** The dense registers (one byte each, 2^14 of them), or null while the registers are kept sparse. */
  denseRegisters(): Uint8Array | null {
    return this.dense;
  }

  /** Loads 2^14 dense registers (a packed copy of denseRegisters()); the HyperLogLog must be empty. */
  loadDense(registers: Uint8Array): void {
    if (registers.length !== HLL_REGISTERS)
      throw new Error(`expected ${HLL_REGISTERS} registers, got ${registers.length}`);
    this.dense = Uint8Array.from(registers);
    this.small = null;
    this.sparse = null;
    this.cached = -1;
    let n = 0;
    for (let i = 0; i < HLL_REGISTERS; i++) if (registers[i] !== 0) n++;
    this.denseSet = n;
    // Loaded as bytes, the order the registers were set in is not known: listed by index from here on.
    this.listed = null;
  }

  /** Approximate heap bytes, for the memory report. */
  bytes(): number {
    if (this.dense) return HLL_REGISTERS + 64 + (this.listed ? this.listed.byteLength : 0);
    return this.small ? 64 + this.small.length * 8 : 64 + this.sparse!.size * 40;
  }

  private unsmall(): void {
    const sparse = new Map<number, number>();
    for (const p of this.small!) sparse.set(Math.floor(p / 64), p % 64);
    this.sparse = sparse;
    this.small = null;
  }

  private densify(): void {
    const dense = new Uint8Array(HLL_REGISTERS);
    const sparse = this.sparse!;
    const listed = new Uint16Array(Math.min(LISTED_REGISTERS_MAX, 2 * sparse.size));
    let n = 0;
    sparse.forEach((rank, index) => {
      dense[index] = rank;
      if (n < listed.length) listed[n] = index;
      n++;
    });
    this.dense = dense;
    this.denseSet = n;
    this.listed = n <= LISTED_REGISTERS_MAX ? listed : null;
    this.sparse = null;
  }
}

/** PFCOUNT of a HyperLogLog given by its few set registers: `n` patterns from `start`, one per register. */
export function countPatterns(patterns: ArrayLike<number>, start: number, n: number): number {
  if (n === 0) return 0;
  if (n === 1) {
    // One register set: the estimate depends on its rank only.
    const rank = patterns[start]! % 64;
    let c = ONE_REGISTER[rank]!;
    if (c < 0) {
      const histogram = HISTOGRAM.fill(0);
      histogram[0] = HLL_REGISTERS - 1;
      histogram[rank] = 1;
      ONE_REGISTER[rank] = c = estimate(histogram);
    }
    return c;
  }
  const histogram = HISTOGRAM.fill(0);
  histogram[0] = HLL_REGISTERS - n;
  for (let i = start; i < start + n; i++) histogram[patterns[i]! % 64]!++;
  return estimate(histogram);
}

const ONE_REGISTER = new Float64Array(64).fill(-1);

/** One HyperLogLog reused by countElements (counts run one at a time). */
const ELEMENTS = new HyperLogLog();

/** PFCOUNT of a HyperLogLog holding just these elements (UTF-8 bytes, duplicates allowed). */
export function countElements(elements: readonly Uint8Array[]): number {
  ELEMENTS.clear();
  for (const el of elements) ELEMENTS.addPattern(hllPatternOfBytes(el));
  return ELEMENTS.count();
}

/** Scratch histogram of count(): counts run one at a time, so one array serves them all. */
const HISTOGRAM = new Float64Array(HLL_Q + 2);
/**
 * m·σ(zeros / m) per number of zero registers: σ depends on nothing else and its series takes dozens of
 * steps near 1 (the usual case: a small HyperLogLog has almost all registers at zero). Memoized with the
 * very same floating-point steps, so the estimate is bit for bit what Redis computes.
 */
const SIGMA_TERM = new Float64Array(HLL_REGISTERS + 1).fill(NaN);

/** hllCount() of Redis ≥ 5, on a histogram of register values. */
function estimate(histogram: Float64Array): number {
  const m = HLL_REGISTERS;
  const zeros = histogram[0]!;
  const top = histogram[HLL_Q + 1]!;
  let z = top === 0 ? 0 : m * hllTau((m - top) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += histogram[j]!;
    z *= 0.5;
  }
  let sigma = SIGMA_TERM[zeros]!;
  if (Number.isNaN(sigma)) SIGMA_TERM[zeros] = sigma = m * hllSigma(zeros / m);
  z += sigma;
  // llroundl: round half away from zero; the value is positive.
  return Math.floor((HLL_ALPHA_INF * m * m) / z + 0.5);
}

function hllSigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function hllTau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}
