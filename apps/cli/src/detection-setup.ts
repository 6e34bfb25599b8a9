/**
 * Building the detection path for a CLI command: the config file's `policy:` section, the models (active
 * and, optionally, shadow versions), the detectors and the engine, with an optional audit trail. Shared by
 * `vigil replay`, `vigil run` and `vigil evaluate`, so all three decide the same way.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  buildDetectors,
  DetectionEngine,
  parsePolicyConfig,
  Policy,
  PolicyConfigError,
  type PolicyConfig,
  type PolicyRecord,
} from '@vigil/detection';
import { DEVELOPMENT_HASH_KEY, IdHasher, type SourceConfig } from '@vigil/events';
import {
  describeRuntime,
  loadModel,
  loadModels,
  ManifestError,
  tfRuntime,
  type DetectorModel,
  type TfRuntime,
} from '@vigil/models';
import { UsageError } from './errors';

/** The models shipped with Vigil: `<repo>/models`, found from this file (dist/ or src/). */
export const BUNDLED_MODELS = resolve(__dirname, '..', '..', '..', 'models');

/** A config file holds the source mapping plus optional `policy:` and `inventory:` sections. */
export function splitConfigSections(raw: unknown): { source: unknown; policy: unknown; inventory: unknown } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { source: raw, policy: undefined, inventory: undefined };
  const { policy, inventory, ...source } = raw as Record<string, unknown>;
  return { source, policy, inventory };
}

export interface DetectionSetupOptions {
  /** Models root (models/<detector>/<version>) or `none` for baselines only. */
  readonly models?: string;
  /** Model directories to run in shadow beside the active ones. */
  readonly shadowModels?: readonly string[];
  readonly backend?: { prefer?: 'tensorflow' | 'wasm' | 'cpu' };
  readonly onRecord?: (r: PolicyRecord, watermark: number) => void;
}

export interface DetectionSetup {
  readonly engine: DetectionEngine;
  readonly policy: PolicyConfig;
  readonly models: ReadonlyMap<string, DetectorModel>;
  readonly shadow: ReadonlyMap<string, DetectorModel>;
  readonly runtime: TfRuntime | null;
  /** SHA-256 of the policy and source config as validated (what the audit trail cites). */
  readonly configDigest: string;
  describe(): string;
}

export function parsePolicy(raw: unknown): PolicyConfig {
  try {
    return parsePolicyConfig(raw);
  } catch (err) {
    if (err instanceof PolicyConfigError) throw new UsageError(err.message);
    throw err;
  }
}

export async function setupDetection(
  policyRaw: unknown,
  source: SourceConfig,
  opts: DetectionSetupOptions,
): Promise<DetectionSetup> {
  const policy = parsePolicy(policyRaw);
  const root = opts.models ?? BUNDLED_MODELS;
  let models = new Map<string, DetectorModel>();
  const shadow = new Map<string, DetectorModel>();
  let runtime: TfRuntime | null = null;
  try {
    if (root !== 'none') {
      if (!existsSync(root)) throw new UsageError(`models directory ${root} does not exist (or pass --models none)`);
      runtime = await tfRuntime(opts.backend ?? {});
      models = await loadModels(root, { runtime });
    }
    for (const dir of opts.shadowModels ?? []) {
      runtime ??= await tfRuntime(opts.backend ?? {});
      if (!existsSync(join(dir, 'manifest.json')))
        throw new UsageError(`--shadow-models ${dir}: no manifest.json there`);
      const m = await loadModel(dir, { runtime });
      shadow.set(m.detector, m);
    }
  } catch (err) {
    if (err instanceof ManifestError) throw new UsageError(err.message);
    throw err;
  }
  const hasher = new IdHasher(source.hashing.key ?? DEVELOPMENT_HASH_KEY, source.hashing.hexChars);
  const engine = new DetectionEngine({
    detectors: buildDetectors({ active: models, shadow }, policy),
    policy: new Policy(policy, { hashId: (kind, raw) => hasher.hash(kind, raw) }),
    onRecord: opts.onRecord,
  });
  const configDigest = createHash('sha256')
    .update(JSON.stringify({ policy, source: { ...source, hashing: { ...source.hashing, key: '<redacted>' } } }))
    .digest('hex');
  return {
    engine,
    policy,
    models,
    shadow,
    runtime,
    configDigest,
    describe() {
      const ms = [...models.values()].map((m) => `${m.detector}@${m.version}`);
      const sh = [...shadow.values()].map((m) => `${m.detector}@${m.version} (shadow)`);
      const rt = runtime ? describeRuntime(runtime) : 'no models: statistical baselines only';
      return `models ${[...ms, ...sh].join(', ') || 'none'}; ${rt}; policy mode ${policy.mode}`;
    },
  };
}
