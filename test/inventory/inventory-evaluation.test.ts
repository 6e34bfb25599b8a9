/**
 * The inventory's must-show evaluation, end to end through `vigil inventory` on `vigil simulate` traffic:
 *
 * 1. A few simulated minutes (simulateToDirectory, the code behind `vigil simulate`, Kong logs) with a
 *    scanner flood of 100,000 random paths injected mid-run: discovered templates vs the simulator's true
 *    route templates (routes.json) as precision / recall, no id explosion, endpoints under the cap, the
 *    flood visible as overflow with probing risk. Routes the run never called (`requests: 0`) cannot be
 *    discovered from traffic: they are out of the recall denominator, and finding one would be a false
 *    positive.
 * 2. Specs from routes.json that omit two called endpoints, mark one deprecated and list one never called:
 *    exactly those come out shadow, zombie and orphan.
 * 3. `--openapi-out` validates against the OpenAPI 3.1 schema; `--html` renders in headless Chromium
 *    with zero console errors (screenshot in test/.artifacts/inventory/).
 *
 * Run: npx jest --selectProjects integration --testPathPatterns test/inventory/inventory-evaluation
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createWriter, Simulation, simulateToDirectory, type RoutesFile, type SimRequest } from '@vigil/simulator';
import type { InventoryReport } from '@vigil/inventory';
import { main } from '../../apps/cli/src/main';
import { requireExecutable } from '../infra/system-packages';

const ART = join(__dirname, '..', '.artifacts', 'inventory');
const SIM = { seed: 3, minutes: 5, scale: 1 } as const;
const FLOOD = 100_000;
const API = 'api.bank.example';
const CAP = 1000;

/** Two called endpoints the spec leaves out (shadow), one it deprecates (zombie). */
const OMITTED = ['GET /v1/notifications', 'GET /v1/cards/{id}'];
const DEPRECATED = 'GET /v1/statements/{uuid}/download';

function scannerFlood(template: SimRequest, n: number, at: number): SimRequest[] {
  // A deterministic PRNG: the flood is the same every run.
  let s = 0x9e3779b9;
  const rnd = () => (s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
  const word = () => Math.floor(rnd() * 36 ** 6).toString(36);
  const out: SimRequest[] = [];
  for (let i = 0; i < n; i++) {
    const depth = 1 + Math.floor(rnd() * 3);
    const path = '/' + Array.from({ length: depth }, word).join('/') + (rnd() < 0.3 ? '.php' : '');
    out.push({
      ...template,
      ts: at + Math.floor(i / 2),
      requestId: `f${i.toString(16).padStart(31, '0')}`,
      clientIp: `198.18.0.${1 + (i % 3)}`,
      peerIp: `198.18.0.${1 + (i % 3)}`,
      forwardedFor: null,
      method: rnd() < 0.8 ? 'GET' : 'POST',
      host: API,
      path,
      query: null,
      status: 404,
      route: null,
      authorization: null,
      cookie: null,
      sessionCookie: null,
      sessionHeader: null,
      apiKey: null,
      consumer: null,
      loginUsername: null,
    });
  }
  return out;
}

/** The spec author's names for path slots ({id} → {idRef}, a second one {id2Ref}): specs never use Vigil's. */
function specPath(path: string): string {
  let n = 0;
  return path.replace(/\{([^}]+)\}/g, (_m, name: string) => `{${name}${++n > 1 ? n : ''}Ref}`);
}

function specFor(host: string, title: string, ops: { method: string; path: string; deprecated?: boolean }[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ops) {
    const path = specPath(op.path);
    const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    paths[path] ??= {};
    paths[path]![op.method.toLowerCase()] = {
      ...(op.deprecated ? { deprecated: true } : {}),
      parameters: names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      responses: { '200': { description: 'OK' } },
    };
  }
  return { openapi: '3.1.0', info: { title, version: '2.0.0' }, servers: [{ url: `https://${host}` }], paths };
}

/**
 * Peak RSS (MB) of `vigil inventory` on one thread in a fresh process (the built CLI): what the
 * inventory holds, without this test's own buffers.
 */
function peakRssMb(input: string): number {
  const root = join(__dirname, '..', '..');
  const script = `const { main } = require('./apps/cli/dist/main.js');
    main(['node', 'vigil', 'inventory', '--source', 'kong', '--input', ${JSON.stringify(input)},
      '--out', '/dev/null', '--workers', '0', '--no-progress'])
      .then((code) => { process.stdout.write(String(process.resourceUsage().maxRSS)); process.exit(code); });`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
  return Math.round(Number(out.toString()) / 1024);
}

