/**
 * What one batch changes for one entity: counters per bucket, distinct-count elements per hopping window,
 * long-memory members with their event times, and the few facts that need the entity's stored state to
 * finish (the gap since its previous request, whether a login had a prior request, …). A store applies a
 * delta atomically with its idempotency check.
 *
 * Built for the common case of a few events per entity per batch, with as few allocations as possible
 * (a batch creates one delta per touched entity, several per event): the first bucket of every ring lives
 * in one Float64Array, further buckets (a batch spanning a bucket boundary) in a small overflow list, and
 * distinct elements and memory members in one flat array each, allocated on first use.
 */
import type { CompiledLayout } from '../registry/compiled-layout';
import type { TravelPoint } from './travel';

export interface EntityDelta {
  readonly compiled: CompiledLayout;
  id: string;
  /** Events applied (0: the entity is only read, e.g. touched by duplicates). */
  applied: number;
  firstOffset: number;
  lastOffset: number;
  /** Arrival order first and last event time, and the extremes. */
  firstTs: number;
  lastTs: number;
  minTs: number;
  maxTs: number;
  /** Per ring r at compiled.ringOffsets[r]: bucket index (NaN: none yet), then the counter values. */
  readonly main: Float64Array;
  /** Further buckets: [ring, index, values…]. */
  more: Float64Array[] | null;
  /** gaps: previous event time in this batch, NaN before the first. */
  prevTs: number;
  /** sequentialIds: first and last numeric id in arrival order (NaN: none). */
  firstId: number;
  firstIdTs: number;
  lastId: number;
  /** loginPrior: logins before the first non-login request of the batch, per base bucket start. */
  leadingLogins: Map<number, number> | null;
  nonLoginSeen: boolean;
  lastNonLoginTs: number;
  /** loginOutcomes: failures before the first success, successes, failures between the last two successes. */
  leadingFailures: number;
  successes: number;
  failuresBetweenLastSuccesses: number;
  failuresSinceSuccess: number;
  lastSuccessTs: number;
  /**
   * sensitiveAfterLogin: every sensitive action of the batch as a pair (ts, the
   * batch's latest success before it or -1), checked against the stored last success in the script.
   */
  sensitiveActions: number[] | null;
  travelFirst: TravelPoint | null;
  travelLast: TravelPoint | null;
  /** Distinct elements as triples (dimension index, hop of the event, element); may repeat. */
  dimItems: (number | string)[] | null;
  /** Memory members as triples (memory index, event time, member); may repeat. */
  memItems: (number | string)[] | null;
}

/** `code|id`: unique across entity types (built on demand; the hot path keys maps by type, then id). */
export function deltaKey(d: EntityDelta): string {
  return `${d.compiled.layout.code}|${d.id}`;
}

export function newEntityDelta(compiled: CompiledLayout, id: string): EntityDelta {
  const main = new Float64Array(compiled.mainWidth);
  for (const off of compiled.ringOffsets) main[off] = NaN;
  return {
    compiled,
    id,
    applied: 0,
    firstOffset: -1,
    lastOffset: -1,
    firstTs: NaN,
    lastTs: NaN,
    minTs: Infinity,
    maxTs: -Infinity,
    main,
    more: null,
    prevTs: NaN,
    firstId: NaN,
    firstIdTs: NaN,
    lastId: NaN,
    leadingLogins: null,
    nonLoginSeen: false,
    lastNonLoginTs: -1,
    leadingFailures: 0,
    successes: 0,
    failuresBetweenLastSuccesses: 0,
    failuresSinceSuccess: 0,
    lastSuccessTs: -1,
    sensitiveActions: null,
    travelFirst: null,
    travelLast: null,
    dimItems: null,
    memItems: null,
  };
}

/** Result of `bucket()`: the array and offset of the bucket's first counter. */
export const slot: { arr: Float64Array<ArrayBufferLike>; off: number } = { arr: new Float64Array(0), off: 0 };

