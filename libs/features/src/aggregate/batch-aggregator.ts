/**
 * Turns a batch of events into one EntityDelta per touched entity for the Redis store: a single pass over
 * the events, all arithmetic in memory, nothing per event crosses a process boundary; the Lua script then
 * applies each delta atomically. The memory store applies the same rules event by event instead
 * (store/memory-window-store.ts); the contract suites hold the two to identical vectors.
 */
import type { AccessEvent } from '@vigil/events';
import { COUNTER_INDEX, COMPILED, type CompiledLayout } from '../registry/compiled-layout';
import { COUNTERS, GAP_CAP_MS, SEQUENTIAL_ID_MAX_STEP } from '../registry/counters';
import { countryCentroid } from '../registry/country-centroids';
import { ENTITY_TYPES, entityIdOf } from '../registry/entities';
import { dimensionElement, type MemoryKind } from '../registry/layout';
import { BASE_BUCKET_MS, DISTINCT_HOP_MS } from '../registry/windows';
import { addCounter, bucket, newEntityDelta, slot as bucketSlot, type EntityDelta } from './entity-delta';
import { fillEventFacts, isLoginFailure, isLoginSuccess, isSensitive, userAgentDigest } from './event-facts';
import { travelSpeedKmh, type TravelPoint } from './travel';

/** How a store treats each event of a batch. */
export const EVENT_SKIP = 0;
export const EVENT_APPLY = 1;
/** Already applied (a replayed offset): the entity is read and reported but nothing is added. */
export const EVENT_TOUCH = 2;

export interface AggregateInput {
  readonly events: readonly AccessEvent[];
  readonly classes: Uint8Array;
  /** Offset of each event within its partition (any increasing numbers without a position). */
  readonly offsets: ArrayLike<number>;
  /** Whether the principal had logged in successfully before this batch (as the store knows it). */
  readonly principalHasSucceeded: (principal: string) => boolean;
  /** Restrict to these entity keys (`code|id`): re-aggregation after a partial replay overlap. */
  readonly only?: ReadonlySet<string>;
}

const C = COUNTER_INDEX;
const N_COUNTERS = COUNTERS.length;

interface TypeSlot {
  readonly compiled: CompiledLayout;
  readonly code: number;
  readonly byId: Map<string, EntityDelta>;
}

