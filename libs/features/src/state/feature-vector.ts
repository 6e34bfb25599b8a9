/** Entity views → feature vectors, with the registry's definitions; the same code for every store. */
import { COUNTER_INDEX } from '../registry/compiled-layout';
import type { CounterName } from '../registry/counters';
import type { EntityType } from '../registry/entities';
import { FEATURE_REGISTRY, type FeatureInputs } from '../registry/features';
import type { DimensionName, MemoryKind } from '../registry/layout';
import type { RingName } from '../registry/windows';
import type { EntityView } from './entity-view';

export interface FeatureVector {
  readonly entity: EntityType;
  readonly id: string;
  /** The watermark the features were evaluated at (event time, ms). */
  readonly at: number;
  /** In registry order. */
  readonly features: Readonly<Record<string, number>>;
}

class ViewInputs implements FeatureInputs {
  constructor(
    private readonly view: EntityView,
    readonly watermark: number,
  ) {}

  get consecutiveFailures(): number {
    return this.view.consecutiveFailures;
  }
  get failuresBeforeLastSuccess(): number {
    return this.view.failuresBeforeLastSuccess;
  }
  get lastSuccessTs(): number {
    return this.view.lastSuccessTs;
  }

  private ringAt(ring: RingName, counter: CounterName): [number, number] {
    const rings = this.view.compiled.rings;
    for (let r = 0; r < rings.length; r++) {
      if (rings[r]!.name !== ring) continue;
      const pos = rings[r]!.positionOf[COUNTER_INDEX[counter]]!;
      if (pos < 0) break;
      return [r, pos];
    }
    throw new Error(`${this.view.compiled.layout.type} keeps no ${counter} in ring ${ring}`);
  }

  sum(ring: RingName, counter: CounterName): number {
    const [r, pos] = this.ringAt(ring, counter);
    const spec = this.view.compiled.rings[r]!.spec;
    const isMax = this.view.compiled.rings[r]!.isMax[pos];
    const cur = Math.floor(this.watermark / spec.spanMs);
    let total = 0;
    for (const [idx, values] of this.view.rings[r]!) {
      if (idx > cur || idx <= cur - spec.buckets) continue;
      const x = values[pos]!;
      if (isMax) total = Math.max(total, x);
      else total += x;
    }
    return total;
  }

  series(ring: RingName, counter: CounterName): number[] {
    const [r, pos] = this.ringAt(ring, counter);
    const spec = this.view.compiled.rings[r]!.spec;
    const cur = Math.floor(this.watermark / spec.spanMs);
    const out = new Array<number>(spec.buckets).fill(0);
    for (const [idx, values] of this.view.rings[r]!) {
      const i = idx - (cur - spec.buckets + 1);
      if (i >= 0 && i < spec.buckets) out[i] = values[pos]!;
    }
    return out;
  }

  distinct(dim: DimensionName): number {
    const i = this.view.compiled.layout.dimensions.indexOf(dim);
    if (i < 0) throw new Error(`${this.view.compiled.layout.type} keeps no distinct ${dim}`);
    return this.view.distinct[i]!;
  }

  remembered(kind: MemoryKind, spanMs?: number): number {
    const memories = this.view.compiled.layout.memories;
    const i = memories.findIndex((m) => m.kind === kind);
    if (i < 0) throw new Error(`${this.view.compiled.layout.type} remembers no ${kind}`);
    const counts = this.view.memories[i]!;
    if (spanMs === undefined) return counts[counts.length - 1]!;
    const v = memories[i]!.viewsMs.indexOf(spanMs);
    if (v < 0) throw new Error(`${kind} memory has no ${spanMs} ms view`);
    return counts[v]!;
  }
}

export function toFeatureVector(view: EntityView, watermark: number): FeatureVector {
  const type = view.compiled.layout.type;
  const inputs = new ViewInputs(view, watermark);
  const features: Record<string, number> = {};
  for (const def of FEATURE_REGISTRY.byEntity[type]) features[def.name] = def.value(inputs);
  return { entity: type, id: view.id, at: watermark, features };
}
