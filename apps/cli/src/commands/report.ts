/**
 * `vigil report compliance`: a period's compliance evidence from the audit trail, the inventory and
 * (optionally) the decisions, alerts, replay summaries and events, written to a directory — report.json,
 * report.html (+ report.pdf through headless Chromium when installed), evidence/*.json, OSCAL
 * assessment-results.json + assessment-plan.json — and signed by manifest.json (HMAC under
 * VIGIL_REPORT_KEY). `vigil report verify DIR` names every changed, added or removed file (exit 1).
 *
 * Every input is streamed: the audit trail goes through the verifier and the collectors line by line, so a
 * trail of any size builds in bounded memory (libs/compliance).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import type { Command } from 'commander';
import {
  AuditEvidenceCollector,
  EventCoverageCollector,
  MANIFEST_FILE,
  REPORT_FILES,
  RecordFileCollector,
  assembleEvidence,
  buildComplianceReport,
  buildManifest,
  entryOf,
  parseFrameworks,
  parseIngestSummary,
  parseInventoryReport,
  parseManifest,
  parsePeriod,
  renderReportFiles,
  verifyManifest,
  type ComplianceReport,
  type FrameworkId,
  type ManifestEntry,
} from '@vigil/compliance';
import { auditKeyId, auditKeyObject, readAuditLines } from '@vigil/detection';
import type { InventoryReport } from '@vigil/inventory';
import { DEVELOPMENT_AUDIT_KEY } from '../audit-setup';
import { requireInputFile, UsageError } from '../errors';
import { AUDIT_KEY_ENV } from './audit';

/** Where the CLI reads the report-signing key from. */
export const REPORT_KEY_ENV = 'VIGIL_REPORT_KEY';
export const DEVELOPMENT_REPORT_KEY = 'vigil-development-report-key-not-for-production';
const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

interface ComplianceOptions {
  audit: string;
  inventory: string;
  decisions?: string;
  alerts?: string;
  summary?: string[];
  events?: string[];
  baselineInventory?: string;
  from: string;
  to: string;
  framework: string;
  out: string;
  auditKeyEnv?: string;
  gapMinutes: string;
  pdf: boolean;
  chromium?: string;
}

export function registerReport(program: Command): void {
  const report = program.command('report').description('compliance evidence reports and their verification');
  report
    .command('compliance')
    .description(
      'a period report per framework from the audit trail and the inventory: HTML, JSON, OSCAL, signed manifest',
    )
    .requiredOption('--audit <file>', 'the hash-chained audit trail (verified first; a break is a finding)')
    .requiredOption('--inventory <file>', 'the inventory JSON (vigil inventory --out)')
    .option('--decisions <file>', 'the decisions NDJSON, reconciled with the trail')
    .option('--alerts <file>', 'the alerts NDJSON, reconciled with the trail')
    .option('--summary <file...>', 'replay --summary-json file(s): records, events, dead letters per source')
    .option('--events <file...>', 'replay --events-out file(s) (.ndjson or .gz): per-minute coverage and gaps')
    .option('--baseline-inventory <file>', "the previous period's inventory JSON, for drift")
    .requiredOption('--from <iso>', 'period start, event time (2026-03-02T08:00:00Z, or a date: midnight UTC)')
    .requiredOption('--to <iso>', 'period end (exclusive)')
    .option('--framework <name>', 'pci-dss-4, nist-800-53r5, glba, ffiec (comma-separated) or all', 'all')
    .requiredOption('--out <dir>', 'the report directory')
    .option('--audit-key-env <name>', `environment variable holding the audit trail key (default ${AUDIT_KEY_ENV})`)
    .option('--gap-minutes <n>', 'a stream gap is at least this many minutes without events', '5')
    .option('--no-pdf', 'do not print report.pdf with headless Chromium')
    .option(
      '--chromium <path>',
      `Chromium to print the PDF with (default: the first of ${CHROMIUM_CANDIDATES.join(', ')})`,
    )
    .addHelpText(
      'after',
      `
Examples:
  vigil report compliance --audit audit.ndjson --inventory inventory.json --decisions decisions.ndjson \\
      --alerts alerts.ndjson --summary summary.json --from 2026-03-02T08:00:00Z --to 2026-03-02T09:00:00Z \\
      --framework all --out report/
  vigil report verify report/

The period selects records by event time. The audit trail is verified with ${AUDIT_KEY_ENV} (or
--audit-key-env); without it only the chain is checked and AU-9(3) / PCI 10.3.4 are not satisfied. The
manifest is signed with ${REPORT_KEY_ENV} (a development key, said so, when unset).`,
    )
    .action(async (opts: ComplianceOptions) => {
      const report = await reportCompliance(opts, process.env);
      process.stdout.write(describeReport(report, opts.out));
    });
  report
    .command('verify')
    .description(
      'check a report directory against its signed manifest (exit code 1 naming each changed, added or removed file)',
    )
    .argument('<dir>', 'the report directory')
    .option('--key-env <name>', `environment variable holding the report key (default ${REPORT_KEY_ENV})`)
    .action(async (dir: string, opts: { keyEnv?: string }) => {
      process.exitCode = await verifyReportDir(dir, opts.keyEnv, process.env);
    });
}

