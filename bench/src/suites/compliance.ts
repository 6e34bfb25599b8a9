/**
 * `vigil report compliance` over a large audit trail, in a child process: a month of event time with
 * 100k and 1M decision and alert records written by the libs' AuditTrail writer (keyed checkpoints every
 * 1,000 lines, ~0.9 KB per line, 300k distinct entities, extensions and alert-only findings mixed in).
 * Reports wall time and peak RSS (GNU time's maximum resident set size): the report streams over the
 * trail, so memory stays flat as the trail grows.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FileAuditSink, AuditTrail, type Alert, type Decision } from '@vigil/detection';
import type { BenchContext, BenchResult, BenchSuite } from '../harness';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'apps', 'cli', 'bin', 'vigil.js');
const SAMPLE = join(ROOT, 'apps', 'cli', 'samples', 'bank-sample', 'traffic.kong.log.gz');
const KEY = 'bench-audit-key-0123456789abcdef';
const START = Date.parse('2026-02-01T00:00:00Z');
const MONTH_MS = 28 * 86_400_000;
const DETECTORS = ['credential-stuffing', 'scraping', 'credential-cracking', 'account-takeover', 'login-population'];

async function trail(ctx: BenchContext, records: number): Promise<string> {
  const file = join(ctx.workDir, `compliance-audit-${records}.ndjson`);
  if (existsSync(file) && statSync(file).size > 0) return file;
  ctx.log(`writing an audit trail of ${records} records → ${file}`);
  const sink = await FileAuditSink.open(`${file}.tmp`);
  const t = AuditTrail.start(sink, { key: KEY, configDigest: 'c'.repeat(64) });
  // ~1.9 lines per finding (alert-only findings have no decision line).
  const findings = Math.ceil(records / 1.875);
  const step = MONTH_MS / findings;
  let written = 0;
  for (let i = 0; written < records; i++) {
    const ts = Math.floor(START + i * step);
    const detector = DETECTORS[i % DETECTORS.length]!;
    const entity = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i * 7) & 255}`;
    const n = (i * 7919) % 300_000;
    const ip = `198.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    // Every tenth decision extends the one before it (same id, later ts).
    const id = `d-${(i % 10 === 0 && i > 0 ? i - 1 : i).toString(16)}`.padEnd(32, '0');
    const reasons = [
      { feature: 'ip.loginFailures10m', value: 40 + (i % 17), baseline: 1 },
      { feature: 'ip.failedLoginRatio10m', value: 0.97, baseline: 0.12 },
      { feature: 'ip.distinctPrincipals10m', value: 31, baseline: 1 },
    ];
    const decision: Decision = {
      id,
      ts,
      action: i % 6 === 0 ? 'challenge' : 'block',
      scope: 'ip',
      value: ip,
      ttlSeconds: 900,
      detector,
      score: 0.99,
      reasons,
      modelVersion: '1.0.0',
      shadow: i % 50 === 0,
    };
    const alert: Alert = {
      id: `a-${i.toString(16)}`.padEnd(32, '0'),
      ts,
      detector,
      severity: i % 8 === 0 ? 'medium' : 'high',
      entity: { type: 'ip', value: ip },
      score: 0.99,
      reasons,
      decisionIds: i % 8 === 0 ? [] : [id],
    };
    const common = {
      inputs: {
        features: { 'ip.loginFailures10m': 40, 'ip.failedLoginRatio10m': 0.97, 'subnet.loginFailures10m': 120 },
        entities: [{ type: 'ip', value: ip }],
        signals: { score: 0.99, rule: 'model', shadow: false, entity },
      },
      model: { detector, version: '1.0.0', manifestDigest: 'd'.repeat(64) },
      thresholds: { alert: 0.5, enforce: 0.9 },
      policyRule: `detector:${detector}/model`,
    };
    if (i % 8 !== 0) {
      t.append({ ...common, kind: 'decision', record: decision });
      written++;
    }
    t.append({ ...common, kind: 'alert', record: alert });
    written++;
    if (i % 4096 === 0) await t.flush();
  }
  await t.close();
  await run('mv', [`${file}.tmp`, file]);
  return file;
}

async function inventory(ctx: BenchContext): Promise<string> {
  const file = join(ctx.workDir, 'compliance-inventory.json');
  if (!existsSync(file))
    await run(process.execPath, [
      CLI,
      'inventory',
      '--source',
      'kong',
      '--input',
      SAMPLE,
      '--out',
      file,
      '--no-progress',
    ]);
  return file;
}

export const complianceSuite: BenchSuite = {
  name: 'compliance',
  description: 'vigil report compliance over a month-long audit trail of 100k and 1M records: time and peak RSS',
  async run(ctx) {
    const inv = await inventory(ctx);
    const results: BenchResult[] = [];
    for (const records of ctx.quick ? [100_000] : [100_000, 1_000_000]) {
      const file = await trail(ctx, records);
      const out = join(ctx.workDir, `compliance-report-${records}`);
      const timeFile = join(ctx.workDir, `compliance-time-${records}.txt`);
      const t0 = process.hrtime.bigint();
      await run(
        '/usr/bin/time',
        [
          '-f',
          '%M',
          '-o',
          timeFile,
          process.execPath,
          CLI,
          'report',
          'compliance',
          '--audit',
          file,
          '--inventory',
          inv,
          '--from',
          '2026-02-01T00:00:00Z',
          '--to',
          '2026-03-01T00:00:00Z',
          '--out',
          out,
          '--no-pdf',
        ],
        { env: { ...process.env, VIGIL_AUDIT_KEY: KEY, VIGIL_REPORT_KEY: KEY }, maxBuffer: 16 << 20 },
      );
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const peakKb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
        evidence: { 'audit-integrity': { intact: boolean; verification: { lines: number } } };
      };
      const lines = report.evidence['audit-integrity'].verification.lines;
      results.push({
        suite: 'compliance',
        name: `report over ${records} records (${(statSync(file).size / 1e6).toFixed(0)} MB trail)`,
        count: lines,
        unit: 'lines',
        seconds,
        perSecond: lines / seconds,
        extra: {
          peakRss: `${(peakKb / 1024).toFixed(0)}MB`,
          trailMB: Number((statSync(file).size / 1e6).toFixed(0)),
          intact: String(report.evidence['audit-integrity'].intact),
        },
      });
    }
    return results;
  },
};
