/**
 * The model manifest: everything a running detector needs to know about a model besides its weights —
 * which features, in which order, computed by which feature-registry version; how to normalize them;
 * the score thresholds to alert and to block at and the precision they were chosen for; and what the
 * model was trained and evaluated on. Written by `vigil train` and by data-science notebooks
 * (notebooks-exports/README.md documents the contract); validated by the loader and `vigil models validate`.
 */
import { z } from 'zod';
import { ENTITY_TYPES } from '@vigil/features';

export const MANIFEST_VERSION = 1 as const;
export const MANIFEST_FILE = 'manifest.json';
export const MODEL_TOPOLOGY_FILE = 'model.json';

/** `signed-log1p`: x → sign(x)·ln(1+|x|), then (x − mean) / std: counts and bytes are heavy-tailed. */
export const NORMALIZATION_TRANSFORMS = ['signed-log1p', 'identity'] as const;
export type NormalizationTransform = (typeof NORMALIZATION_TRANSFORMS)[number];

const entityType = z.enum(ENTITY_TYPES);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const probability = z.number().min(0).max(1);

const thresholdSchema = z.object({
  /** Scores at or above this trigger the action. */
  score: probability,
  /** The entity-level precision the threshold was chosen for, and what validation measured at it. */
  targetPrecision: probability,
  precision: probability,
  recall: probability,
});

export const modelManifestSchema = z
  .object({
    manifestVersion: z.literal(MANIFEST_VERSION),
    /** Detector id, kebab-case: `credential-stuffing`, `account-takeover`, `scraping`. */
    detector: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be kebab-case, e.g. credential-stuffing'),
    /** Folder name under models/<detector>/: `1.0.0`, `2026.03.02-1`. */
    modelVersion: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.+-]*$/, 'must be a version like 1.0.0'),
    createdAt: z.iso.datetime(),
    /** `tfjs-layers`: model.json (topology + weightsManifest) and binary weight shards. */
    format: z.literal('tfjs-layers'),
    tfjsVersion: z.string().min(1),
    /** The entity scored (one input row per touched entity) and the entities whose features are appended. */
    entity: z.object({ primary: entityType, context: z.array(entityType) }),
    featureRegistry: z.object({ version: z.number().int().nonnegative(), fingerprint: z.string().min(1) }),
    /** `<entity>.<feature>` in input order, e.g. `ip.loginFailures10m`. */
    features: z.array(z.string().regex(/^[A-Za-z]+\.[A-Za-z0-9]+$/, 'must be <entity>.<feature>')).min(1),
    normalization: z.object({
      transform: z.enum(NORMALIZATION_TRANSFORMS),
      /** Per feature, after the transform. */
      mean: z.array(finite),
      std: z.array(finite.refine((x) => x > 0, 'std must be > 0')),
      /** Per feature, raw median of the benign training rows: the "baseline" an explanation compares with. */
      baseline: z.array(finite),
      /** Normalized values are clipped to ±clip, so that an attacker cannot push one input to infinity. */
      clip: z.number().positive(),
    }),
    thresholds: z.object({
      alert: thresholdSchema,
      block: thresholdSchema,
      /**
       * Why the thresholds are where they are (written by `vigil train`): validation counts per style,
       * benign look-alikes and their highest score, floors applied, intervals, accepted thin validation.
       */
      evidence: z.record(z.string(), z.unknown()).optional(),
    }),
    /** Decision points: one score per touched entity per event-time tick of this length. */
    decisionTickMs: z.number().int().positive(),
    architecture: z.object({ hidden: z.array(z.number().int().positive()), activation: z.string() }),
    training: z.object({
      /** Free-form description of the data: simulation seeds, input files, injected campaigns, label files. */
      data: z.array(z.record(z.string(), z.unknown())),
      rows: z.object({ train: z.number().int(), validation: z.number().int(), positive: z.number().int() }),
      campaigns: z.object({ train: z.array(z.string()), validation: z.array(z.string()) }),
      campaignTypes: z.array(z.string()),
      epochs: z.number().int().nonnegative(),
      seconds: z.number().nonnegative(),
      imbalance: z.string(),
      /** What the data was made of: files, hours, label sets, the mix and the split (`vigil train`). */
      provenance: z.record(z.string(), z.unknown()).optional(),
    }),
    /** Metrics on held-out data (validation campaigns, and fresh simulations when measured). */
    evaluation: z.record(z.string(), z.unknown()),
  })
  .superRefine((m, ctx) => {
    const n = m.features.length;
    for (const key of ['mean', 'std', 'baseline'] as const) {
      if (m.normalization[key].length !== n) {
        ctx.addIssue({
          code: 'custom',
          path: ['normalization', key],
          message: `has ${m.normalization[key].length} values for ${n} features`,
        });
      }
    }
    if (m.thresholds.block.score < m.thresholds.alert.score) {
      ctx.addIssue({
        code: 'custom',
        path: ['thresholds', 'block'],
        message: 'block threshold is below the alert threshold',
      });
    }
  });

export type ModelManifest = z.infer<typeof modelManifestSchema>;

export class ManifestError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(problems.length ? `${message}:\n  - ${problems.join('\n  - ')}` : message);
    this.name = 'ManifestError';
  }
}

/** Parses and checks a manifest's shape (not yet against the registry: see validateManifestFeatures). */
export function parseManifest(input: unknown, origin = 'manifest'): ModelManifest {
  const r = modelManifestSchema.safeParse(input);
  if (!r.success) {
    throw new ManifestError(
      `${origin} is invalid`,
      r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`),
    );
  }
  return r.data;
}
