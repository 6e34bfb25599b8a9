/**
 * One `vigil features` output line, written straight from the vector: the same text as
 * `JSON.stringify({ entity, id, at, batch, registry, features: featureRecord(v) })`, without building a
 * record object per vector and a features object with a key per feature (the file holds millions).
 */
import { ENTITY_TYPES, FEATURE_REGISTRY, type EntityType, type FeatureVector } from '@vigil/features';

/** Per entity type: the line up to its entity field, and `"name":` of each feature (comma-led after the first). */
const PARTS = new Map<EntityType, { readonly head: string; readonly keys: readonly string[] }>(
  ENTITY_TYPES.map((type) => [
    type,
    {
      head: `{"entity":${JSON.stringify(type)},"id":`,
      keys: FEATURE_REGISTRY.byEntity[type].map((d, i) => `${i > 0 ? ',' : ''}${JSON.stringify(d.name)}:`),
    },
  ]),
);

/** A number as JSON.stringify writes it: non-finite values become null. */
function json(x: number): string {
  return Number.isFinite(x) ? String(x) : 'null';
}

export function featureLine(v: FeatureVector, batch: number): string {
  const parts = PARTS.get(v.entity);
  if (!parts) throw new Error(`unknown entity type ${String(v.entity)}`);
  const { keys } = parts;
  let line = `${parts.head}${JSON.stringify(v.id)},"at":${json(v.at)},"batch":${json(batch)},"registry":${json(FEATURE_REGISTRY.version)},"features":{`;
  for (let i = 0; i < keys.length; i++) line += keys[i]! + json(v.values[i]!);
  return line + '}}';
}
