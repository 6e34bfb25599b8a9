/**
 * Seeded randomness. Everything the simulator draws goes through `Random`, never `Math.random`, so the
 * same seed and parameters give byte-identical output on any machine and Node version.
 *
 * xoshiro128** (Blackman & Vigna, https://prng.di.unimi.it/xoshiro128starstar.c): 32-bit state words,
 * so it runs on plain JS numbers with `Math.imul` and `>>>` and no BigInt. Seeded through splitmix32 so
 * that nearby seeds (1, 2, 3) give unrelated streams. `fork(label)` derives an independent stream per
 * actor or campaign: adding one more campaign does not shift the draws of the others.
 */

/** FNV-1a over a string: turns fork labels into seed material. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** The seed material this stream was built from (for forking). */
  readonly seedWord: number;

  constructor(seed: number | string) {
    const word = typeof seed === 'string' ? hashString(seed) : hashString(String(seed));
    this.seedWord = word;
    const sm = splitmix32(word);
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** An independent stream named by `label`: same parent seed + label → same stream. */
  fork(label: string): Random {
    return new Random(`${this.seedWord}:${label}`);
  }

  /** Uniform uint32. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** Uniform real in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + this.float() * (hi - lo);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** Picks by weight; `weights[i]` ≥ 0, not all zero. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.float() * total;
    for (let i = 0; i < items.length; i++) {
      x -= weights[i]!;
      if (x < 0) return items[i]!;
    }
    return items[items.length - 1]!;
  }

  /** Standard normal (Box-Muller; one value per call keeps the stream simple to reason about). */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.float();
    const v = this.float();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median and shape (sigma of the underlying normal). */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(this.normal(0, sigma));
  }

  /** Exponential with the given mean: the gap between events of a Poisson process. */
  exp(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  /** `n` lower-case hex characters. */
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i += 8) {
      const x = this.u32();
      s += BYTE_HEX[x >>> 24]! + BYTE_HEX[(x >>> 16) & 255]! + BYTE_HEX[(x >>> 8) & 255]! + BYTE_HEX[x & 255]!;
    }
    return s.length === n ? s : s.slice(0, n);
  }

  /** An RFC 4122 version-4 UUID drawn from this stream. */
  uuid(): string {
    const h = this.hex(32);
    const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** `n` characters of [A-Za-z0-9_-] (base64url alphabet). */
  token(n: number): string {
    let s = '';
    for (let i = 0; i < n; i += 5) {
      // 30 of the 32 bits: five characters per draw.
      const x = this.u32();
      s +=
        B64URL[x & 63]! +
        B64URL[(x >>> 6) & 63]! +
        B64URL[(x >>> 12) & 63]! +
        B64URL[(x >>> 18) & 63]! +
        B64URL[(x >>> 24) & 63]!;
    }
    return s.length === n ? s : s.slice(0, n);
  }

  /** Fisher-Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A closed numeric range a campaign parameter is drawn from. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

export function drawInt(rng: Random, r: Range): number {
  return rng.int(Math.round(r.min), Math.round(r.max));
}

/** Log-uniform draw: the right shape for rates and counts spanning orders of magnitude. */
export function drawLog(rng: Random, r: Range): number {
  return Math.exp(rng.range(Math.log(r.min), Math.log(r.max)));
}
