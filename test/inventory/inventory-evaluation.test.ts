/**
 * The inventory's must-show evaluation, end to end through `vigil inventory` on simulator traffic:
 *
 * 1. Simulator traffic (Kong logs) + a scanner flood of 100,000 random paths: discovered templates vs the
 *    simulator's true route templates (precision / recall), no id explosion, endpoints under the cap,
 *    the flood visible as overflow with probing risk.
 * 2. Specs that omit two of the simulator's endpoints, mark one deprecated and list one never called:
 *    exactly those come out shadow, zombie and orphan.
 * 3. `--openapi-out` validates against the OpenAPI 3.1 schema; `--html` renders in headless Chromium
 *    with zero console errors (screenshot in test/.artifacts/inventory/).
 *
 * Run: npx jest --selectProjects integration --testPathPatterns test/inventory/inventory-evaluation
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { benchRequests, createWriter, ENDPOINTS, type SimRequest } from '@vigil/simulator';
import type { InventoryReport } from '@vigil/inventory';
import { main } from '../../apps/cli/src/main';

const ART = join(__dirname, '..', '.artifacts', 'inventory');
const SIM_RECORDS = 60_000;
const FLOOD = 100_000;
const API = 'api.bank.example';

/** Two endpoints the spec leaves out (shadow), one it deprecates (zombie), one nobody calls (orphan). */
const OMITTED = ['GET /v1/notifications', 'GET /v1/cards/{id}'];
const DEPRECATED = 'GET /v1/statements/{uuid}/download';
const NEVER_CALLED = { method: 'get', path: '/v1/loans/{loanId}' };

function scannerFlood(template: SimRequest, n: number): SimRequest[] {
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
      ts: template.ts + i,
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
    } as SimRequest);
  }
  return out;
}

function specFor(host: string, title: string, ops: { method: string; path: string; deprecated?: boolean }[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ops) {
    const params = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m, i) => ({
      name: `${m[1]}${i ? i + 1 : ''}`,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const path = params.length ? op.path.replace(/\{[^}]+\}/g, () => `{${params.shift()!.name}}`) : op.path;
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

describe('vigil inventory on simulator traffic with a scanner flood', () => {
  let report: InventoryReport;
  let truth: Set<string>;
  let seconds = 0;
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    mkdirSync(ART, { recursive: true });
    const sim = [...benchRequests({ records: SIM_RECORDS, seed: 11 })];
    truth = new Set(
      sim
        .filter((r) => r.route && r.status !== 404)
        .map((r) => `${r.route!.host} ${r.route!.method} ${r.route!.template}`),
    );
    const flood = scannerFlood(sim[Math.floor(sim.length / 2)]!, FLOOD);
    // The flood arrives in the middle of the day's traffic, in bursts between normal requests.
    const mixed: SimRequest[] = [];
    const half = Math.floor(sim.length / 2);
    mixed.push(...sim.slice(0, half));
    for (let i = 0; i < flood.length; i += 1000)
      mixed.push(...flood.slice(i, i + 1000), ...sim.slice(half + i / 100, half + i / 100 + 10));
    mixed.push(...sim.slice(half + FLOOD / 100));
    const writer = createWriter('kong');
    writeFileSync(join(ART, 'kong.ndjson'), mixed.map((r) => writer.write(r)).join('\n') + '\n');

    // Specs: one per host, from the simulator's own routes, with the must-show edits on the API host.
    // The spec documents what the traffic uses (the simulator's routes that this corpus exercises).
    const ops = (host: string) =>
      ENDPOINTS.filter((e) => e.route.host === host && truth.has(`${host} ${e.route.method} ${e.route.template}`)).map(
        (e) => ({ method: e.route.method, path: e.route.template }),
      );
    const apiOps = ops(API)
      .filter((o) => !OMITTED.includes(`${o.method} ${o.path}`))
      .map((o) => (`${o.method} ${o.path}` === DEPRECATED ? { ...o, deprecated: true } : o));
    apiOps.push({ method: NEVER_CALLED.method.toUpperCase(), path: NEVER_CALLED.path });
    const hosts = [...new Set(ENDPOINTS.map((e) => e.route.host))];
    for (const host of hosts) {
      const spec = specFor(host, `${host} API`, host === API ? apiOps : ops(host));
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
  }, 240_000);

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
      records: SIM_RECORDS + FLOOD,
      seconds,
      trueTemplates: truth.size,
      discoveredTemplates: found.size,
      precision,
      recall,
      falsePositives: [...found].filter((t) => !truth.has(t)),
      missed: [...truth].filter((t) => !found.has(t)),
    });
    expect(figures['falsePositives']).toEqual([]);
    expect(figures['missed']).toEqual([]);
    expect(precision).toBe(1);
    expect(recall).toBe(1);
  });

  it('keeps the flood out of the endpoints: under the cap, visible as overflow with probing risk', () => {
    const perHost = new Map<string, number>();
    for (const e of report.endpoints) perHost.set(e.host, (perHost.get(e.host) ?? 0) + 1);
    const overflow = report.overflow.find((o) => o.host === API)!;
    Object.assign(figures, {
      endpointsPerHost: Object.fromEntries(perHost),
      capPerHost: 1000,
      overflowRequests: overflow.requests,
      overflowNotFound: overflow.reasons.notFound,
      overflowDistinctTemplates: overflow.distinctTemplates,
      overflowRisk: overflow.risk,
      heapUsedMB: Math.round(process.memoryUsage().heapUsed / 1e6),
    });
    expect(Math.max(...perHost.values())).toBeLessThanOrEqual(1000);
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
    expect(orphans).toEqual(['GET /v1/loans/{loanId}']);
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
  (existsSync(chromium) ? it : it.skip)(
    'renders the HTML report in headless Chromium: no console errors, sortable, filterable, detail with factors',
    async () => {
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
    },
    60_000,
  );
});