/** Finds or creates the bucket `idx` of ring `r`, leaving it in `slot`. */
export function bucket(d: EntityDelta, r: number, idx: number): void {
  const off = d.compiled.ringOffsets[r]!;
  const main = d.main;
  const cur = main[off]!;
  if (cur === idx) {
    slot.arr = main;
    slot.off = off + 1;
    return;
  }
  if (Number.isNaN(cur)) {
    main[off] = idx;
    slot.arr = main;
    slot.off = off + 1;
    return;
  }
  const more = (d.more ??= []);
  for (let i = 0; i < more.length; i++) {
    const m = more[i]!;
    if (m[0] === r && m[1] === idx) {
      slot.arr = m;
      slot.off = 2;
      return;
    }
  }
  const m = new Float64Array(2 + d.compiled.rings[r]!.ids.length);
  m[0] = r;
  m[1] = idx;
  more.push(m);
  slot.arr = m;
  slot.off = 2;
}

/** Calls `fn(idx, values, offset)` for every bucket of ring `r` in the delta. */
export function forEachBucket(
  d: EntityDelta,
  r: number,
  fn: (idx: number, values: Float64Array, offset: number) => void,
): void {
  const off = d.compiled.ringOffsets[r]!;
  if (!Number.isNaN(d.main[off]!)) fn(d.main[off]!, d.main, off + 1);
  if (d.more) for (const m of d.more) if (m[0] === r) fn(m[1]!, m, 2);
}

/** Number of buckets of ring `r` in the delta. */
export function bucketCount(d: EntityDelta, r: number): number {
  let n = Number.isNaN(d.main[d.compiled.ringOffsets[r]!]!) ? 0 : 1;
  if (d.more) for (const m of d.more) if (m[0] === r) n++;
  return n;
}

/** Adds (or maxes) `value` into counter `counterId` at `ts`, in every ring of the delta that keeps it. */
export function addCounter(d: EntityDelta, counterId: number, ts: number, value: number): void {
  const rings = d.compiled.rings;
  for (let r = 0; r < rings.length; r++) {
    const ring = rings[r]!;
    const pos = ring.positionOf[counterId]!;
    if (pos < 0) continue;
    bucket(d, r, Math.floor(ts / ring.spec.spanMs));
    const i = slot.off + pos;
    if (ring.isMax[pos]) {
      if (value > slot.arr[i]!) slot.arr[i] = value;
    } else slot.arr[i]! += value;
  }
}

/**
 * Distinct elements per hopping window, windows >= `oldest` only: an element seen in hop w belongs to the
 * windows w and w - 1 (each window is two hops long).
 */
export function dimensionWindows(d: EntityDelta, dim: number, oldest: number): Map<number, Set<string>> | null {
  const items = d.dimItems;
  if (!items) return null;
  let out: Map<number, Set<string>> | null = null;
  for (let i = 0; i < items.length; i += 3) {
    if (items[i] !== dim) continue;
    const w = items[i + 1] as number;
    const el = items[i + 2] as string;
    for (let t = w - 1; t <= w; t++) {
      if (t < oldest) continue;
      out ??= new Map();
      let set = out.get(t);
      if (!set) out.set(t, (set = new Set()));
      set.add(el);
    }
  }
  return out;
}

/** Memory members with their [min, max] event time in the batch. */
export function memoryMembers(d: EntityDelta, memory: number): Map<string, [number, number]> | null {
  const items = d.memItems;
  if (!items) return null;
  let out: Map<string, [number, number]> | null = null;
  for (let i = 0; i < items.length; i += 3) {
    if (items[i] !== memory) continue;
    const ts = items[i + 1] as number;
    const member = items[i + 2] as string;
    out ??= new Map();
    const seen = out.get(member);
    if (!seen) out.set(member, [ts, ts]);
    else {
      if (ts < seen[0]) seen[0] = ts;
      if (ts > seen[1]) seen[1] = ts;
    }
  }
  return out;
}
