/**
 * `vigil simulate`: seeded, labeled traffic of a bank's API written as gateway logs, with the ground
 * truth beside it (labels, true routes, manifest). Streams: memory does not grow with --minutes.
 */
import type { Command } from 'commander';
import {
  BANK_PROFILE_IDS,
  isBankProfileId,
  SIM_FORMATS,
  isSimFormat,
  simulateToDirectory,
  type SimulateSummary,
} from '@vigil/simulator';
import { UsageError } from '../errors';
import { formatCount, Progress } from '../progress';

interface SimulateOptions {
  out: string;
  minutes: string;
  scale: string;
  seed: string;
  format: string;
  start?: string;
  profile: string;
  attacks: boolean;
  progress: boolean;
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('write seeded, labeled bank API traffic (benign users, traps, attack campaigns) as gateway logs')
    .requiredOption('-o, --out <dir>', 'output directory (created if missing)')
    .option('-m, --minutes <n>', 'length of the simulated run, in minutes of event time', '60')
    .option('-s, --scale <n>', 'benign volume: 1 = 10,000 customers, ~120 visits a minute', '1')
    .option('--seed <n>', 'random seed: the same seed and options give byte-identical files', '1')
    .option('-f, --format <name>', `gateway log format: ${SIM_FORMATS.join(', ')}`, 'kong')
    .option('--start <iso>', 'event time of the start (default 2026-03-02T08:00:00Z)')
    .option(
      '--profile <name>',
      `which bank: ${BANK_PROFILE_IDS.join(', ')} (northbank: another API surface, population, habits, NAT and crawler shapes)`,
      'bank',
    )
    .option('--no-attacks', 'benign traffic and traps only (for injecting attacks elsewhere)')
    .option('--no-progress', 'do not print the progress line on stderr')
    .addHelpText(
      'after',
      `
Files written to --out:
  traffic.<format>.log    one gateway log record a line, in event-time order
  request-labels.ndjson   {requestId, ts, group, kind} for every attack and trap request
  labels.json             campaigns (type, style, params, time span, ips, principals, sessions, devices,
                          and the same ids HMAC-hashed as the detector sees them) and benign traps
  routes.json             the true route templates per host (method + template), with request counts
  manifest.json           parameters, the source config that decodes the traffic, networks, stats

Hashed ids in labels.json use VIGIL_HASH_KEY when set, else the development key (as vigil replay does).

Examples:
  vigil simulate --out sim/ --minutes 60 --scale 1 --seed 7 --format kong
  vigil simulate --out sim/ --format nginx && vigil replay --source nginx --input sim/traffic.nginx.log ...`,
    )
    .action(async (opts: SimulateOptions) => {
      const summary = await simulate(opts);
      printSummary(summary);
    });
}

function positive(value: string, flag: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`);
  }
  return n;
}

export async function simulate(opts: SimulateOptions): Promise<SimulateSummary> {
  if (!isBankProfileId(opts.profile)) {
    throw new UsageError(`--profile must be one of ${BANK_PROFILE_IDS.join(', ')}, got "${opts.profile}"`);
  }
  if (!isSimFormat(opts.format)) {
    throw new UsageError(`--format must be one of ${SIM_FORMATS.join(', ')}, got "${opts.format}"`);
  }
  const minutes = positive(opts.minutes, '--minutes', false);
  const scale = positive(opts.scale, '--scale', false);
  const seed = Number(opts.seed);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new UsageError(`--seed must be a non-negative integer, got "${opts.seed}"`);
  let startMs: number | undefined;
  if (opts.start !== undefined) {
    startMs = Date.parse(opts.start);
    if (Number.isNaN(startMs)) throw new UsageError(`--start must be an ISO 8601 time, got "${opts.start}"`);
  }
  const hashKey = process.env['VIGIL_HASH_KEY'];
  if (hashKey !== undefined && hashKey.length < 16)
    throw new UsageError('VIGIL_HASH_KEY must be at least 16 characters');
  const runStart = startMs ?? Date.UTC(2026, 2, 2, 8, 0, 0);
  const span = minutes * 60_000;
  const progress = new Progress({ label: 'simulate', unit: 'requests', total: span, enabled: opts.progress });
  try {
    return await simulateToDirectory({
      outDir: opts.out,
      format: opts.format,
      seed,
      minutes,
      scale,
      attacks: opts.attacks,
      ...(opts.profile !== 'bank' ? { profile: opts.profile } : {}),
      ...(startMs !== undefined ? { startMs } : {}),
      ...(hashKey ? { hashKey } : {}),
      onProgress: (n, ts, bytes) => progress.update(n, ts - runStart, `${(bytes / 1e6).toFixed(0)} MB`),
    });
  } finally {
    progress.finish();
  }
}

function printSummary(s: SimulateSummary): void {
  const st = s.stats;
  const lines = [
    `simulate: ${st.requests} requests (${st.byKind.benign} benign, ${st.byKind.trap} trap, ${st.byKind.attack} attack), ` +
      `${st.campaigns} campaigns in ${s.seconds.toFixed(2)} s (${formatCount(s.requestsPerSecond)} requests/s, ` +
      `${(s.bytes / 1e6).toFixed(1)} MB)`,
    `  attacks by type: ${
      Object.entries(st.byCampaignType)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ') || 'none'
    }`,
    `  traps:           ${Object.entries(st.byTrap)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
    `  statuses:        ${Object.entries(st.byStatusClass)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
    `  traffic:  ${s.files.traffic}`,
    `  labels:   ${s.files.labels} (+ ${s.files.requestLabels})`,
    `  routes:   ${s.files.routes}`,
    `  manifest: ${s.files.manifest}`,
  ];
  process.stderr.write(lines.join('\n') + '\n');
}
