/**
 * The bundled sample through the built CLI, as a user runs it: `vigil replay` (decisions, alerts, audit
 * trail, summary, events) and `vigil inventory`, then `vigil report compliance` over their outputs.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const CLI = join(__dirname, '..', '..', 'apps', 'cli', 'bin', 'vigil.js');
export const SAMPLE = join(__dirname, '..', '..', 'apps', 'cli', 'samples', 'bank-sample', 'traffic.kong.log.gz');
/** The sample's twenty minutes of event time. */
export const SAMPLE_PERIOD = { from: '2026-03-02T08:00:00Z', to: '2026-03-02T08:20:00Z' };

export const ENV = {
  ...process.env,
  VIGIL_AUDIT_KEY: 'compliance-test-audit-key-0123456789',
  VIGIL_REPORT_KEY: 'compliance-test-report-key-0123456789',
};

export interface SampleRun {
  readonly dir: string;
  readonly decisions: string;
  readonly alerts: string;
  readonly audit: string;
  readonly summary: string;
  readonly events: string;
  readonly inventory: string;
}

export async function vigil(args: readonly string[], env: NodeJS.ProcessEnv = ENV) {
  return run(process.execPath, [CLI, ...args], { env, maxBuffer: 64 << 20 });
}

/** Exit code and output, without throwing on a non-zero exit. */
export async function vigilStatus(args: readonly string[], env: NodeJS.ProcessEnv = ENV) {
  try {
    const r = await vigil(args, env);
    return { code: 0, ...r };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export async function replaySample(dir: string): Promise<SampleRun> {
  const r: SampleRun = {
    dir,
    decisions: join(dir, 'decisions.ndjson'),
    alerts: join(dir, 'alerts.ndjson'),
    audit: join(dir, 'audit.ndjson'),
    summary: join(dir, 'summary.json'),
    events: join(dir, 'events.ndjson'),
    inventory: join(dir, 'inventory.json'),
  };
  await vigil([
    'replay',
    '--source',
    'kong',
    '--input',
    SAMPLE,
    '--decisions',
    r.decisions,
    '--alerts',
    r.alerts,
    '--audit',
    r.audit,
    '--summary-json',
    r.summary,
    '--events-out',
    r.events,
    '--no-progress',
  ]);
  await vigil(['inventory', '--source', 'kong', '--input', SAMPLE, '--out', r.inventory, '--no-progress']);
  return r;
}

export function reportArgs(r: SampleRun, out: string, audit = r.audit, extra: readonly string[] = []): string[] {
  return [
    'report',
    'compliance',
    '--audit',
    audit,
    '--inventory',
    r.inventory,
    '--decisions',
    r.decisions,
    '--alerts',
    r.alerts,
    '--summary',
    r.summary,
    '--events',
    r.events,
    '--from',
    SAMPLE_PERIOD.from,
    '--to',
    SAMPLE_PERIOD.to,
    '--framework',
    'all',
    '--out',
    out,
    ...extra,
  ];
}
