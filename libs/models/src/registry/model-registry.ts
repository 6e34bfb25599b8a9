/**
 * Loading models from `models/<detector>/<version>/` (model.json + weights + manifest.json). A model is
 * refused, with every reason listed, when its manifest is malformed, its features do not match the running
 * feature registry, or the TF.js model does not take the manifest's inputs. Versions sort numerically
 * (1.10.0 after 1.9.0); without a version the newest is loaded.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURE_REGISTRY, type FeatureRegistry } from '@vigil/features';
import type { LayersModel } from '@tensorflow/tfjs';
import { tfRuntime, type TfRuntime } from '../backend/tf-runtime';
import { validateManifestFeatures } from '../manifest/feature-layout';
import { MANIFEST_FILE, ManifestError, parseManifest, type ModelManifest } from '../manifest/model-manifest';
import { directoryIO, readModelArtifacts } from '../io/directory-io';
import { DetectorModel } from '../scoring/detector-model';

export function readManifest(dir: string): ModelManifest {
  const path = join(dir, MANIFEST_FILE);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ManifestError(e.code === 'ENOENT' ? `${path} does not exist` : `${path} is not valid JSON: ${e.message}`);
  }
  return parseManifest(json, path);
}

export interface ModelValidation {
  readonly dir: string;
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly manifest: ModelManifest | null;
}

/** Everything that can be checked without TF.js: manifest shape, features vs registry, topology input size. */
export function validateModelDir(dir: string, registry: FeatureRegistry = FEATURE_REGISTRY): ModelValidation {
  let manifest: ModelManifest;
  try {
    manifest = readManifest(dir);
  } catch (err) {
    const e = err as ManifestError;
    return { dir, ok: false, problems: e.problems?.length ? e.problems : [e.message], manifest: null };
  }
  const problems = [...validateManifestFeatures(manifest, registry).problems];
  try {
    const artifacts = readModelArtifacts(dir);
    const inputs = topologyInputWidth(artifacts.modelTopology);
    if (inputs !== null && inputs !== manifest.features.length) {
      problems.push(`model.json takes ${inputs} inputs but the manifest lists ${manifest.features.length} features`);
    }
    const expectedBytes = (artifacts.weightSpecs ?? []).reduce(
      (s, w) => s + w.shape.reduce((a, b) => a * b, 1) * (w.dtype === 'float32' || w.dtype === 'int32' ? 4 : 1),
      0,
    );
    const bytes = (artifacts.weightData as ArrayBuffer).byteLength;
    if (!artifacts.weightSpecs?.some((w) => w.quantization) && expectedBytes !== bytes) {
      problems.push(`weights are ${bytes} bytes but model.json's weightsManifest describes ${expectedBytes}`);
    }
  } catch (err) {
    problems.push((err as Error).message);
  }
  return { dir, ok: problems.length === 0, problems, manifest };
}

/** batch_input_shape of the first layer of a Sequential or functional Keras/TF.js topology. */
function topologyInputWidth(topology: unknown): number | null {
  const t = topology as { model_config?: { config?: unknown } } | undefined;
  const config = t?.model_config?.config as
    | { layers?: { config?: { batch_input_shape?: (number | null)[]; batchInputShape?: (number | null)[] } }[] }
    | undefined;
  const first = config?.layers?.[0]?.config;
  const shape = first?.batch_input_shape ?? first?.batchInputShape;
  return shape && typeof shape[1] === 'number' ? shape[1] : null;
}

export interface LoadOptions {
  readonly registry?: FeatureRegistry;
  readonly runtime?: TfRuntime;
}

/** Loads one model directory; throws ManifestError naming every mismatch. */
export async function loadModel(dir: string, options: LoadOptions = {}): Promise<DetectorModel> {
  const v = validateModelDir(dir, options.registry);
  if (!v.ok || !v.manifest) {
    throw new ManifestError(`model ${dir} refused`, v.problems);
  }
  const rt = options.runtime ?? (await tfRuntime());
  const model: LayersModel = await rt.tf.loadLayersModel(directoryIO(dir));
  const inputWidth = model.inputs[0]?.shape[1];
  if (inputWidth !== v.manifest.features.length) {
    model.dispose();
    throw new ManifestError(`model ${dir} refused`, [
      `the model takes ${inputWidth} inputs but the manifest lists ${v.manifest.features.length} features`,
    ]);
  }
  return new DetectorModel(v.manifest, model, rt, dir);
}

/** Numeric-aware version order: 1.9.0 < 1.10.0, 2026.03.02-1 < 2026.03.02-2. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/);
  const pb = b.split(/[.+-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    const c = !Number.isNaN(nx) && !Number.isNaN(ny) ? nx - ny : x.localeCompare(y);
    if (c !== 0) return c;
  }
  return 0;
}

/** `models/<detector>/<version>`: the given version, or the newest one present. */
export function resolveModelDir(root: string, detector: string, version?: string): string {
  const base = join(root, detector);
  if (version) {
    const dir = join(base, version);
    if (!existsSync(join(dir, MANIFEST_FILE))) throw new ManifestError(`no model ${detector} ${version} in ${root}`);
    return dir;
  }
  const versions = listVersions(base);
  if (!versions.length) throw new ManifestError(`no versions of model ${detector} in ${base}`);
  return join(base, versions[versions.length - 1]!);
}

function listVersions(base: string): string[] {
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((v) => statSync(join(base, v)).isDirectory() && existsSync(join(base, v, MANIFEST_FILE)))
    .sort(compareVersions);
}

/** The newest version of every detector under `root` (models/). */
export function listModelDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => statSync(join(root, d)).isDirectory())
    .flatMap((d) => {
      const vs = listVersions(join(root, d));
      return vs.length ? [join(root, d, vs[vs.length - 1]!)] : [];
    });
}

/** Loads `models/<detector>/<newest>` for every detector. */
export async function loadModels(root: string, options: LoadOptions = {}): Promise<Map<string, DetectorModel>> {
  const out = new Map<string, DetectorModel>();
  for (const dir of listModelDirs(root)) {
    const m = await loadModel(dir, options);
    out.set(m.detector, m);
  }
  return out;
}
