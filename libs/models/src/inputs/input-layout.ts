/**
 * Assembling a model's input rows from one batch: one row per touched entity of the model's primary type,
 * with the features of its context entities (the subnet and login flow of an IP, the session of a
 * principal) taken from the same batch — the entities its most recent event in the batch carried.
 * Training and the live detector both call this, so a model sees in production exactly what it was
 * trained on.
 */
import type { AccessEvent } from '@vigil/events';
import {
  entityIdOf,
  FEATURE_REGISTRY,
  type EntityType,
  type FeatureRegistry,
  type FeatureVector,
} from '@vigil/features';
import { splitQualified } from '../manifest/feature-layout';
import type { ModelManifest } from '../manifest/model-manifest';

export interface InputLayout {
  readonly primary: EntityType;
  readonly context: readonly EntityType[];
  readonly width: number;
  /** Per input: its group (0 = primary, 1.. = context) and its index in that entity's FeatureVector.values. */
  readonly columns: readonly { readonly group: number; readonly index: number }[];
}

/** Throws on a feature the registry does not have: validate the manifest first for a full report. */
export function inputLayout(
  manifest: Pick<ModelManifest, 'entity' | 'features'>,
  registry: FeatureRegistry = FEATURE_REGISTRY,
): InputLayout {
  const groups: EntityType[] = [manifest.entity.primary, ...manifest.entity.context];
  const columns = manifest.features.map((q) => {
    const [entity, name] = splitQualified(q);
    const group = groups.indexOf(entity as EntityType);
    if (group < 0) throw new Error(`feature ${q} is not of entity ${groups.join(' or ')}`);
    const index = registry.byEntity[entity as EntityType].findIndex((d) => d.name === name);
    if (index < 0) throw new Error(`feature ${q} is not in the feature registry`);
    return { group, index };
  });
  return { primary: manifest.entity.primary, context: manifest.entity.context, width: columns.length, columns };
}

export interface DetectorInputs {
  /** Primary entity id of each row. */
  readonly ids: string[];
  /** Decision time (the batch watermark) of each row. */
  readonly at: number[];
  /** Context entity ids per row, in layout.context order (null: the event carried none). */
  readonly contextIds: (string | null)[][];
  /** rows × width raw feature values, row-major. */
  readonly raw: Float32Array;
  readonly rows: number;
  readonly width: number;
}

const vectorKey = (entity: EntityType, id: string): string => `${entity}\u0000${id}`;

export function assembleInputs(
  layout: InputLayout,
  events: readonly AccessEvent[],
  vectors: readonly FeatureVector[],
): DetectorInputs {
  const byKey = new Map<string, FeatureVector>();
  const primaries: FeatureVector[] = [];
  for (const v of vectors) {
    if (v.entity === layout.primary) primaries.push(v);
    else if (layout.context.includes(v.entity)) byKey.set(vectorKey(v.entity, v.id), v);
  }
  const ids: string[] = [];
  const at: number[] = [];
  const contextIds: (string | null)[][] = [];
  const raw = new Float32Array(primaries.length * layout.width);
  if (primaries.length === 0) return { ids, at, contextIds, raw, rows: 0, width: layout.width };
  // The last event of each primary entity in this batch names its context entities.
  const lastEvent = new Map<string, AccessEvent>();
  if (layout.context.length) {
    for (const e of events) {
      const id = entityIdOf(layout.primary, e);
      if (id !== null) lastEvent.set(id, e);
    }
  }
  const groupVectors: (FeatureVector | undefined)[] = new Array(layout.context.length + 1);
  primaries.forEach((v, r) => {
    groupVectors[0] = v;
    const ctxIds: (string | null)[] = [];
    const e = lastEvent.get(v.id);
    layout.context.forEach((t, c) => {
      const cid = e ? entityIdOf(t, e) : null;
      ctxIds.push(cid);
      groupVectors[c + 1] = cid === null ? undefined : byKey.get(vectorKey(t, cid));
    });
    const o = r * layout.width;
    layout.columns.forEach((col, j) => {
      raw[o + j] = groupVectors[col.group]?.values[col.index] ?? 0;
    });
    ids.push(v.id);
    at.push(v.at);
    contextIds.push(ctxIds);
  });
  return { ids, at, contextIds, raw, rows: primaries.length, width: layout.width };
}
