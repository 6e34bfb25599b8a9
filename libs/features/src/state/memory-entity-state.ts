/**
 * The memory store's per-entity state and the apply step. Step for step the twin of the Redis Lua script
 * (redis/apply-script.ts): same order, same integer arithmetic, same pruning, so that the contract suite
 * can demand identical feature vectors. Change one, change the other.
 */
import type { EntityDelta } from '../aggregate/entity-delta';
import { addCounterToRings, memoryMembers } from '../aggregate/entity-delta';
import { travelSpeedKmh } from '../aggregate/travel';
import { HyperLogLog, hllPattern } from '../hll/redis-hll';
import { COUNTER_INDEX, type CompiledLayout } from '../registry/compiled-layout';
import {
  GAP_CAP_MS,
  PRIOR_REQUEST_WINDOW_MS,
  SENSITIVE_AFTER_LOGIN_MS,
  SEQUENTIAL_ID_MAX_STEP,
} from '../registry/counters';
import { distinctViewWindow } from '../registry/windows';
import { REG, REGISTERS, type EntityView } from './entity-view';

const C = COUNTER_INDEX;

export interface MemoryEntityState {
  readonly compiled: CompiledLayout;
  readonly id: string;
  /**
   * Per ring: bucket index → counters. Plain arrays, not Float64Arrays: most buckets are wider than V8
   * keeps typed arrays on the heap (64 bytes), and an off-heap backing store per bucket costs far more to
   * allocate and collect. The values are the same doubles either way.
   */
  rings: Map<number, number[]>[];
  regs: number[];
  readonly dims: Map<number, HyperLogLog>[];
  readonly memories: Map<string, number>[];
}

export function newMemoryEntityState(compiled: CompiledLayout, id: string): MemoryEntityState {
  return {
    compiled,
    id,
    rings: compiled.rings.map(() => new Map()),
    regs: new Array<number>(REGISTERS.length).fill(NaN),
    dims: compiled.layout.dimensions.map(() => new Map()),
    memories: compiled.layout.memories.map(() => new Map()),
  };
}

/** True when the entity has been idle longer than its state TTL at `watermark`. */
export function isStale(s: MemoryEntityState, watermark: number): boolean {
  const ls = s.regs[REG.ls]!;
  return !Number.isNaN(ls) && watermark - ls > s.compiled.layout.stateTtlMs;
}

/** Caches of element → HLL pattern, shared across a batch (hashing once per distinct element). */
export type PatternCache = Map<string, number>;

