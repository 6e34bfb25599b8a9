/**
 * Building the detection path from validated config: the policy, the models (active and, optionally,
 * shadow versions), the detectors and the engine, and the digest of the configuration the audit trail
 * cites. `vigil replay`, `vigil run`, `vigil evaluate` and the detector service all build it here, so all
 * of them decide the same way on the same events.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEVELOPMENT_HASH_KEY, IdHasher, type SourceConfig } from '@vigil/events';
import { describeRuntime, loadModel, loadModels, tfRuntime, type DetectorModel, type TfRuntime } from '@vigil/models';
import { buildDetectors } from '../engine/build-detectors';
import { DetectionEngine } from '../engine/detection-engine';
import type { Lane } from '../engine/lanes';
import type { RecencyMap } from '../engine/recency-map';
import type { Detector } from '../detectors/finding';
import type { PolicyConfig } from '../policy/policy-config';
import { Policy, type PolicyRecord } from '../policy/policy';

/** A models directory or shadow model that is not there: the caller's input is wrong, not the code. */
export class DetectionSetupError extends Error {
  override readonly name = 'DetectionSetupError';
}

export interface DetectionSetupOptions {
  /** Models root (models/<detector>/<version>) or `none` for baselines only. */
  readonly models: string;
  /** Model directories to run in shadow beside the active ones. */
  readonly shadowModels?: readonly string[];
  readonly backend?: { prefer?: 'tensorflow' | 'wasm' | 'cpu' };
  readonly onRecord?: (r: PolicyRecord, watermark: number) => void;
}

/** An engine for one part of a partitioned path. */
export interface EngineVariant {
  /** Only this lane's detectors (lanes.ts). */
  readonly lane?: Lane;
  /** The fleet rule's customer memory shared with the other partitions' engines (customerSoftwareMemory()). */
  readonly customerSoftware?: RecencyMap;
}

export interface DetectionSetup {
  /** The engine of a single-stream path (replay, run, evaluate), built on first use. */
  readonly engine: DetectionEngine;
  /**
   * Another engine over the same models and policy with its own memory (the detector service runs one
   * per partition, so that a partition's detection state can move between instances with it); with a
   * lane, only the lane's detectors (lanes.ts).
   */
  createEngine(onRecord?: (r: PolicyRecord, watermark: number) => void, variant?: EngineVariant): DetectionEngine;
  readonly policy: PolicyConfig;
  readonly models: ReadonlyMap<string, DetectorModel>;
  readonly shadow: ReadonlyMap<string, DetectorModel>;
  readonly runtime: TfRuntime | null;
  /** SHA-256 of the policy and source config as validated (what the audit trail cites). */
  readonly configDigest: string;
  describe(): string;
}

/** A lane's engine runs only the lane's detectors (lanes.ts); without a lane, all of them. */
function laneDetectors(all: Detector[], lane: Lane | undefined): Detector[] {
  if (!lane) return all;
  const mine = new Set<string>(lane.detectors);
  return all.filter((d) => mine.has(d.id));
}

/** Throws DetectionSetupError for a missing directory; a bad manifest throws the models' ManifestError. */
export async function buildDetectionSetup(
  policy: PolicyConfig,
  source: SourceConfig,
  opts: DetectionSetupOptions,
): Promise<DetectionSetup> {
  const root = opts.models;
  let models = new Map<string, DetectorModel>();
  const shadow = new Map<string, DetectorModel>();
  let runtime: TfRuntime | null = null;
  if (root !== 'none') {
    if (!existsSync(root))
      throw new DetectionSetupError(`models directory ${root} does not exist (or pass --models none)`);
    runtime = await tfRuntime(opts.backend ?? {});
    models = await loadModels(root, { runtime });
  }
  for (const dir of opts.shadowModels ?? []) {
    runtime ??= await tfRuntime(opts.backend ?? {});
    if (!existsSync(join(dir, 'manifest.json')))
      throw new DetectionSetupError(`--shadow-models ${dir}: no manifest.json there`);
    const m = await loadModel(dir, { runtime });
    shadow.set(m.detector, m);
  }
  const hasher = new IdHasher(source.hashing.key ?? DEVELOPMENT_HASH_KEY, source.hashing.hexChars);
  const createEngine = (onRecord = opts.onRecord, variant: EngineVariant = {}): DetectionEngine =>
    new DetectionEngine({
      detectors: laneDetectors(buildDetectors({ active: models, shadow }, policy), variant.lane),
      ...(variant.customerSoftware ? { customerSoftware: variant.customerSoftware } : {}),
      policy: new Policy(policy, { hashId: (kind, raw) => hasher.hash(kind, raw) }),
      onRecord,
    });
  // Built on first use: the detector service runs one engine per partition and never asks for this one.
  let engine: DetectionEngine | null = null;
  const configDigest = createHash('sha256')
    .update(JSON.stringify({ policy, source: { ...source, hashing: { ...source.hashing, key: '<redacted>' } } }))
    .digest('hex');
  return {
    get engine() {
      return (engine ??= createEngine());
    },
    createEngine,
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
