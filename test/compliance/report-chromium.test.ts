/**
 * The HTML report in Debian's Chromium (playwright-core, /usr/bin/chromium): it renders with no console
 * error and no request beyond its own file, shows every control and the inline SVG charts, on screen and
 * in print; screenshots are kept under test/.artifacts/compliance/. The CLI's own report.pdf (Chromium's
 * --print-to-pdf) is a PDF.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { replaySample, reportArgs, vigil } from './sample-run';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '.artifacts', 'compliance');
const describeIf = existsSync(CHROMIUM) ? describe : describe.skip;

describeIf('the compliance report in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-compliance-html-'));
  const out = join(dir, 'report');
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const run = await replaySample(dir);
    await vigil(reportArgs(run, out));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('renders every control and chart with no console error and no outside request', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(join(out, 'report.html')).href;
    await page.goto(url, { waitUntil: 'load' });
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { controls: unknown[] };
    expect(await page.locator('section.control').count()).toBe(report.controls.length);
    expect(await page.locator('svg').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('.badge.not-applicable').count()).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report-top.png') });
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('nav').isVisible()).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, 'report-print.png'), fullPage: true });
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  it('prints report.pdf with headless Chromium', () => {
    const pdf = readFileSync(join(out, 'report.pdf'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(20_000);
  });
});
