/** Entity views → feature vectors, with the registry's definitions; the same code for every store. */
import { COUNTER_INDEX } from '../registry/compiled-layout';
import { COUNTERS, type CounterName } from '../registry/counters';
import type { EntityType } from '../registry/entities';
import { FEATURE_REGISTRY, type FeatureInputs } from '../registry/features';
import type { DimensionName, MemoryKind } from '../registry/layout';
import { RING_NAMES, type RingName } from '../registry/windows';
import type { EntityView } from './entity-view';

export interface FeatureVector {
  readonly entity: EntityType;
  readonly id: string;
  /** The watermark the features were evaluated at (event time, ms). */
  readonly at: number;
  /** In registry order: FEATURE_REGISTRY.byEntity[entity][i] names values[i]. */
  readonly values: Float64Array;
}

/** `{ name: value }` of a vector, for output and tests. */
export function featureRecord(v: FeatureVector): Record<string, number> {
  const defs = FEATURE_REGISTRY.byEntity[v.entity];
  const out: Record<string, number> = {};
  for (let i = 0; i < defs.length; i++) out[defs[i]!.name] = v.values[i]!;
  return out;
}

const COUNTER_IDS: ReadonlyMap<string, number> = new Map(Object.entries(COUNTER_INDEX));

/**
 * The inputs of one vector at a time: toFeatureVector runs the definitions synchronously, so a single
 * instance with scratch sums per ring serves every vector without allocating per entity.
 */
class ViewInputs implements FeatureInputs {
  private readonly sums: Float64Array[] = RING_NAMES.map(() => new Float64Array(COUNTERS.length));
  /** Per ring: whether `sums[r]` holds this view's sums. */
  private readonly summed = new Uint8Array(RING_NAMES.length);
  private view!: EntityView;
  watermark = 0;

  reset(view: EntityView, watermark: number): this {
    this.view = view;
    this.watermark = watermark;
    this.summed.fill(0);
    return this;
  }

  get consecutiveFailures(): number {
    return this.view.consecutiveFailures;
  }
  get failuresBeforeLastSuccess(): number {
    return this.view.failuresBeforeLastSuccess;
  }
  get lastSuccessTs(): number {
    return this.view.lastSuccessTs;
  }

  /** Index of the ring in the layout; a switch on interned literals, not a keyed property load. */
  private ringIndexOf(ring: RingName): number {
    const compiled = this.view.compiled;
    switch (ring) {
      case '1m':
        return compiled.ringIndex['1m'];
      case '10m':
        return compiled.ringIndex['10m'];
      case '1h':
        return compiled.ringIndex['1h'];
      case 'baseline':
        return compiled.ringIndex.baseline;
    }
  }

  private ringAt(ring: RingName, counter: CounterName): [number, number] {
    const compiled = this.view.compiled;
    const r = this.ringIndexOf(ring);
    const pos = r < 0 ? -1 : compiled.rings[r]!.positionOf[COUNTER_IDS.get(counter)!]!;
    if (pos < 0) throw new Error(`${compiled.layout.type} keeps no ${counter} in ring ${ring}`);
    return [r, pos];
  }

  /** Sums (or maxima) of every counter of ring r over the buckets in view, computed once. */
  private ringSums(r: number): Float64Array {
    const sums = this.sums[r]!;
    if (this.summed[r] === 1) return sums;
    const ring = this.view.compiled.rings[r]!;
    const spec = ring.spec;
    const cur = Math.floor(this.watermark / spec.spanMs);
    const n = ring.ids.length;
    const isMax = ring.isMax;
    sums.fill(0, 0, n);
    const { count, flat } = this.view.rings[r]!;
    const w = n + 1;
    for (let k = 0; k < count; k++) {
      const base = k * w;
      const idx = flat[base]!;
      if (idx > cur || idx <= cur - spec.buckets) continue;
      for (let j = 0; j < n; j++) {
        const v = flat[base + 1 + j]!;
        if (isMax[j]) {
          if (v > sums[j]!) sums[j] = v;
        } else sums[j]! += v;
      }
    }
    this.summed[r] = 1;
    return sums;
  }

  sum(ring: RingName, counter: CounterName): number {
    const r = this.ringIndexOf(ring);
    const pos = r < 0 ? -1 : this.view.compiled.rings[r]!.positionOf[COUNTER_IDS.get(counter)!]!;
    if (pos < 0) this.ringAt(ring, counter);
    return this.ringSums(r)[pos]!;
  }
  series(ring: RingName, counter: CounterName): number[] {
    const [r, pos] = this.ringAt(ring, counter);
    const spec = this.view.compiled.rings[r]!.spec;
    const cur = Math.floor(this.watermark / spec.spanMs);
    const out = new Array<number>(spec.buckets).fill(0);
    const { count, flat } = this.view.rings[r]!;
    const w = this.view.compiled.rings[r]!.ids.length + 1;
    for (let k = 0; k < count; k++) {
      const i = flat[k * w]! - (cur - spec.buckets + 1);
      if (i >= 0 && i < spec.buckets) out[i] = flat[k * w + 1 + pos]!;
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

const INPUTS = new ViewInputs();

/**
 * Vector values are views into shared 64 KiB slabs: a Float64Array of its own would need an off-heap
 * backing store per vector (V8 keeps only typed arrays up to 64 bytes on the heap), which costs more than
 * computing the features. A slab lives as long as any of its vectors.
 */
const SLAB_LENGTH = 8192;
let slab = new Float64Array(SLAB_LENGTH);
let slabUsed = 0;

function vectorValues(n: number): Float64Array {
  if (slabUsed + n > SLAB_LENGTH) {
    slab = new Float64Array(Math.max(SLAB_LENGTH, n));
    slabUsed = 0;
  }
  const values = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += n;
  return values;
}

export function toFeatureVector(view: EntityView, watermark: number): FeatureVector {
  const type = view.compiled.layout.type;
  const inputs = INPUTS.reset(view, watermark);
  const defs = FEATURE_REGISTRY.byEntity[type];
  const values = vectorValues(defs.length);
  for (let i = 0; i < defs.length; i++) values[i] = defs[i]!.value(inputs);
  return { entity: type, id: view.id, at: watermark, values };
}
