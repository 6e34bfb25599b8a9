/**
 * MurmurHash64A (Austin Appleby), bit-exact with the copy in Redis's `hyperloglog.c`, so that the memory
 * store's HyperLogLog lands every element in the same register with the same rank as Redis's PFADD.
 * 64-bit arithmetic is done on two 32-bit halves: BigInt would be ten times slower on the hot path.
 * Halves are kept as signed int32 inside (small integers to V8: no heap number per intermediate value);
 * only the result is published unsigned.
 */

// m = 0xc6a4a7935bd1e995, split into 16-bit limbs for exact 64-bit multiplication.
const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;

let outHi = 0;
let outLo = 0;

/** (aHi:aLo * bHi:bLo) mod 2^64 → outHi:outLo. */
function mul64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  // Low 64 bits of aLo*bLo, from 16-bit partial products (each < 2^32, sums < 2^53).
  const p00 = a0 * b0;
  const mid = a1 * b0 + a0 * b1 + Math.floor(p00 / 0x10000);
  const lo = ((mid & 0xffff) * 0x10000 + (p00 & 0xffff)) | 0;
  const carry = Math.floor(mid / 0x10000) + a1 * b1;
  // High word: carry + aHi*bLo + aLo*bHi (mod 2^32): Math.imul gives the low 32 bits of each product.
  outHi = (carry + Math.imul(aHi, bLo) + Math.imul(aLo, bHi)) | 0;
  outLo = lo;
}

/** Result of the last `murmur64a` call, as two unsigned 32-bit halves. */
export const murmurResult = { hi: 0, lo: 0 };

/**
 * Hashes `bytes[0..len)` with a 32-bit `seed` (Redis uses 0xadc83b19); the result is left in
 * `murmurResult` to avoid allocating a pair per call.
 */
export function murmur64a(bytes: Uint8Array, len: number, seed: number): void {
  // h = seed ^ (len * m)
  mul64(0, len | 0, M_HI, M_LO);
  let hHi = outHi;
  let hLo = outLo ^ seed;
  const blocks = len - (len & 7);
  let i = 0;
  for (; i < blocks; i += 8) {
    let kLo = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    let kHi = bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) | (bytes[i + 7]! << 24);
    mul64(kHi, kLo, M_HI, M_LO);
    kHi = outHi;
    kLo = outLo;
    // k ^= k >> 47
    kLo = kLo ^ (kHi >>> 15);
    mul64(kHi, kLo, M_HI, M_LO);
    hHi = hHi ^ outHi;
    hLo = hLo ^ outLo;
    mul64(hHi, hLo, M_HI, M_LO);
    hHi = outHi;
    hLo = outLo;
  }
  const rest = len & 7;
  if (rest > 0) {
    // Tail bytes 4..6 go to the high word, 0..3 to the low word (little-endian).
    for (let j = rest - 1; j >= 4; j--) hHi = hHi ^ (bytes[i + j]! << ((j - 4) * 8));
    for (let j = Math.min(rest, 4) - 1; j >= 0; j--) hLo = hLo ^ (bytes[i + j]! << (j * 8));
    mul64(hHi, hLo, M_HI, M_LO);
    hHi = outHi;
    hLo = outLo;
  }
  // h ^= h >> 47; h *= m; h ^= h >> 47
  hLo = hLo ^ (hHi >>> 15);
  mul64(hHi, hLo, M_HI, M_LO);
  hHi = outHi;
  hLo = outLo;
  hLo = hLo ^ (hHi >>> 15);
  murmurResult.hi = hHi >>> 0;
  murmurResult.lo = hLo >>> 0;
}
