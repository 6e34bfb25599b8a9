/**
 * `vigil report compliance` end to end on the bundled sample: every framework's controls with a status
 * and evidence; the report's figures equal what the decisions and alerts files and the inventory of the
 * same run say (counted here, independently, from the NDJSON); OSCAL assessment results that pass the
 * model's required fields and enumerations, with evidence hashes that match the files; an edited,
 * deleted or reordered audit record turns AU-9 and PCI 10.3.2 not satisfied, naming the record; and
 * `vigil report verify` fails on any edited, added or removed report file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAssessmentPlan, checkAssessmentResults } from '../fixtures/oscal-assessment-model';
import { replaySample, reportArgs, vigil, vigilStatus, type SampleRun } from './sample-run';

interface Control {
  framework: string;
  id: string;
  status: string;
  reason: string;
  records: { line?: number; seq?: number; id?: string }[];
  oscal: { controlId: string; statementId: string };
  query: { classes: string[] };
}
interface Report {
  period: { from: string; to: string };
  summary: Record<string, Record<string, number>>;
  controls: Control[];
  evidence: Record<string, Record<string, unknown>>;
}

const ndjson = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const readReport = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
const control = (r: Report, framework: string, id: string) =>
  r.controls.find((c) => c.framework === framework && c.id === id)!;

describe('vigil report compliance', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-compliance-'));
  const out = join(dir, 'report');
  let run: SampleRun;
  let report: Report;

  beforeAll(async () => {
    run = await replaySample(dir);
    await vigil(reportArgs(run, out, run.audit, ['--no-pdf']));
    report = readReport(out);
  }, 120_000);

  it("writes each framework's controls with a status, a reason and the query behind it", () => {
    const frameworks = ['pci-dss-4', 'nist-800-53r5', 'glba', 'ffiec'];
    expect(Object.keys(report.summary)).toEqual(frameworks);
    for (const f of frameworks) expect(report.controls.filter((c) => c.framework === f).length).toBeGreaterThan(1);
    for (const c of report.controls) {
      expect(['satisfied', 'not-satisfied', 'not-applicable']).toContain(c.status);
      expect(c.reason.length).toBeGreaterThan(10);
    }
    const ids = report.controls.map((c) => `${c.framework} ${c.id}`);
    for (const id of [
      'nist-800-53r5 AC-7',
      'nist-800-53r5 AU-9',
      'nist-800-53r5 CM-8',
      'pci-dss-4 10.3.2',
      'glba 314.4(c)(8)',
      'ffiec II.C.5',
    ])
      expect(ids).toContain(id);
    // The sample's trail is intact and keyed: its integrity controls hold.
    expect(control(report, 'nist-800-53r5', 'AU-9').status).toBe('satisfied');
    expect(control(report, 'nist-800-53r5', 'AU-9(3)').status).toBe('satisfied');
    expect(control(report, 'pci-dss-4', '6.4.3').status).toBe('not-applicable');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    for (const c of report.controls) expect(html).toContain(`id="c-${c.oscal.controlId}"`);
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(4);
  });

  it('gives the same figures as the decisions and alerts files and the inventory of the same run', () => {
    // Decisions: first occurrence of each id is a decision, a repeated id an extension.
    const seen = new Set<string>();
    const byActionScope: Record<string, number> = {};
    let extensions = 0;
    const decisions = ndjson(run.decisions);
    for (const d of decisions) {
      if (seen.has(d['id'] as string)) {
        extensions++;
        continue;
      }
      seen.add(d['id'] as string);
      const k = `${d['action']} ${d['scope']}`;
      byActionScope[k] = (byActionScope[k] ?? 0) + 1;
    }
    const actions = report.evidence['actions']!;
    expect(actions['byActionScope']).toEqual(byActionScope);
    expect(actions['decisions']).toBe(seen.size);
    expect(actions['extensions']).toBe(extensions);
    expect(actions['records']).toBe(decisions.length);

    const alerts = ndjson(run.alerts);
    const byDetector: Record<string, number> = {};
    for (const a of alerts) byDetector[a['detector'] as string] = (byDetector[a['detector'] as string] ?? 0) + 1;
    const detections = report.evidence['detections']!;
    expect(detections['alerts']).toBe(alerts.length);
    expect(detections['byDetector']).toEqual(byDetector);

    const inventory = JSON.parse(readFileSync(run.inventory, 'utf8')) as {
      summary: { endpoints: number; requests: number };
      endpoints: { routeClass: string; statusCodes: Record<string, number> }[];
    };
    const inv = report.evidence['inventory']!;
    expect(inv['endpoints']).toBe(inventory.summary.endpoints);
    expect(inv['requests']).toBe(inventory.summary.requests);
    const failed = inventory.endpoints
      .filter((e) => ['login', 'mfa', 'password-reset'].includes(e.routeClass))
      .reduce((n, e) => n + (e.statusCodes['401'] ?? 0) + (e.statusCodes['403'] ?? 0), 0);
    expect(report.evidence['invalid-authentication']!['failedAttempts']).toBe(failed);

    const summary = JSON.parse(readFileSync(run.summary, 'utf8')) as { records: number; events: number };
    const [source] = report.evidence['coverage']!['sources'] as { records: number; events: number; gaps: unknown[] }[];
    expect(source).toMatchObject({ records: summary.records, events: summary.events, gaps: [] });
    const rec = report.evidence['reconciliation']!;
    expect(rec).toMatchObject({ decisionsMatch: true, alertsMatch: true });
  });

  it('writes OSCAL 1.1 assessment results and plan that pass the model, with evidence hashes of the files', () => {
    const ar = JSON.parse(readFileSync(join(out, 'assessment-results.json'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(checkAssessmentResults(ar)).toEqual([]);
    expect(checkAssessmentPlan(JSON.parse(readFileSync(join(out, 'assessment-plan.json'), 'utf8')))).toEqual([]);
    const doc = ar['assessment-results'];
    expect(doc['import-ap'].href).toBe('assessment-plan.json');
    expect(doc.results).toHaveLength(1);
    const result = doc.results[0];
    expect(result.start).toBe(report.period.from);
    expect(result.end).toBe(report.period.to);
    // One finding per assessed control statement, with the report's status.
    const assessed = report.controls.filter((c) => c.status !== 'not-applicable');
    expect(result.findings).toHaveLength(assessed.length);
    const ac7 = result.findings.find((f: any) => f.target['target-id'] === 'ac-7_smt.a'); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(ac7.target.status.state).toBe(control(report, 'nist-800-53r5', 'AC-7').status);
    // Every back-matter resource's SHA-256 is the file's.
    for (const res of doc['back-matter'].resources) {
      const link = res.rlinks[0];
      const file = link.href.startsWith('/') ? link.href : join(out, link.href);
      expect({ href: link.href, sha: link.hashes[0].value }).toEqual({ href: link.href, sha: sha256(file) });
    }
    const evidenceHrefs = doc['back-matter'].resources.map((r: any) => r.rlinks[0].href); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(evidenceHrefs).toEqual(expect.arrayContaining(['evidence/audit-integrity.json', run.audit, run.inventory]));
  });

  it('verifies its manifest, and names every edited, added or removed file', async () => {
    expect((await vigilStatus(['report', 'verify', out])).code).toBe(0);
    const copy = join(dir, 'report-edited');
    await vigil(reportArgs(run, copy, run.audit, ['--no-pdf']));
    const json = join(copy, 'report.json');
    writeFileSync(json, readFileSync(json, 'utf8').replace('"satisfied"', '"not-satisfied"'));
    writeFileSync(join(copy, 'notes.txt'), 'added');
    const r = await vigilStatus(['report', 'verify', copy]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('changed: report.json');
    expect(r.stdout).toContain('added:   notes.txt');
    // A manifest re-hashed to match the edit fails its signature.
    const manifestFile = join(copy, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
      files: { path: string; sha256: string; bytes: number }[];
    };
    const entry = manifest.files.find((f) => f.path === 'report.json')!;
    entry.sha256 = sha256(json);
    entry.bytes = readFileSync(json).length;
    manifest.files.push({ path: 'notes.txt', sha256: sha256(join(copy, 'notes.txt')), bytes: 5 });
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const forged = await vigilStatus(['report', 'verify', copy]);
    expect(forged.code).toBe(1);
    expect(forged.stdout).toContain('signature does not verify');
  });

  describe('a tampered audit trail', () => {
    const lines = () => readFileSync(run.audit, 'utf8').split('\n').filter(Boolean);
    const decisionLine = (ls: string[]) =>
      ls.findIndex((l) => l.includes('"kind":"decision"') && l.includes('"action":"block"'));

    async function reportOn(name: string, tampered: string[]) {
      const file = join(dir, `${name}.audit.ndjson`);
      writeFileSync(file, tampered.join('\n') + '\n');
      const o = join(dir, `report-${name}`);
      await vigil(reportArgs(run, o, file, ['--no-pdf']));
      return readReport(o);
    }

    function expectNamed(r: Report, line: number, recordId: string) {
      for (const [f, id] of [
        ['nist-800-53r5', 'AU-9'],
        ['pci-dss-4', '10.3.2'],
      ] as const) {
        const c = control(r, f, id);
        expect(c.status).toBe('not-satisfied');
        expect(c.reason).toContain(`line ${line}`);
        expect(c.reason).toContain(recordId);
        expect(c.records[0]).toMatchObject({ line, id: recordId });
      }
      expect(control(r, 'pci-dss-4', '10.7.2').status).toBe('not-satisfied');
    }

    it('an edited record', async () => {
      const ls = lines();
      const i = decisionLine(ls);
      const id = (JSON.parse(ls[i]!) as { record: { id: string } }).record.id;
      ls[i] = ls[i]!.replace('"action":"block"', '"action":"monitor"');
      const r = await reportOn('edited', ls);
      expectNamed(r, i + 1, id);
      expect(control(r, 'nist-800-53r5', 'AU-9').reason).toContain('hash_mismatch');
    });

    it('a deleted record', async () => {
      const ls = lines();
      const i = decisionLine(ls);
      ls.splice(i, 1);
      const next = (JSON.parse(ls[i]!) as { record: { id: string } }).record.id;
      const r = await reportOn('deleted', ls);
      expectNamed(r, i + 1, next);
      expect(control(r, 'nist-800-53r5', 'AU-9').reason).toContain('seq_gap');
    });

    it('two records swapped', async () => {
      const ls = lines();
      const i = decisionLine(ls);
      [ls[i], ls[i + 1]] = [ls[i + 1]!, ls[i]!];
      const moved = (JSON.parse(ls[i]!) as { record: { id: string } }).record.id;
      const r = await reportOn('reordered', ls);
      expectNamed(r, i + 1, moved);
    });
  });

  it('writes no PDF with --no-pdf', () => {
    expect(existsSync(join(out, 'report.pdf'))).toBe(false);
  });
});
