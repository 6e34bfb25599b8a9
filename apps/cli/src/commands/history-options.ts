/**
 * The options `vigil train`, `vigil evaluate --models-only` and `vigil models compare` share for a bank's
 * history: many files, folders or globs (`--input`, repeatable), their label files (`--labels`,
 * repeatable, plus the ones found beside the logs), a time window (`--from`/`--to`), and the simulated
 * traffic merged into it (`--inject-attacks`, `--inject-benign`). Turns them into a scanned history
 * DataSource; the CLI is where files are found and read, the lib does the rest.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { DEVELOPMENT_HASH_KEY, IdHasher, type SourceConfig, type SourceDecoder } from '@vigil/events';
import { BANK_PROFILE_IDS, isBankProfileId, type BankProfileId, type LabelsFile } from '@vigil/simulator';
import {
  discoverLabelFiles,
  expandInputs,
  InputPathError,
  parseIncidentFile,
  scanHistoryFile,
  type DataSource,
  type HistoryFile,
  type LabelSetInput,
  type OverlaySpec,
  type TimeWindow,
} from '@vigil/training';
import { UsageError } from '../errors';
import { loadSource } from '../source-options';

export interface HistoryOptions {
  input?: string[];
  source?: string;
  config?: string;
  labels?: string[];
  discoverLabels?: boolean;
  from?: string;
  to?: string;
  injectAttacks?: string | boolean;
  attackRate?: string;
  injectBenign?: string | boolean;
  benignShare?: string;
  groupGap?: string;
  simProfile?: string;
}

export const LABELS_HELP = `
History (--input, repeatable): log files, folders (every *.log, *.ndjson, *.jsonl, *.json, optionally
.gz, under them) or quoted globs ('logs/2026-03-0{1,2,3}/*.log.gz'), read as one stream in event-time order.

Labels (--labels, repeatable; also found beside the logs: labels.json, incidents.ndjson|json and
benign.ndjson|json in a log's folder, <log>.labels.json|ndjson next to it; --no-discover-labels to
skip). Each applies to every input by entity and time. Two formats:
  * a labels.json written by vigil simulate (campaigns and benign traps);
  * the incident format, JSON array or NDJSON, one record a line:
      {"campaign":"cs-0302-a","type":"credential_stuffing","style":"residential_botnet",
       "ip":"203.0.113.7","start":"2026-03-02T08:10:00Z","end":"2026-03-02T08:40:00Z"}
      {"campaign":"ato-17","type":"account_takeover","principal":"alice@example.com","start":…,"end":…}
    type: credential_stuffing, credential_cracking, account_takeover, session_hijacking, scraping;
    entity: ip, principal (hashed here with VIGIL_HASH_KEY) or principalHash, session(Hash), apiKey(Hash).
    Records with one "campaign" id are one campaign; without it, records of one type are grouped when
    their times overlap (within --group-gap minutes) and they share an address, a /24, a principal, a
    session or a key, or report the same window. A split never cuts a campaign.
  * benign look-alikes in the same file, never to be blocked (hard negatives, and the block threshold
    stays above every one's score):
      {"benign":"carrier_nat","cidr":"31.94.0.0/24"}
      {"benign":"aggregator","apiKey":"agg_live_…","note":"FinLink"}
      {"benign":"search_crawler","ip":"66.249.64.10"}
      {"benign":"traveller","principal":"bob@example.com","start":"…","end":"…"}
    classes: carrier_nat, corporate_nat, aggregator, api_client, uptime_monitor, search_crawler,
    traveller (aliases: partner=aggregator, crawler, monitor, business_api=api_client); without
    start/end a record holds for the whole history.`;

/** Reads one label file: a simulator labels.json, else the incident format. */
export function readLabelSet(path: string, hasher: IdHasher): LabelSetInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`labels file ${path} cannot be read`);
  }
  const name = relative(process.cwd(), path) || path;
  if (text.trimStart().startsWith('{')) {
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null; // NDJSON: one object a line
    }
    if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { campaigns?: unknown }).campaigns))
      return { name, labels: parsed as LabelsFile };
  }
  try {
    return { name, incidents: parseIncidentFile(text, hasher, name) };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function parseTime(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new UsageError(`${flag} must be an ISO 8601 time or epoch ms, got "${value}"`);
  return ms;
}

function seedOf(value: string | boolean | undefined, flag: string): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return 1;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag} takes a whole-number seed, got "${value}"`);
  return n;
}

function share(value: string | undefined, flag: string, fallback: number, max = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0 && n <= max)) throw new UsageError(`${flag} must be a number in (0, ${max}], got "${value}"`);
  return n;
}

export interface LoadedHistory {
  readonly source: Extract<DataSource, { kind: 'history' }>;
  readonly config: SourceConfig;
  readonly decoder: SourceDecoder;
  readonly files: readonly HistoryFile[];
  readonly labelFiles: readonly string[];
}

/** Scans the inputs and reads their labels: the history as a data source (nothing is decoded yet). */
export async function loadHistory(opts: HistoryOptions, what = '--input'): Promise<LoadedHistory> {
  const inputs = opts.input ?? [];
  if (!inputs.length) throw new UsageError(`${what} is empty`);
  if (inputs.includes('-')) throw new UsageError(`${what} reads files, folders or globs, not stdin`);
  if (!opts.source) throw new UsageError(`${what} needs --source <format>`);
  let paths: string[];
  try {
    paths = expandInputs(inputs);
  } catch (err) {
    if (err instanceof InputPathError) throw new UsageError(err.message);
    throw err;
  }
  const { config, decoder } = loadSource({
    input: paths[0]!,
    source: opts.source,
    ...(opts.config ? { config: opts.config } : {}),
  });
  const hashKey = config.hashing.key ?? DEVELOPMENT_HASH_KEY;
  const hasher = new IdHasher(hashKey, config.hashing.hexChars);
  const files: HistoryFile[] = [];
  for (const p of paths) {
    try {
      files.push(await scanHistoryFile(p, decoder));
    } catch (err) {
      throw new UsageError(`${(err as Error).message} (is --source ${opts.source} right?)`);
    }
  }
  const labelFiles = [
    ...new Set([...(opts.labels ?? []), ...(opts.discoverLabels === false ? [] : discoverLabelFiles(paths))]),
  ];
  const labelSets = labelFiles.map((p) => readLabelSet(p, hasher));
  const overlays: OverlaySpec[] = [];
  const profile = simProfileOf(opts.simProfile);
  const withProfile = profile === 'bank' ? {} : { profile };
  const attackSeed = seedOf(opts.injectAttacks, '--inject-attacks');
  if (attackSeed !== undefined)
    overlays.push({
      kind: 'attacks',
      seed: attackSeed,
      proportion: share(opts.attackRate, '--attack-rate', 1, 8),
      ...withProfile,
    });
  const benignSeed = seedOf(opts.injectBenign, '--inject-benign');
  if (benignSeed !== undefined)
    overlays.push({
      kind: 'benign',
      seed: benignSeed,
      proportion: share(opts.benignShare, '--benign-share', 0.1),
      ...withProfile,
    });
  const window: TimeWindow = {
    ...(opts.from !== undefined ? { fromMs: parseTime(opts.from, '--from')! } : {}),
    ...(opts.to !== undefined ? { toMs: parseTime(opts.to, '--to')! } : {}),
  };
  const gapMin = opts.groupGap === undefined ? undefined : Number(opts.groupGap);
  if (gapMin !== undefined && !(gapMin >= 0))
    throw new UsageError(`--group-gap must be minutes ≥ 0, got "${opts.groupGap}"`);
  return {
    source: {
      kind: 'history',
      files,
      decoder,
      labelSets,
      overlays,
      window,
      hashKey,
      ...(gapMin !== undefined ? { grouping: { gapMs: gapMin * 60_000 } } : {}),
    },
    config,
    decoder,
    files,
    labelFiles,
  };
}

/** `--sim-profile`: the simulated bank of simulated runs and overlays (default `bank`). */
export function simProfileOf(value: string | undefined): BankProfileId {
  if (value === undefined) return 'bank';
  if (!isBankProfileId(value))
    throw new UsageError(`--sim-profile must be one of ${BANK_PROFILE_IDS.join(', ')}, got "${value}"`);
  return value;
}

export const SIM_PROFILE_HELP = `the simulated bank of simulated runs and overlays: ${BANK_PROFILE_IDS.join(', ')}`;
