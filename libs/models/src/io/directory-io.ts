/**
 * A TF.js IOHandler over a directory: `model.json` (topology + weightsManifest) and binary weight shards,
 * the format `tensorflowjs_converter --input_format keras` writes and `tf.io.browserFiles` reads.
 * `file://` exists only in tfjs-node, and the project must run without it, so this is the one way
 * models are saved and loaded. Shard paths are resolved inside the directory: a model.json cannot
 * make the loader read files elsewhere.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';
import type { io } from '@tensorflow/tfjs';
import { MODEL_TOPOLOGY_FILE } from '../manifest/model-manifest';

export const WEIGHTS_FILE = 'weights.bin';

interface ModelJson {
  readonly modelTopology: object;
  readonly format?: string;
  readonly generatedBy?: string;
  readonly convertedBy?: string | null;
  readonly trainingConfig?: io.TrainingConfig;
  readonly userDefinedMetadata?: Record<string, object>;
  readonly weightsManifest: io.WeightsManifestConfig;
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

function weightBytes(data: io.WeightData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data.map((d) => Buffer.from(d)));
  return Buffer.from(data as ArrayBuffer);
}

function insideDir(dir: string, rel: string): string {
  const n = normalize(rel);
  if (isAbsolute(n) || n === '..' || n.startsWith(`..${sep}`)) {
    throw new Error(
      `weight shard path "${rel}" in ${join(dir, MODEL_TOPOLOGY_FILE)} points outside the model directory`,
    );
  }
  return join(dir, n);
}

/** Reads model.json and its shards into ModelArtifacts (weights concatenated in manifest order). */
export function readModelArtifacts(dir: string): io.ModelArtifacts {
  const path = join(dir, MODEL_TOPOLOGY_FILE);
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as ModelJson;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(e.code === 'ENOENT' ? `${path} does not exist` : `${path} is not valid JSON: ${e.message}`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${path} is not a TF.js layers model (needs modelTopology and weightsManifest)`);
  }
  const specs: io.WeightsManifestEntry[] = [];
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const file = insideDir(dir, p);
      try {
        shards.push(readFileSync(file));
      } catch (err) {
        throw new Error(`weight shard ${file} listed in ${path} cannot be read: ${(err as Error).message}`);
      }
    }
  }
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? null,
    trainingConfig: json.trainingConfig,
    userDefinedMetadata: json.userDefinedMetadata,
    weightSpecs: specs,
    weightData: toArrayBuffer(Buffer.concat(shards)),
  };
}

/** Writes ModelArtifacts as model.json + one weights.bin shard. */
export function writeModelArtifacts(dir: string, artifacts: io.ModelArtifacts): io.SaveResult {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new Error('only layers models (JSON topology) can be saved as a directory');
  }
  mkdirSync(dir, { recursive: true });
  const weights = artifacts.weightData ? weightBytes(artifacts.weightData) : Buffer.alloc(0);
  const modelJson: ModelJson = {
    modelTopology: artifacts.modelTopology ?? {},
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
    ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
  };
  const topology = JSON.stringify(modelJson);
  writeFileSync(join(dir, MODEL_TOPOLOGY_FILE), topology);
  writeFileSync(join(dir, WEIGHTS_FILE), weights);
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: 'JSON',
      modelTopologyBytes: Buffer.byteLength(topology),
      weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
      weightDataBytes: weights.length,
    },
  };
}

/** `model.save(directoryIO(dir))` and `tf.loadLayersModel(directoryIO(dir))`. */
export function directoryIO(dir: string): io.IOHandler {
  return {
    load: () => Promise.resolve(readModelArtifacts(dir)),
    save: (artifacts) => Promise.resolve(writeModelArtifacts(dir, artifacts)),
  };
}
