/**
 * Building the detection path for a CLI command: the config file's `policy:` section, the models (active
 * and, optionally, shadow versions), the detectors and the engine, with an optional audit trail. Shared by
 * `vigil replay`, `vigil run` and `vigil evaluate`; the path itself is built by @vigil/detection's
 * `buildDetectionSetup`, as in the detector service, so all of them decide the same way.
 */
import { resolve } from 'node:path';
import {
  buildDetectionSetup,
  DetectionSetupError,
  parsePolicyConfig,
  PolicyConfigError,
  type DetectionSetup,
  type PolicyConfig,
  type PolicyRecord,
} from '@vigil/detection';
import type { SourceConfig } from '@vigil/events';
import { ManifestError } from '@vigil/models';
import { UsageError } from './errors';

export type { DetectionSetup };

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
  try {
    return await buildDetectionSetup(policy, source, { ...opts, models: opts.models ?? BUNDLED_MODELS });
  } catch (err) {
    if (err instanceof ManifestError || err instanceof DetectionSetupError) throw new UsageError(err.message);
    throw err;
  }
}
