/**
 * A model's input layout: the primary entity's features, then each context entity's, every group in
 * feature-registry order. Checking a manifest against the live registry is what keeps a model from
 * silently reading the wrong column after a feature was added, removed or moved.
 */
import { FEATURE_REGISTRY, type EntityType, type FeatureRegistry } from '@vigil/features';
import type { ModelManifest } from './model-manifest';

export interface QualifiedFeature {
  readonly entity: EntityType;
  readonly name: string;
}

export function qualify(entity: EntityType, name: string): string {
  return `${entity}.${name}`;
}

export function splitQualified(q: string): [string, string] {
  const dot = q.indexOf('.');
  return dot < 0 ? ['', q] : [q.slice(0, dot), q.slice(dot + 1)];
}

/** The full layout for these entity groups: every registry feature of each, in registry order. */
export function featureLayout(
  primary: EntityType,
  context: readonly EntityType[],
  registry: FeatureRegistry = FEATURE_REGISTRY,
): string[] {
  return [primary, ...context].flatMap((t) => registry.byEntity[t].map((d) => qualify(t, d.name)));
}

export interface FeatureCheck {
  readonly ok: boolean;
  /** One line per problem, naming the feature and what is wrong with it. */
  readonly problems: readonly string[];
}

/**
 * Does the manifest's feature list fit the running registry? Refuses: another registry version or
 * fingerprint; an entity the model does not declare; a feature the registry does not have; a feature
 * listed twice; features out of registry order (a reordering would feed values into the wrong inputs).
 * A model may use a subset of an entity's features, in registry order.
 */
export function validateManifestFeatures(
  manifest: Pick<ModelManifest, 'detector' | 'modelVersion' | 'entity' | 'features' | 'featureRegistry'>,
  registry: FeatureRegistry = FEATURE_REGISTRY,
): FeatureCheck {
  const problems: string[] = [];
  const fr = manifest.featureRegistry;
  if (fr.version !== registry.version) {
    problems.push(
      `feature-registry version differs: the model was trained with version ${fr.version}, this build has version ${registry.version}; retrain the model (vigil train) or run the matching Vigil version`,
    );
  } else if (fr.fingerprint !== registry.fingerprint) {
    problems.push(
      `feature-registry fingerprint differs at the same version ${fr.version}: model ${fr.fingerprint}, this build ${registry.fingerprint} (a feature definition, window or layout changed without a version bump); retrain the model`,
    );
  }
  const groups: EntityType[] = [manifest.entity.primary, ...manifest.entity.context];
  const seen = new Set<string>();
  // Position in the expected full layout; a model's features must appear with increasing positions.
  const expected = new Map<string, number>();
  let pos = 0;
  for (const t of groups) for (const d of registry.byEntity[t] ?? []) expected.set(qualify(t, d.name), pos++);
  let lastPos = -1;
  let lastName = '';
  manifest.features.forEach((q, i) => {
    const [entity] = splitQualified(q);
    if (seen.has(q)) {
      problems.push(`feature ${q} (input ${i}) is listed twice`);
      return;
    }
    seen.add(q);
    if (!groups.includes(entity as EntityType)) {
      problems.push(
        `feature ${q} (input ${i}) belongs to entity "${entity}", which the model does not declare (primary ${manifest.entity.primary}, context [${manifest.entity.context.join(', ')}])`,
      );
      return;
    }
    const p = expected.get(q);
    if (p === undefined) {
      const known = registry.byEntity[entity as EntityType].map((d) => d.name);
      problems.push(
        `feature ${q} (input ${i}) is missing from the feature registry v${registry.version}; ${entity} has: ${known.join(', ')}`,
      );
      return;
    }
    if (p < lastPos) {
      problems.push(
        `feature ${q} (input ${i}) is out of order: the registry puts it before ${lastName}; list each entity's features in registry order (${groups.join(', ')})`,
      );
    }
    lastPos = Math.max(lastPos, p);
    lastName = q;
  });
  return { ok: problems.length === 0, problems };
}