export async function reportCompliance(opts: ComplianceOptions, env: NodeJS.ProcessEnv): Promise<ComplianceReport> {
  let period;
  let frameworks: FrameworkId[];
  try {
    period = parsePeriod(opts.from, opts.to);
    frameworks = parseFrameworks(opts.framework);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const gapMinutes = Number(opts.gapMinutes);
  if (!Number.isInteger(gapMinutes) || gapMinutes < 1)
    throw new UsageError(`--gap-minutes ${opts.gapMinutes}: a positive integer`);
  for (const f of [
    opts.audit,
    opts.inventory,
    opts.decisions,
    opts.alerts,
    opts.baselineInventory,
    ...(opts.summary ?? []),
    ...(opts.events ?? []),
  ])
    if (f) requireInputFile(f);
  const auditKeyName = opts.auditKeyEnv ?? AUDIT_KEY_ENV;
  const auditKey = env[auditKeyName] || null;
  if (opts.auditKeyEnv && !auditKey)
    throw new UsageError(`--audit-key-env ${opts.auditKeyEnv}: the variable is not set`);
  const reportKey = env[REPORT_KEY_ENV] || null;

  const hashes = new Map<string, { sha256: string; bytes: number }>();
  const audit = new AuditEvidenceCollector({
    period,
    key: auditKey,
    developmentKeyIds: [auditKeyId(auditKeyObject(DEVELOPMENT_AUDIT_KEY))],
    file: opts.audit,
  });
  const auditHash = hashingStream(opts.audit);
  for await (const line of readAuditLines(auditHash.stream)) audit.line(line);
  hashes.set(opts.audit, auditHash.digest());

  const readRecords = async (file: string | undefined, role: 'decisions' | 'alerts') => {
    if (!file) return null;
    const c = new RecordFileCollector(period, role, file);
    const h = hashingStream(file);
    for await (const line of readAuditLines(h.stream)) c.line(line);
    hashes.set(file, h.digest());
    return c;
  };
  const decisionsFile = await readRecords(opts.decisions, 'decisions');
  const alertsFile = await readRecords(opts.alerts, 'alerts');

  let events: EventCoverageCollector | null = null;
  for (const file of opts.events ?? []) {
    events ??= new EventCoverageCollector(period);
    const h = hashingStream(file);
    const source = file.endsWith('.gz') ? h.stream.pipe(createGunzip()) : h.stream;
    for await (const line of readAuditLines(source)) {
      if (!line) continue;
      const e = JSON.parse(line) as { ts?: unknown; gateway?: unknown };
      if (typeof e.ts === 'number') events.event(e.ts, typeof e.gateway === 'string' ? e.gateway : 'unknown');
    }
    hashes.set(file, h.digest());
  }

  const readJson = (file: string): unknown => {
    const bytes = readFileSync(file);
    hashes.set(file, entryOf(file, bytes));
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw new UsageError(`${file}: not JSON (${(err as Error).message})`);
    }
  };
  const edge = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError((err as Error).message);
    }
  };
  const inventory: InventoryReport = edge(() => parseInventoryReport(readJson(opts.inventory), opts.inventory));
  const baseline = opts.baselineInventory
    ? {
        name: opts.baselineInventory,
        report: edge(() => parseInventoryReport(readJson(opts.baselineInventory!), opts.baselineInventory!)),
      }
    : null;
  const summaries = (opts.summary ?? []).map((file) => ({
    file,
    summary: edge(() => parseIngestSummary(readJson(file), file)),
  }));

  const evidence = assembleEvidence({
    period,
    audit: audit.result(),
    auditInput: hashes.get(opts.audit)!,
    decisionsFile,
    alertsFile,
    inventory,
    inventoryFile: opts.inventory,
    baseline,
    summaries,
    events,
    eventsFile: opts.events?.join(', ') ?? null,
    gapMinutes,
    hashes,
  });
  const report = buildComplianceReport({ period, frameworks, evidence, toolVersion: cliVersion() });

  await mkdir(opts.out, { recursive: true });
  const files = renderReportFiles(report);
  await rm(join(opts.out, REPORT_FILES.pdf), { force: true });
  await rm(join(opts.out, MANIFEST_FILE), { force: true });
  for (const [path, bytes] of files) {
    await mkdir(dirname(join(opts.out, path)), { recursive: true });
    await writeFile(join(opts.out, path), bytes);
  }
  if (opts.pdf) await printPdf(opts.out, opts.chromium);
  const entries = await listFiles(opts.out);
  if (!reportKey)
    process.stderr.write(`report: ${REPORT_KEY_ENV} is not set; the manifest is signed with the development key\n`);
  const manifest = buildManifest(entries, reportKey ?? DEVELOPMENT_REPORT_KEY, { developmentKey: !reportKey });
  await writeFile(join(opts.out, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  if (!auditKey)
    process.stderr.write(
      `report: ${auditKeyName} is not set; the audit trail's checkpoints were not verified (only its hash chain)\n`,
    );
  return report;
}

/** Exit code: 0 when every file matches a manifest whose MAC verifies, 1 otherwise. */
export async function verifyReportDir(
  dir: string,
  keyEnv: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) throw new UsageError(`${dir}: no ${MANIFEST_FILE} (not a vigil report directory?)`);
  const key = env[keyEnv ?? REPORT_KEY_ENV] || null;
  if (keyEnv && !key) throw new UsageError(`--key-env ${keyEnv}: the environment variable ${keyEnv} is not set`);
  let manifest;
  try {
    manifest = parseManifest(JSON.parse(await readFile(manifestPath, 'utf8')));
  } catch (err) {
    process.stdout.write(`report ${dir}: ${MANIFEST_FILE} is unreadable: ${(err as Error).message}\n`);
    return 1;
  }
  const verifyKey = key ?? (manifest.developmentKey ? DEVELOPMENT_REPORT_KEY : null);
  const check = verifyManifest(manifest, await listFiles(dir), verifyKey);
  const lines: string[] = [];
  for (const p of check.changed) lines.push(`  changed: ${p}`);
  for (const p of check.added) lines.push(`  added:   ${p}`);
  for (const p of check.removed) lines.push(`  removed: ${p}`);
  if (check.keyMismatch) lines.push(`  the manifest was signed with key id ${manifest.keyId}, not the key given`);
  else if (check.macValid === false) lines.push('  the manifest signature does not verify: the manifest was edited');
  const head = check.ok
    ? `report ${dir}: ${manifest.files.length} files match the signed manifest`
    : `report ${dir}: does NOT match its manifest`;
  if (check.macValid === null)
    lines.push(`  note: no key (set ${keyEnv ?? REPORT_KEY_ENV}): file hashes checked, the signature not`);
  else if (manifest.developmentKey && !key)
    lines.push('  note: signed with the development key: anyone could have re-signed it');
  process.stdout.write([head, ...lines].join('\n') + '\n');
  return check.ok ? 0 : 1;
}

