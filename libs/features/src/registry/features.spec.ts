import { COMPILED } from './compiled-layout';
import { ENTITY_TYPES } from './entities';
import { ewma, FEATURE_REGISTRY, robustZ } from './features';

describe('feature registry', () => {
  it('has features for every entity type, unique names, a version and a stable fingerprint', () => {
    for (const t of ENTITY_TYPES) {
      const names = FEATURE_REGISTRY.byEntity[t].map((d) => d.name);
      expect(names.length).toBeGreaterThan(0);
      expect(new Set(names).size).toBe(names.length);
      // Names are identifiers: an integer-like key would reorder a JSON object of the features.
      for (const name of names) expect(name).toMatch(/^[a-z][A-Za-z0-9]*$/);
    }
    expect(FEATURE_REGISTRY.version).toBe(2);
    expect(FEATURE_REGISTRY.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('only reads counters, rings and memories the entity layout keeps', () => {
    // Evaluating every feature on an empty view throws if a definition reads something not kept.
    for (const t of ENTITY_TYPES) {
      const compiled = COMPILED[t];
      const view = {
        compiled,
        id: 'x',
        rings: compiled.rings.map(() => ({ count: 0, flat: [] })),
        consecutiveFailures: 0,
        failuresBeforeLastSuccess: 0,
        lastSuccessTs: -1,
        distinct: compiled.layout.dimensions.map(() => 0),
        memories: compiled.layout.memories.map((m) => [...m.viewsMs, 0].map(() => 0)),
      };
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { toFeatureVector } = require('../state/feature-vector') as typeof import('../state/feature-vector');
      expect(() => toFeatureVector(view, 1_700_000_000_000)).not.toThrow();
    }
  });
});

describe('population baselines', () => {
  it('gives a large robust z-score to a spike and 0 without ten minutes of history', () => {
    const history = [3, 4, 3, 5, 4, 3, 4, 4, 3, 5, 4, 3];
    expect(robustZ(60, history)).toBeGreaterThan(10);
    expect(robustZ(4, history)).toBeCloseTo(0, 5);
    expect(robustZ(60, [3, 4, 3])).toBe(0);
    expect(robustZ(9, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])).toBe(0);
  });
  it('EWMA ignores the quiet minutes before the flow started', () => {
    expect(ewma([0, 0, 0, 10, 10, 10])).toBeCloseTo(10, 10);
  });
});
