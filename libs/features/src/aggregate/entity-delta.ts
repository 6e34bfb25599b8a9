/**
 * What one batch changes for one entity: counters per bucket, distinct-count elements per hopping window,
 * long-memory members with their first and last event time, and the few facts that need the entity's
 * stored state to finish (the gap since its previous request, whether a login had a prior request, …).
 * A store applies a delta atomically with its idempotency check.
 */
import type { CompiledLayout, CompiledRing } from '../registry/compiled-layout';
import type { TravelPoint } from './travel';

export interface RingDelta {
  readonly ring: CompiledRing;
  /** Bucket index → counter values in ring order. */
  readonly buckets: Map<number, Float64Array>;
}

export interface EntityDelta {
  readonly compiled: CompiledLayout;
  readonly id: string;
  /** `code|id`, unique across entity types. */
  readonly key: string;
  /** Events applied (0: the entity is only read, e.g. touched by duplicates). */
  applied: number;
  firstOffset: number;
  lastOffset: number;
  /** Arrival order first and last event time, and the extremes. */
  firstTs: number;
  lastTs: number;
  minTs: number;
  maxTs: number;
  readonly rings: RingDelta[];
  /** gaps: previous event time in this batch, NaN before the first. */
  prevTs: number;
  /** sequentialIds: first and last numeric id in arrival order (NaN: none). */
  firstId: number;
  firstIdTs: number;
  lastId: number;
  /** loginPrior: logins before the first non-login request of the batch, per base bucket start. */
  readonly leadingLogins: Map<number, number>;
  nonLoginSeen: boolean;
  lastNonLoginTs: number;
  /** loginOutcomes: failures before the first success, successes, failures between the last two successes. */
  leadingFailures: number;
  successes: number;
  failuresBetweenLastSuccesses: number;
  failuresSinceSuccess: number;
  lastSuccessTs: number;
  /** sensitiveAfterLogin: sensitive actions before the first success in the batch, checked against the state. */
  readonly pendingSensitive: number[];
  travelFirst: TravelPoint | null;
  travelLast: TravelPoint | null;
  /** Per dimension (layout order): hopping window index → distinct elements. */
  readonly dims: Map<number, Set<string>>[];
  /** Per memory (layout order): member → [min ts, max ts] in this batch. */
  readonly memories: Map<string, [number, number]>[];
}

export function newEntityDelta(compiled: CompiledLayout, id: string, key: string): EntityDelta {
  const layout = compiled.layout;
  return {
    compiled,
    id,
    key,
    applied: 0,
    firstOffset: -1,
    lastOffset: -1,
    firstTs: NaN,
    lastTs: NaN,
    minTs: Infinity,
    maxTs: -Infinity,
    rings: compiled.rings.map((ring) => ({ ring, buckets: new Map() })),
    prevTs: NaN,
    firstId: NaN,
    firstIdTs: NaN,
    lastId: NaN,
    leadingLogins: new Map(),
    nonLoginSeen: false,
    lastNonLoginTs: -1,
    leadingFailures: 0,
    successes: 0,
    failuresBetweenLastSuccesses: 0,
    failuresSinceSuccess: 0,
    lastSuccessTs: -1,
    pendingSensitive: [],
    travelFirst: null,
    travelLast: null,
    dims: layout.dimensions.map(() => new Map()),
    memories: layout.memories.map(() => new Map()),
  };
}

/** Adds (or maxes) `value` into counter `counterId` at `ts`, in every ring of the entity that keeps it. */
export function addCounter(delta: EntityDelta, counterId: number, ts: number, value: number): void {
  for (const rd of delta.rings) {
    const pos = rd.ring.positionOf[counterId]!;
    if (pos < 0) continue;
    const idx = Math.floor(ts / rd.ring.spec.spanMs);
    let arr = rd.buckets.get(idx);
    if (!arr) {
      arr = new Float64Array(rd.ring.ids.length);
      rd.buckets.set(idx, arr);
    }
    if (rd.ring.isMax[pos]) {
      if (value > arr[pos]!) arr[pos] = value;
    } else arr[pos]! += value;
  }
}