export function applyDelta(s: MemoryEntityState, d: EntityDelta, watermark: number, patterns: PatternCache): void {
  const layout = s.compiled.layout;
  const regs = s.regs;
  if (isStale(s, watermark)) {
    s.rings = s.compiled.rings.map(() => new Map());
    regs.fill(NaN);
  }
  // Counters: the batch's buckets, then the facts that need the previous state (into a scratch delta-like
  // target, i.e. straight into the state rings through addCounter on a view of them).
  const lc = s.compiled;
  for (let r = 0; r < lc.rings.length; r++) {
    mergeBucket(s, r, d.main, lc.ringOffsets[r]!);
  }
  if (d.more) for (const m of d.more) mergeBucket(s, m[0]!, m, 1);
  const into = s.rings;
  if (lc.gaps) {
    const lt = regs[REG.lt]!;
    if (!Number.isNaN(lt)) {
      let g = d.firstTs - lt;
      g = g < 0 ? 0 : g > GAP_CAP_MS ? GAP_CAP_MS : g;
      addCounterToRings(lc, into, C.gapCount, d.firstTs, 1);
      addCounterToRings(lc, into, C.gapSumMs, d.firstTs, g);
      addCounterToRings(lc, into, C.gapSumSqMs, d.firstTs, g * g);
    }
    regs[REG.lt] = d.lastTs;
  }
  const ls = regs[REG.ls]!;
  regs[REG.ls] = Number.isNaN(ls) || d.maxTs > ls ? d.maxTs : ls;
  if (lc.sequentialIds && !Number.isNaN(d.firstId)) {
    const li = regs[REG.li]!;
    if (!Number.isNaN(li)) {
      const step = Math.abs(d.firstId - li);
      if (step >= 1 && step <= SEQUENTIAL_ID_MAX_STEP)
        addCounterToRings(lc, into, C.sequentialIdRequests, d.firstIdTs, 1);
    }
    regs[REG.li] = d.lastId;
  }
  if (lc.loginPrior) {
    const nl = regs[REG.nl]!;
    if (d.leadingLogins) {
      const prior = !Number.isNaN(nl) && d.firstTs - nl <= PRIOR_REQUEST_WINDOW_MS;
      if (!prior)
        for (const [ts, n] of d.leadingLogins) addCounterToRings(lc, into, C.loginsWithoutPriorRequest, ts, n);
    }
    if (d.lastNonLoginTs >= 0) regs[REG.nl] = Number.isNaN(nl) || d.lastNonLoginTs > nl ? d.lastNonLoginTs : nl;
  }
  if (lc.sensitiveAfterLogin && d.pendingSensitive) {
    const sx = regs[REG.sx]!;
    if (!Number.isNaN(sx)) {
      for (const ts of d.pendingSensitive) {
        const since = ts - sx;
        if (since >= 0 && since <= SENSITIVE_AFTER_LOGIN_MS) addCounterToRings(lc, into, C.sensitiveAfterLogin, ts, 1);
      }
    }
  }
  if (lc.loginOutcomes && (d.successes > 0 || d.leadingFailures > 0)) {
    const cf = Number.isNaN(regs[REG.cf]!) ? 0 : regs[REG.cf]!;
    if (d.successes > 0) {
      regs[REG.fb] = d.successes >= 2 ? d.failuresBetweenLastSuccesses : cf + d.leadingFailures;
      regs[REG.cf] = d.failuresSinceSuccess;
      const sx = regs[REG.sx]!;
      regs[REG.sx] = Number.isNaN(sx) || d.lastSuccessTs > sx ? d.lastSuccessTs : sx;
    } else regs[REG.cf] = cf + d.leadingFailures;
  }
  if (lc.travel && d.travelFirst && d.travelLast) {
    const tt = regs[REG.tt]!;
    if (!Number.isNaN(tt)) {
      const speed = travelSpeedKmh([tt, regs[REG.ta]!, regs[REG.to]!, regs[REG.tc]!], d.travelFirst);
      addCounterToRings(lc, into, C.travelMaxKmh, d.travelFirst[0], speed);
    }
    regs[REG.tt] = d.travelLast[0];
    regs[REG.ta] = d.travelLast[1];
    regs[REG.to] = d.travelLast[2];
    regs[REG.tc] = d.travelLast[3];
  }
  const memories = layout.memories;
  for (let k = 0; k < memories.length; k++) {
    const spec = memories[k]!;
    const members = s.memories[k]!;
    const newCounter = spec.newCounter === null ? -1 : C[spec.newCounter];
    const delta = memoryMembers(d, k);
    if (!delta) continue;
    for (const [member, [minTs, maxTs]] of delta) {
      const score = members.get(member);
      if ((score === undefined || score < minTs - spec.ttlMs) && newCounter >= 0) {
        addCounterToRings(lc, into, newCounter, minTs, 1);
      }
      if (score === undefined || maxTs > score) members.set(member, maxTs);
    }
    const oldest = watermark - spec.ttlMs;
    for (const [member, score] of members) if (score < oldest) members.delete(member);
    if (members.size > spec.cap) {
      // Redis ZREMRANGEBYRANK order: by score, then member (byte order; members are ASCII).
      const sorted = [...members].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      for (let i = 0; i < sorted.length - spec.cap; i++) members.delete(sorted[i]![0]);
    }
  }
  pruneRings(s, watermark);
  const oldestWindow = distinctViewWindow(watermark);
  const items = d.dimItems;
  if (items) {
    // Each element joins the window of its hop and the one before (windows are two hops long).
    for (let i = 0; i < items.length; i += 3) {
      const windows = s.dims[items[i] as number]!;
      const w = items[i + 1] as number;
      const el = items[i + 2] as string;
      let p = patterns.get(el);
      if (p === undefined) {
        p = hllPattern(el);
        patterns.set(el, p);
      }
      for (let t = w - 1; t <= w; t++) {
        if (t < oldestWindow) continue;
        let hll = windows.get(t);
        if (!hll) {
          hll = new HyperLogLog();
          windows.set(t, hll);
        }
        hll.addPattern(p);
      }
    }
  }
  for (const windows of s.dims) {
    if (windows.size > 2) for (const w of windows.keys()) if (w < oldestWindow) windows.delete(w);
  }
}