function describeReport(report: ComplianceReport, out: string): string {
  const lines = [`compliance report ${report.period.from} – ${report.period.to} (event time) → ${out}`];
  for (const f of report.frameworks) {
    const s = report.summary[f.id]!;
    lines.push(
      `  ${f.title.padEnd(50)} ${s.satisfied} satisfied, ${s['not-satisfied']} not satisfied, ${s['not-applicable']} not applicable`,
    );
  }
  for (const c of report.controls.filter((x) => x.status === 'not-satisfied'))
    lines.push(`  not satisfied: ${c.framework} ${c.id}: ${c.reason}`);
  lines.push(
    `  files: ${[REPORT_FILES.html, REPORT_FILES.json, REPORT_FILES.assessmentResults, MANIFEST_FILE].join(', ')}`,
  );
  return lines.join('\n') + '\n';
}

/** The file's bytes as a stream, hashed on the way through. */
function hashingStream(file: string): { stream: Readable; digest: () => { sha256: string; bytes: number } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  const src = createReadStream(file);
  src.on('error', (err) => t.destroy(err));
  src.pipe(t);
  return { stream: t, digest: () => ({ sha256: hash.digest('hex'), bytes }) };
}

async function listFiles(dir: string): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  const root = resolve(dir);
  for (const name of (await readdir(root, { recursive: true })).sort()) {
    const full = join(root, name);
    if (!statSync(full).isFile()) continue;
    const rel = relative(root, full).split(sep).join('/');
    if (rel === MANIFEST_FILE) continue;
    out.push(entryOf(rel, await readFile(full)));
  }
  return out;
}

/** report.pdf through headless Chromium's --print-to-pdf, when Chromium is installed; a failure is a warning. */
async function printPdf(out: string, chromium: string | undefined): Promise<void> {
  const exe = chromium ?? CHROMIUM_CANDIDATES.find((c) => existsSync(c));
  if (!exe) {
    process.stderr.write('report: no Chromium found; report.pdf not written (print report.html instead)\n');
    return;
  }
  const profile = mkdtempSync(join(tmpdir(), 'vigil-chromium-'));
  const pdf = resolve(out, REPORT_FILES.pdf);
  try {
    await promisify(execFile)(
      exe,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
        '--no-default-browser-check',
        `--user-data-dir=${profile}`,
        '--no-pdf-header-footer',
        `--print-to-pdf=${pdf}`,
        pathToFileURL(resolve(out, REPORT_FILES.html)).href,
      ],
      { timeout: 120_000 },
    );
    if (!existsSync(pdf)) throw new Error('Chromium exited without writing the PDF');
  } catch (err) {
    process.stderr.write(`report: report.pdf not written: ${(err as Error).message.split('\n')[0]}\n`);
    await rm(pdf, { force: true });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

function cliVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}
