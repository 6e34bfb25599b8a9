import { FEATURE_REGISTRY } from '@vigil/features';
import { featureLayout, validateManifestFeatures } from './feature-layout';

const base = () => ({
  detector: 'scraping',
  modelVersion: '1.0.0',
  entity: { primary: 'ip' as const, context: ['apiKey' as const] },
  features: featureLayout('ip', ['apiKey']),
  featureRegistry: { version: FEATURE_REGISTRY.version, fingerprint: FEATURE_REGISTRY.fingerprint },
});

describe('validateManifestFeatures', () => {
  it('accepts the full layout and a subset in registry order', () => {
    expect(validateManifestFeatures(base())).toEqual({ ok: true, problems: [] });
    const m = base();
    expect(validateManifestFeatures({ ...m, features: m.features.filter((_, i) => i % 2 === 0) }).ok).toBe(true);
  });

  it('refuses a feature the registry does not have, naming it', () => {
    const m = base();
    const r = validateManifestFeatures({ ...m, features: [...m.features.slice(0, 3), 'ip.loginVelocity9m'] });
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toMatch(
      /feature ip\.loginVelocity9m \(input 3\) is missing from the feature registry/,
    );
  });

  it('refuses reordered features, naming the one out of order', () => {
    const m = base();
    const f = [...m.features];
    [f[1], f[2]] = [f[2]!, f[1]!];
    const r = validateManifestFeatures({ ...m, features: f });
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toContain(`feature ${f[2]} (input 2) is out of order`);
  });

  it('refuses another registry version and a changed fingerprint', () => {
    const v = validateManifestFeatures({
      ...base(),
      featureRegistry: { version: FEATURE_REGISTRY.version + 1, fingerprint: 'x' },
    });
    expect(v.problems[0]).toMatch(
      /feature-registry version differs: the model was trained with version \d+, this build has version \d+/,
    );
    const fp = validateManifestFeatures({
      ...base(),
      featureRegistry: { version: FEATURE_REGISTRY.version, fingerprint: 'deadbeef' },
    });
    expect(fp.problems[0]).toMatch(/fingerprint differs/);
  });

  it('refuses features of an entity the model does not declare, and duplicates', () => {
    const m = base();
    const r = validateManifestFeatures({
      ...m,
      features: [...m.features, 'principal.loginFailures10m', m.features[0]!],
    });
    expect(r.problems.some((p) => p.includes('belongs to entity "principal"'))).toBe(true);
    expect(r.problems.some((p) => p.includes('is listed twice'))).toBe(true);
  });
});