/** Copies the simulated traffic, with the flood in bursts of 1,000 between normal requests from mid-run. */
function injectFlood(trafficFile: string, floodLines: readonly string[], out: string): number {
  const lines = readFileSync(trafficFile, 'utf8').split('\n').filter(Boolean);
  const fd = openSync(out, 'w');
  try {
    const half = Math.floor(lines.length / 2);
    writeSync(fd, lines.slice(0, half).join('\n') + '\n');
    let next = half;
    for (let i = 0; i < floodLines.length; i += 1000) {
      writeSync(fd, floodLines.slice(i, i + 1000).join('\n') + '\n');
      const normal = lines.slice(next, next + 10);
      next += normal.length;
      if (normal.length) writeSync(fd, normal.join('\n') + '\n');
    }
    if (next < lines.length) writeSync(fd, lines.slice(next).join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
  return lines.length;
}

describe('vigil inventory on vigil simulate traffic with a scanner flood', () => {
  let report: InventoryReport;
  /** `host METHOD /template` of the simulator's routes that this run called, and of those it never called. */
  let truth: Set<string>;
  let neverCalled: string[];
  let orphan: { method: string; path: string };
  let simulated = 0;
  let seconds = 0;
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    rmSync(ART, { recursive: true, force: true });
    mkdirSync(ART, { recursive: true });
    const simDir = join(ART, 'simulate');
    const summary = await simulateToDirectory({ ...SIM, outDir: simDir, format: 'kong' });
    simulated = summary.stats.requests;
    const routes = JSON.parse(readFileSync(summary.files.routes, 'utf8')) as RoutesFile;
    const all = Object.entries(routes.hosts).flatMap(([host, rs]) =>
      rs.map((r) => ({
        host,
        method: r.method,
        path: r.template,
        id: `${host} ${r.method} ${r.template}`,
        n: r.requests,
      })),
    );
    truth = new Set(all.filter((r) => r.n > 0).map((r) => r.id));
    neverCalled = all.filter((r) => r.n === 0).map((r) => r.id);
    for (const id of [...OMITTED, DEPRECATED]) expect(truth).toContain(`${API} ${id}`);

    // The flood: a scanner walking random paths on the API host from mid-run, all answered 404 by the gateway.
    const base = new Simulation({ ...SIM, minutes: 0.1 }).requests().next().value!.request;
    const writer = createWriter('kong');
    const midRun = Date.UTC(2026, 2, 2, 8, 0, 0) + (SIM.minutes * 60_000) / 2;
    const floodLines = scannerFlood(base, FLOOD, midRun).map((r) => writer.write(r));
    injectFlood(summary.files.traffic, floodLines, join(ART, 'kong.ndjson'));

    // Specs: one per host from routes.json (called routes), with the must-show edits on the API host: two
    // called endpoints left out, one deprecated, and one route the run never called listed.
    const called = (host: string) => all.filter((r) => r.host === host && r.n > 0);
    const uncalled = all.find((r) => r.host === API && r.n === 0)!;
    expect(uncalled).toBeDefined();
    orphan = { method: uncalled.method, path: uncalled.path };
    const apiOps = called(API)
      .filter((o) => !OMITTED.includes(`${o.method} ${o.path}`))
      .map((o) => ({ ...o, deprecated: `${o.method} ${o.path}` === DEPRECATED }));
    apiOps.push({ ...uncalled, deprecated: false });
    const hosts = Object.keys(routes.hosts);
    for (const host of hosts) {
      const spec = specFor(host, `${host} API`, host === API ? apiOps : called(host));
      writeFileSync(join(ART, `${host}.openapi.yaml`), stringify(spec));
    }
    const t0 = Date.now();
    const code = await main([
      'node',
      'vigil',
      'inventory',
      '--source',
      'kong',
      '--input',
      join(ART, 'kong.ndjson'),
      ...hosts.flatMap((h) => ['--openapi', join(ART, `${h}.openapi.yaml`)]),
      '--out',
      join(ART, 'inventory.json'),
      '--csv',
      join(ART, 'inventory.csv'),
      '--openapi-out',
      join(ART, 'observed.openapi.json'),
      '--html',
      join(ART, 'inventory.html'),
      '--no-progress',
    ]);
    seconds = (Date.now() - t0) / 1000;
    expect(code).toBe(0);
    report = JSON.parse(readFileSync(join(ART, 'inventory.json'), 'utf8')) as InventoryReport;
  }, 120_000);

  afterAll(() => {
    // The figures of the closing note, printed so that the command above shows them.
    console.log(`inventory evaluation figures:\n${JSON.stringify(figures, null, 2)}`);
  });

  it('discovers exactly the simulator’s true route templates, with no id explosion', () => {
    const found = new Set(report.endpoints.map((e) => e.id));
    const hits = [...found].filter((t) => truth.has(t));
    const precision = hits.length / found.size;
    const recall = hits.length / truth.size;
    Object.assign(figures, {
      simulation: { ...SIM, requests: simulated },
      flood: FLOOD,
      inventorySeconds: seconds,
      trueTemplates: truth.size,
      neverCalled: neverCalled,
      discoveredTemplates: found.size,
      precision,
      recall,
      falsePositives: [...found].filter((t) => !truth.has(t)),
      missed: [...truth].filter((t) => !found.has(t)),
    });
    expect(figures['falsePositives']).toEqual([]);
    expect(figures['missed']).toEqual([]);
    // Never-called routes are not in the truth: traffic cannot show them, and none was made up.
    expect([...found].filter((t) => neverCalled.includes(t))).toEqual([]);
    expect(precision).toBe(1);
    expect(recall).toBe(1);
  });

  it('keeps the flood out of the endpoints: under the cap, in bounded memory, visible as overflow with probing risk', () => {
    const perHost = new Map<string, number>();
    for (const e of report.endpoints) perHost.set(e.host, (perHost.get(e.host) ?? 0) + 1);
    const overflow = report.overflow.find((o) => o.host === API)!;
    Object.assign(figures, {
      endpointsPerHost: Object.fromEntries(perHost),
      capPerHost: CAP,
      overflowRequests: overflow.requests,
      overflowNotFound: overflow.reasons.notFound,
      overflowDistinctTemplates: overflow.distinctTemplates,
      overflowRisk: overflow.risk,
    });
    // Bounded memory: the 100,000 random paths cost the inventory next to nothing.
    const withFlood = peakRssMb(join(ART, 'kong.ndjson'));
    const without = peakRssMb(join(ART, 'simulate', 'traffic.kong.log'));
    Object.assign(figures, { peakRssMB: { simulatedOnly: without, withFlood } });
    expect(withFlood - without).toBeLessThan(64);
    expect(Math.max(...perHost.values())).toBeLessThanOrEqual(CAP);
    expect(overflow.requests).toBeGreaterThanOrEqual(FLOOD);
    expect(overflow.reasons.notFound).toBeGreaterThanOrEqual(FLOOD);
    expect(overflow.distinctTemplates).toBeGreaterThan(FLOOD * 0.9);
    expect(overflow.risk.factors.map((f) => f.name)).toContain('probing');
  });

  it('finds exactly the omitted endpoints shadow, the deprecated one zombie and the uncalled one orphan', () => {
    const by = (status: string) =>
      report.endpoints.filter((e) => e.documentation.status === status).map((e) => `${e.method} ${e.template}`);
    const shadow = by('shadow').sort();
    const zombie = by('zombie');
    const orphans = report.orphans.map((o) => `${o.method} ${o.path}`);
    Object.assign(figures, { shadow, zombie, orphans });
    expect(shadow).toEqual([...OMITTED].sort());
    expect(zombie).toEqual([DEPRECATED]);
    expect(orphans).toEqual([`${orphan.method} ${specPath(orphan.path)}`]);
    const z = report.endpoints.find((e) => `${e.method} ${e.template}` === DEPRECATED)!;
    expect(z.risk.factors.map((f) => f.name)).toContain('zombie');
  });

  it('writes an observed OpenAPI 3.1 document that the OpenAPI schema validator accepts', async () => {
    // The validator is an ES module, which Jest on Node 20 cannot require: it runs in a plain node.
    const file = join(ART, 'observed.openapi.json');
    const script = `import { Validator } from '@seriousme/openapi-schema-validator';
      const v = new Validator(); const r = await v.validate(${JSON.stringify(file)});
      console.log(JSON.stringify({ ...r, version: v.version }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(__dirname, '..', '..'),
    });
    expect(JSON.parse(out.toString())).toEqual({ valid: true, version: '3.1' });
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(doc['paths'] as object)).toContain('/v1/accounts/{id}');
  });

  const chromium = '/usr/bin/chromium';
  it('renders the HTML report in headless Chromium: no console errors, sortable, filterable, detail with factors', async () => {
    requireExecutable(chromium, 'chromium');
    const { chromium: pw } = await import('playwright-core');
    const browser = await pw.launch({
      executablePath: chromium,
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on(
        'console',
        (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`${m.type()}: ${m.text()}`),
      );
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${join(ART, 'inventory.html')}`);
      const rows = page.locator('#endpoints tbody tr');
      expect(await rows.count()).toBe(report.endpoints.length);
      // Sorted by risk, highest first.
      const risks = (await page.locator('#endpoints tbody tr td:first-child').allTextContents()).map(Number);
      expect(risks).toEqual([...risks].sort((a, b) => b - a));
      // Sort by template.
      await page.click('th[data-key="template"]');
      const templates = await page.locator('#endpoints tbody td.tpl').allTextContents();
      expect(templates).toEqual([...templates].sort((a, b) => a.localeCompare(b)));
      // Filter: shadow only.
      await page.selectOption('#f-doc', 'shadow');
      expect(await rows.count()).toBe(OMITTED.length);
      await page.selectOption('#f-doc', '');
      await page.fill('#f-text', '/v1/payments');
      expect(await rows.count()).toBeGreaterThan(0);
      await rows.first().click();
      expect(await page.locator('#detail').isVisible()).toBe(true);
      expect(await page.locator('#detail-body h4').first().textContent()).toBe('Risk factors');
      expect(await page.locator('#detail-body').textContent()).toContain('sensitive_flow');
      await page.fill('#f-text', '');
      await page.screenshot({ path: join(ART, 'inventory-report.png'), fullPage: false });
      expect(problems).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
      figures['screenshot'] = join(ART, 'inventory-report.png');
    } finally {
      await browser.close();
    }
  }, 60_000);
});
