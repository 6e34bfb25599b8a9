/**
 * The options every command that reads gateway logs shares (--source, --input, --config), and turning
 * them into a SourceDecoder. The HMAC key may come from the environment (VIGIL_HASH_KEY) so it never
 * has to sit in a config file; the CLI is the only place that reads the environment.
 */
import { availableParallelism } from 'node:os';
import { Option, type Command } from 'commander';
import {
  createSourceDecoder,
  GATEWAY_KINDS,
  parseSourceConfig,
  supportedSources,
  type GatewayKind,
  type SourceConfig,
  type SourceDecoder,
} from '@vigil/events';
import { readConfigFile } from '@vigil/platform';
import { UsageError } from './errors';

export interface SourceOptions {
  source: string;
  input: string;
  config?: string;
}

export function addSourceOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('-s, --source <format>', 'gateway log format of the input')
        .choices([...GATEWAY_KINDS])
        .makeOptionMandatory(),
    )
    .requiredOption('-i, --input <file>', 'log file to read, one record per line; - for stdin')
    .option('-c, --config <file>', 'source mapping config (YAML or JSON); defaults cover the common case');
}

export function buildSourceDecoder(opts: SourceOptions, env: NodeJS.ProcessEnv = process.env): SourceDecoder {
  return loadSource(opts, env).decoder;
}

export interface LoadedSource {
  readonly gateway: GatewayKind;
  readonly config: SourceConfig;
  readonly decoder: SourceDecoder;
}

/** The validated config and its decoder (the config is what decode workers are built from). */
/** `raw`: the parsed config file, when the caller read it already (and took its own section out). */
export function loadSource(
  opts: SourceOptions,
  env: NodeJS.ProcessEnv = process.env,
  raw: unknown = opts.config ? readConfigFile(opts.config) : {},
): LoadedSource {
  const gateway = opts.source as GatewayKind;
  if (!supportedSources().includes(gateway)) {
    throw new UsageError(`source "${opts.source}" has no decoder yet; supported: ${supportedSources().join(', ')}`);
  }
  const withKey =
    env['VIGIL_HASH_KEY'] && typeof raw === 'object' && raw !== null
      ? {
          ...(raw as Record<string, unknown>),
          hashing: { ...((raw as { hashing?: object }).hashing ?? {}), key: env['VIGIL_HASH_KEY'] },
        }
      : raw;
  const config = parseSourceConfig(withKey, opts.config ?? 'default config');
  if (config.gateway && config.gateway !== gateway) {
    throw new UsageError(`config ${opts.config} is for gateway "${config.gateway}" but --source is "${gateway}"`);
  }
  return { gateway, config, decoder: createSourceDecoder(gateway, config) };
}

/** `auto` (default): one worker per core, up to 4, none on a single core (workers would only add copying). */
export function decodeWorkers(value: string | undefined, cores: number = availableParallelism()): number {
  if (value === undefined || value === 'auto') return cores > 1 ? Math.min(cores, 4) : 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 64)
    throw new UsageError(`--workers must be auto or a whole number 0-64, got "${value}"`);
  return n;
}
