import fc from 'fast-check';
import { ENTITY_TYPES, FEATURE_REGISTRY, featureRecord, type FeatureVector } from '@vigil/features';
import { featureLine } from './feature-line';

const reference = (v: FeatureVector, batch: number): string =>
  JSON.stringify({
    entity: v.entity,
    id: v.id,
    at: v.at,
    batch,
    registry: FEATURE_REGISTRY.version,
    features: featureRecord(v),
  });

const value = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e21, 5e-324, 0.1 + 0.2),
);

describe('featureLine', () => {
  it('writes exactly what JSON.stringify writes for the record, for every entity type', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ENTITY_TYPES),
        fc.string({ unit: 'binary' }),
        fc.integer({ min: 0, max: 2 ** 52 }),
        fc.nat(),
        fc.array(value, { minLength: 64, maxLength: 64 }),
        (entity, id, at, batch, pool) => {
          const n = FEATURE_REGISTRY.byEntity[entity].length;
          const values = Float64Array.from({ length: n }, (_, i) => pool[i % pool.length]!);
          const v: FeatureVector = { entity, id, at, values };
          expect(featureLine(v, batch)).toBe(reference(v, batch));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('writes one JSON object that parses back to the vector', () => {
    const values = Float64Array.from(FEATURE_REGISTRY.byEntity.ip, (_, i) => i / 4);
    const line = featureLine({ entity: 'ip', id: '203.0.113.7 "quoted"', at: 1_772_442_000_188, values }, 3);
    const parsed = JSON.parse(line) as { id: string; batch: number; features: Record<string, number> };
    expect(parsed.id).toBe('203.0.113.7 "quoted"');
    expect(parsed.batch).toBe(3);
    expect(Object.keys(parsed.features)).toEqual(FEATURE_REGISTRY.byEntity.ip.map((d) => d.name));
    expect(parsed.features[FEATURE_REGISTRY.byEntity.ip[1]!.name]).toBe(0.25);
  });
});