export function aggregateBatch(input: AggregateInput): EntityDelta[] {
  const { events, classes, offsets, only } = input;
  const slots: TypeSlot[] = ENTITY_TYPES.map((type) => ({
    compiled: COMPILED[type],
    code: COMPILED[type].layout.code,
    byId: new Map<string, EntityDelta>(),
  }));
  const facts = new Float64Array(N_COUNTERS);
  const uaDigests = new Map<string, string>();
  const succeededCache = new Map<string, boolean>();
  const unknownPrincipal = (p: string): boolean => {
    let succeeded = succeededCache.get(p);
    if (succeeded === undefined) {
      succeeded = input.principalHasSucceeded(p);
      succeededCache.set(p, succeeded);
    }
    return !succeeded;
  };

  for (let i = 0; i < events.length; i++) {
    const cls = classes[i]!;
    if (cls === EVENT_SKIP) continue;
    const e = events[i]!;
    const ts = e.ts;
    const login = e.routeClass === 'login';
    const loginOk = cls === EVENT_APPLY && isLoginSuccess(e);
    const loginFail = cls === EVENT_APPLY && isLoginFailure(e);
    const sensitive = isSensitive(e);
    let numericId = -1;
    if (cls === EVENT_APPLY) numericId = fillEventFacts(facts, e, loginOk, loginFail, sensitive, unknownPrincipal);
    const offset = offsets[i]!;

    for (let t = 0; t < slots.length; t++) {
      const slot = slots[t]!;
      const lc = slot.compiled;
      const id = entityIdOf(lc.layout.type, e);
      if (id === null) continue;
      let d = slot.byId.get(id);
      if (!d) {
        if (only && !only.has(`${slot.code}|${id}`)) continue;
        d = newEntityDelta(slot.compiled, id);
        slot.byId.set(id, d);
      }
      if (cls !== EVENT_APPLY) continue;

      d.applied++;
      if (d.firstOffset < 0) d.firstOffset = offset;
      d.lastOffset = offset;
      if (d.applied === 1) d.firstTs = ts;
      d.lastTs = ts;
      if (ts < d.minTs) d.minTs = ts;
      if (ts > d.maxTs) d.maxTs = ts;

      const rings = lc.rings;
      for (let r = 0; r < rings.length; r++) {
        const ring = rings[r]!;
        bucket(d, r, Math.floor(ts / ring.spec.spanMs));
        const arr = bucketSlot.arr;
        const off = bucketSlot.off;
        const ids = ring.ids;
        for (let j = 0; j < ids.length; j++) arr[off + j]! += facts[ids[j]!]!;
      }

      if (lc.gaps) {
        if (!Number.isNaN(d.prevTs)) {
          const g = clampGap(ts - d.prevTs);
          addCounter(d, C.gapCount, ts, 1);
          addCounter(d, C.gapSumMs, ts, g);
          addCounter(d, C.gapSumSqMs, ts, g * g);
        }
        d.prevTs = ts;
      }
      if (lc.sequentialIds && numericId >= 0) {
        if (Number.isNaN(d.lastId)) {
          d.firstId = numericId;
          d.firstIdTs = ts;
        } else {
          const step = Math.abs(numericId - d.lastId);
          if (step >= 1 && step <= SEQUENTIAL_ID_MAX_STEP) addCounter(d, C.sequentialIdRequests, ts, 1);
        }
        d.lastId = numericId;
      }
      if (lc.loginPrior) {
        if (login) {
          if (!d.nonLoginSeen) {
            const b = Math.floor(ts / BASE_BUCKET_MS) * BASE_BUCKET_MS;
            d.leadingLogins ??= new Map();
            d.leadingLogins.set(b, (d.leadingLogins.get(b) ?? 0) + 1);
          }
        } else {
          d.nonLoginSeen = true;
          if (ts > d.lastNonLoginTs) d.lastNonLoginTs = ts;
        }
      }
      if (lc.loginOutcomes) {
        if (loginOk) {
          if (d.successes > 0) d.failuresBetweenLastSuccesses = d.failuresSinceSuccess;
          d.successes++;
          d.failuresSinceSuccess = 0;
          if (ts > d.lastSuccessTs) d.lastSuccessTs = ts;
        } else if (loginFail) {
          if (d.successes === 0) d.leadingFailures++;
          else d.failuresSinceSuccess++;
        }
      }
      if (lc.sensitiveAfterLogin && sensitive) {
        // Judged in the script, against the later of the stored last success and the batch's latest
        // success before this action: the same answer however the stream is cut into batches.
        // Every one of them (a batch bounds the list): a cap would make the count depend on the cut.
        (d.sensitiveActions ??= []).push(ts, d.successes > 0 ? d.lastSuccessTs : -1);
      }
      if (lc.travel && loginOk) {
        const where = countryCentroid(e.country);
        if (where) {
          const point: TravelPoint = [ts, where.lat, where.lon, where.cosLat];
          if (d.travelLast) addCounter(d, C.travelMaxKmh, ts, travelSpeedKmh(d.travelLast, point));
          else d.travelFirst = point;
          d.travelLast = point;
        }
      }

      const layout = lc.layout;
      for (let k = 0; k < layout.dimensions.length; k++) {
        const el = dimensionElement(layout.dimensions[k]!, e);
        if (el === null) continue;
        (d.dimItems ??= []).push(k, Math.floor(ts / DISTINCT_HOP_MS), el);
      }
      for (let k = 0; k < layout.memories.length; k++) {
        const member = memberOf(layout.memories[k]!.kind, e, uaDigests);
        if (member === null) continue;
        (d.memItems ??= []).push(k, ts, member);
      }
    }
  }
  const out: EntityDelta[] = [];
  for (const slot of slots) for (const d of slot.byId.values()) out.push(d);
  return out;
}

function clampGap(g: number): number {
  return g < 0 ? 0 : g > GAP_CAP_MS ? GAP_CAP_MS : g;
}

/** The member an event adds to a long memory of kind `kind`, or null (user agents as digests, memoized). */
export function memberOf(kind: MemoryKind, e: AccessEvent, uaDigests: Map<string, string>): string | null {
  switch (kind) {
    case 'devices':
      return e.deviceId;
    case 'asns':
      return e.asn === null ? null : String(e.asn);
    case 'countries':
      return e.country;
    case 'ips':
      return e.clientIp;
    case 'userAgents': {
      const ua = e.userAgent;
      if (ua === null) return null;
      let digest = uaDigests.get(ua);
      if (digest === undefined) {
        digest = userAgentDigest(ua);
        uaDigests.set(ua, digest);
      }
      return digest;
    }
  }
}
