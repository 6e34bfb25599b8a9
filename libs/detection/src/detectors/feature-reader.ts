/**
 * Reading named features out of registry-ordered vectors. Indices are resolved once, at construction,
 * so a misspelt feature name fails at start-up, not silently as a zero on the hot path.
 */
import { FEATURE_REGISTRY, type EntityType, type FeatureVector } from '@vigil/features';
import type { Reason } from '../records/records';

export class FeatureReader<N extends string> {
  private readonly index: Readonly<Record<N, number>>;

  constructor(
    readonly entity: EntityType,
    names: readonly N[],
  ) {
    const defs = FEATURE_REGISTRY.byEntity[entity];
    const index = {} as Record<N, number>;
    for (const n of names) {
      const i = defs.findIndex((d) => d.name === n);
      if (i < 0) throw new Error(`feature ${entity}.${n} is not in the feature registry`);
      index[n] = i;
    }
    this.index = index;
  }

  /** The value of `name` in `v`; 0 when there is no vector (the entity was not touched). */
  get(v: FeatureVector | undefined, name: N): number {
    return v ? v.values[this.index[name]]! : 0;
  }

  reason(v: FeatureVector | undefined, name: N, baseline: number): Reason {
    return { feature: `${this.entity}.${name}`, value: round(this.get(v, name)), baseline };
  }

  /** `<entity>.<feature>` → value of every named feature, for the audit trail. */
  record(v: FeatureVector | undefined, into: Record<string, number> = {}): Record<string, number> {
    for (const n of Object.keys(this.index) as N[]) into[`${this.entity}.${n}`] = round(this.get(v, n));
    return into;
  }
}

export function round(x: number, digits = 4): number {
  return Number.isFinite(x) ? Number(x.toFixed(digits)) : x;
}

/** 0 below `lo`, 1 at or above `hi`, linear between: how far evidence has gone from "none" to "certain". */
export function ramp(x: number, lo: number, hi: number): number {
  if (x <= lo) return 0;
  if (x >= hi) return 1;
  return (x - lo) / (hi - lo);
}
