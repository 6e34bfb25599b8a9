/**
 * The state layout turned into index tables once at start-up, so the hot path adds numbers by position
 * instead of looking names up per event.
 */
import { COUNTERS, MAX_COUNTERS, type CounterName } from './counters';
import { LAYOUTS, LAYOUT_LIST, type EntityLayout } from './layout';
import type { EntityType } from './entities';
import { RING_NAMES, RINGS, type RingName, type RingSpec } from './windows';

export const COUNTER_INDEX: Readonly<Record<CounterName, number>> = Object.fromEntries(
  COUNTERS.map((c, i) => [c, i]),
) as Record<CounterName, number>;

export interface CompiledRing {
  readonly name: RingName;
  readonly spec: RingSpec;
  readonly counters: readonly CounterName[];
  /** Counter ids (index in COUNTERS) in ring order. */
  readonly ids: Int32Array;
  /** COUNTERS index → position in this ring, or -1. */
  readonly positionOf: Int32Array;
  /** Per position: true for max counters. */
  readonly isMax: readonly boolean[];
}

export interface CompiledLayout {
  readonly layout: EntityLayout;
  readonly rings: readonly CompiledRing[];
  /** Where ring r's first bucket sits in a delta's `main` array: [index, values…] at ringOffsets[r]. */
  readonly ringOffsets: readonly number[];
  /** Length of a delta's `main` array. */
  readonly mainWidth: number;
  /** Ring name → index in `rings`, or -1. */
  readonly ringIndex: Readonly<Record<RingName, number>>;
  readonly gaps: boolean;
  readonly sequentialIds: boolean;
  readonly loginPrior: boolean;
  readonly loginOutcomes: boolean;
  readonly sensitiveAfterLogin: boolean;
  readonly travel: boolean;
}

function compile(layout: EntityLayout): CompiledLayout {
  const rings: CompiledRing[] = [];
  for (const name of RING_NAMES) {
    const counters = layout.rings[name];
    if (!counters) continue;
    const ids = Int32Array.from(counters.map((c) => COUNTER_INDEX[c]));
    const positionOf = new Int32Array(COUNTERS.length).fill(-1);
    ids.forEach((id, pos) => (positionOf[id] = pos));
    rings.push({ name, spec: RINGS[name], counters, ids, positionOf, isMax: counters.map((c) => MAX_COUNTERS.has(c)) });
  }
  const ringIndex = Object.fromEntries(RING_NAMES.map((n) => [n, rings.findIndex((r) => r.name === n)])) as Record<
    RingName,
    number
  >;
  const op = (name: EntityLayout['ops'][number]) => layout.ops.includes(name);
  const ringOffsets: number[] = [];
  let mainWidth = 0;
  for (const r of rings) {
    ringOffsets.push(mainWidth);
    mainWidth += 1 + r.ids.length;
  }
  return {
    layout,
    rings,
    ringOffsets,
    mainWidth,
    ringIndex,
    gaps: op('gaps'),
    sequentialIds: op('sequentialIds'),
    loginPrior: op('loginPrior'),
    loginOutcomes: op('loginOutcomes'),
    sensitiveAfterLogin: op('sensitiveAfterLogin'),
    travel: op('travel'),
  };
}

export const COMPILED: Readonly<Record<EntityType, CompiledLayout>> = Object.fromEntries(
  LAYOUT_LIST.map((l) => [l.type, compile(l)]),
) as Record<EntityType, CompiledLayout>;

export const COMPILED_BY_CODE: readonly CompiledLayout[] = (() => {
  const byCode: CompiledLayout[] = [];
  for (const l of LAYOUT_LIST) byCode[l.code] = COMPILED[l.type];
  return byCode;
})();

export { LAYOUTS };