function mergeBucket(s: MemoryEntityState, r: number, values: Float64Array, off: number): void {
  const idx = values[off]!;
  if (Number.isNaN(idx)) return;
  const ring = s.compiled.rings[r]!;
  const n = ring.ids.length;
  const target = s.rings[r]!;
  const cur = target.get(idx);
  if (!cur) {
    const arr = new Array<number>(n);
    for (let j = 0; j < n; j++) arr[j] = values[off + 1 + j]!;
    target.set(idx, arr);
    return;
  }
  for (let j = 0; j < n; j++) {
    const v = values[off + 1 + j]!;
    if (ring.isMax[j]) {
      if (v > cur[j]!) cur[j] = v;
    } else cur[j]! += v;
  }
}

function pruneRings(s: MemoryEntityState, watermark: number): void {
  for (let r = 0; r < s.rings.length; r++) {
    const spec = s.compiled.rings[r]!.spec;
    const ring = s.rings[r]!;
    const floor = Math.floor(watermark / spec.spanMs) - spec.buckets;
    // Views ignore buckets out of range anyway: pruning only bounds memory, so walk only when over size.
    if (ring.size <= spec.buckets) continue;
    for (const idx of ring.keys()) if (idx <= floor) ring.delete(idx);
  }
}

export function viewOf(
  s: MemoryEntityState | undefined,
  compiled: CompiledLayout,
  id: string,
  watermark: number,
): EntityView {
  const layout = compiled.layout;
  if (!s || isStale(s, watermark)) {
    return {
      compiled,
      id,
      rings: compiled.rings.map(() => new Map()),
      consecutiveFailures: 0,
      failuresBeforeLastSuccess: 0,
      lastSuccessTs: -1,
      distinct: s ? distinctCounts(s, watermark) : layout.dimensions.map(() => 0),
      memories: layout.memories.map((m, k) => memoryCounts(s?.memories[k], m.viewsMs, m.ttlMs, watermark)),
    };
  }
  const regs = s.regs;
  return {
    compiled,
    id,
    rings: s.rings,
    consecutiveFailures: Number.isNaN(regs[REG.cf]!) ? 0 : regs[REG.cf]!,
    failuresBeforeLastSuccess: Number.isNaN(regs[REG.fb]!) ? 0 : regs[REG.fb]!,
    lastSuccessTs: Number.isNaN(regs[REG.sx]!) ? -1 : regs[REG.sx]!,
    distinct: distinctCounts(s, watermark),
    memories: layout.memories.map((m, k) => memoryCounts(s.memories[k], m.viewsMs, m.ttlMs, watermark)),
  };
}

function distinctCounts(s: MemoryEntityState, watermark: number): number[] {
  const w = distinctViewWindow(watermark);
  return s.dims.map((windows) => windows.get(w)?.count() ?? 0);
}

function memoryCounts(
  members: Map<string, number> | undefined,
  viewsMs: readonly number[],
  ttlMs: number,
  watermark: number,
): number[] {
  const spans = [...viewsMs, ttlMs];
  const out = spans.map(() => 0);
  if (!members) return out;
  for (const score of members.values()) {
    for (let i = 0; i < spans.length; i++) if (score >= watermark - spans[i]!) out[i]!++;
  }
  return out;
}

/** Whether the principal's state shows a successful login (and is not stale). */
export function hasSucceeded(s: MemoryEntityState | undefined, watermark: number): boolean {
  return s !== undefined && !isStale(s, watermark) && !Number.isNaN(s.regs[REG.sx]!);
}

/** Rough heap bytes of one entity's state, for the memory report and the byte budget. */
export function estimateBytes(s: MemoryEntityState): number {
  let bytes = 200 + s.id.length * 2 + REGISTERS.length * 8;
  for (let r = 0; r < s.rings.length; r++) bytes += s.rings[r]!.size * (80 + s.compiled.rings[r]!.ids.length * 8);
  for (const windows of s.dims) for (const hll of windows.values()) bytes += 40 + hll.bytes();
  for (const members of s.memories) bytes += 60 + members.size * 70;
  return bytes;
}
