/**
 * `vigil inventory --workers N` (decode workers add up the figures, the main thread decides each event's
 * endpoint in input order) gives the same inventory JSON as `--workers 0`, byte for byte apart from
 * `generatedAt`, including the order-dependent parts: free-slot promotions whose evidence is spread over
 * blocks on different workers, the per-host cap, overflow with its reasons and samples, documented templates.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createWriter, Simulation, type SimRequest } from '@vigil/simulator';
import type { InventoryReport } from '@vigil/inventory';
import { main } from '../../apps/cli/src/main';

const DIR = join(__dirname, '..', '.artifacts', 'inventory-workers');
const API = 'api.bank.example';

/** Simulated traffic with, every few requests, one to a per-user path (promotion bait) or a scanner 404. */
function traffic(): string[] {
  const writer = createWriter('kong');
  const lines: string[] = [];
  let i = 0;
  for (const { request } of new Simulation({ seed: 5, minutes: 2, scale: 0.5 }).requests()) {
    lines.push(writer.write(request));
    if (++i % 4 !== 0) continue;
    const extra: SimRequest =
      i % 8 === 0
        ? { ...request, host: API, path: `/v1/users/user${(i / 8) % 40}/settings`, status: 200, query: `tab=t${i % 3}` }
        : { ...request, host: API, path: `/${(i * 7919).toString(36)}/admin.php`, status: 404, query: null };
    lines.push(writer.write({ ...extra, requestId: `x${i.toString(16).padStart(31, '0')}`, route: null }));
  }
  return lines;
}

describe('vigil inventory with decode workers', () => {
  const run = async (workers: number): Promise<string> => {
    const out = join(DIR, `inventory-${workers}.json`);
    const code = await main([
      'node',
      'vigil',
      'inventory',
      '--source',
      'kong',
      '--input',
      join(DIR, 'kong.ndjson'),
      '--config',
      join(DIR, 'config.yaml'),
      '--openapi',
      `${API}=${join(DIR, 'spec.yaml')}`,
      '--out',
      out,
      '--workers',
      String(workers),
      '--no-progress',
    ]);
    expect(code).toBe(0);
    const text = readFileSync(out, 'utf8');
    return text.replace(/"generatedAt": "[^"]+"/, '"generatedAt": "-"');
  };

  beforeAll(() => {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    writeFileSync(join(DIR, 'kong.ndjson'), traffic().join('\n') + '\n');
    // A small cap and a low free-slot threshold, so that both decide something in this short run.
    writeFileSync(
      join(DIR, 'config.yaml'),
      stringify({ inventory: { templates: { maxPerHost: 15, freeSlotMinValues: 5, overflowSamples: 5 } } }),
    );
    const spec = {
      openapi: '3.1.0',
      info: { title: 'accounts', version: '1' },
      paths: {
        '/v1/accounts/{accountId}': { get: { deprecated: true, responses: { '200': { description: 'OK' } } } },
        '/v1/accounts': { get: { responses: { '200': { description: 'OK' } } } },
      },
    };
    writeFileSync(join(DIR, 'spec.yaml'), stringify(spec));
  });

  it('gives the same inventory JSON with 0, 1 and 2 workers, promotions and cap included', async () => {
    const single = await run(0);
    const report = JSON.parse(single) as InventoryReport;
    // The run exercises what depends on input order.
    expect(report.promotions.map((p) => p.template)).toContain('/v1/users/{str}/settings');
    expect(report.endpoints.filter((e) => e.host === API)).toHaveLength(15);
    const overflow = report.overflow.find((o) => o.host === API)!;
    expect(overflow.reasons.cap).toBeGreaterThan(0);
    expect(overflow.reasons.notFound).toBeGreaterThan(0);
    expect(report.endpoints.some((e) => e.documentation.status === 'zombie')).toBe(true);
    expect(await run(2)).toBe(single);
    expect(await run(1)).toBe(single);
  });
});
