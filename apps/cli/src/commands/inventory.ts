/**
 * `vigil inventory`: gateway logs → the API inventory (endpoints, auth coverage, exposure, sensitive
 * data and flows, risk, shadow/zombie/orphan against OpenAPI specs), as JSON, and optionally CSV, an
 * observed OpenAPI 3.1 document and a self-contained HTML report. The same decode path as replay; with
 * decode workers (default) the inventory is a map-reduce over them with the same result (parallel/ in
 * @vigil/inventory).
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DecodePool, openInput, readEventBatches } from '@vigil/connectors';
import {
  addInParallel,
  buildInventoryReport,
  documentedTemplates,
  INVENTORY_REPORT_VERSION,
  INVENTORY_WORKER_AGGREGATOR,
  InventoryBuilder,
  inventoryCsv,
  inventoryHtml,
  loadOpenApiSpec,
  MemoryInventoryStore,
  observedOpenApi,
  parseInventoryConfig,
  RedisInventoryStore,
  SpecError,
  splitInventorySection,
  type InventoryReport,
  type InventoryStore,
  type InventoryWorkerOptions,
  type LoadedSpec,
} from '@vigil/inventory';
import { readConfigFile } from '@vigil/platform';
import { UsageError } from '../errors';
import { formatCount, Progress } from '../progress';
import { addSourceOptions, decodeWorkers, loadSource, type SourceOptions } from '../source-options';

interface InventoryOptions extends SourceOptions {
  openapi?: string[];
  out: string;
  csv?: string;
  openapiOut?: string;
  html?: string;
  baseline?: string;
  redis?: string;
  workers?: string;
  progress: boolean;
}

export function registerInventory(program: Command): void {
  const cmd = program
    .command('inventory')
    .description(
      'build the API inventory from gateway logs: endpoints, auth coverage, sensitive flows, risk, shadow/zombie/orphan APIs',
    )
    .addHelpText(
      'after',
      `
Examples:
  vigil inventory --source kong --input kong.ndjson --out inventory.json --html inventory.html
  vigil inventory -s kong -i - --openapi accounts-v2.yaml --openapi api.bank.example=payments.yaml \\
      --out inventory.json --csv inventory.csv --openapi-out observed.yaml < kong.ndjson

Endpoints are host + method + route template. Identifiers become typed slots ({id}, {uuid}, {hex},
{token}, {date}, {email}); a literal segment becomes {str} once ${'inventory.templates.freeSlotMinValues'}
(default 20) distinct values at that position were answered by a route. Pin templates with
routes.pinnedTemplates and keep literals with inventory.templates.literalSegments in --config.
Requests never answered by a route (404/405/501), or over inventory.templates.maxPerHost
(default 1000) endpoints per host, go to the host's overflow bucket.

--openapi takes a spec file (YAML or JSON, OpenAPI 3.0 or 3.1) that applies to the hosts of its
servers, or HOST=FILE. Several versions of one spec (same info.title) find zombies: endpoints that
only an older version lists. --baseline compares with a previous inventory.json (new/changed/unused).
Risk is 0-10, the sum of weighted factors (docs/architecture.md, "API inventory").`,
    );
  addSourceOptions(cmd)
    .option('--openapi <spec...>', 'OpenAPI spec(s) to compare with: FILE or HOST=FILE; repeatable')
    .requiredOption('-o, --out <file>', 'write the inventory JSON here; - for stdout')
    .option('--csv <file>', 'also write one CSV row per endpoint')
    .option('--openapi-out <file>', 'also write an OpenAPI 3.1 document of what was observed (.json, else YAML)')
    .option('--html <file>', 'also write a self-contained HTML report')
    .option('--baseline <file>', 'a previous inventory JSON: mark endpoints new / changed / unused')
    .option('--redis <url>', 'add to the inventory kept in Redis (redis://host:port) instead of in memory')
    .option(
      '-w, --workers <n>',
      'decode workers (threads) that also add up the figures: auto = one per core up to 4, 0 = main thread only; same result either way',
      'auto',
    )
    .option('--no-progress', 'do not print the progress line on stderr')
    .action(async (opts: InventoryOptions) => {
      const report = await inventory(opts);
      await writeOutputs(report, opts);
      const s = report.summary;
      process.stderr.write(
        `inventory: ${s.endpoints} endpoints on ${s.hosts} hosts, ${formatCount(s.requests)} requests; ` +
          `${s.highRisk} high risk, shadow ${s.documentation['shadow'] ?? 0}, zombie ${s.documentation['zombie'] ?? 0}, ` +
          `orphan ${s.orphans}; overflow ${formatCount(s.overflowRequests)} requests (~${s.overflowDistinctTemplates} templates)\n`,
      );
    });
}

export async function inventory(opts: InventoryOptions): Promise<InventoryReport> {
  const raw = opts.config ? readConfigFile(opts.config) : {};
  const { source: sourceRaw, inventory: inventoryRaw } = splitInventorySection(raw);
  const source = loadSource(opts, process.env, sourceRaw);
  const config = parseInventoryConfig(inventoryRaw, opts.config ? `${opts.config} (inventory)` : 'inventory config');
  const specs = await loadSpecs(opts.openapi ?? []);
  const baseline = opts.baseline ? readBaseline(opts.baseline) : undefined;
  const builder = new InventoryBuilder({
    config,
    pinnedTemplates: source.config.routes.pinnedTemplates,
    documented: documentedTemplates(specs),
  });
  const store = await openStore(opts.redis);
  const input = openInput(opts.input);
  const progress = new Progress({ label: 'inventory', unit: 'events', total: input.size, enabled: opts.progress });
  const workers = decodeWorkers(opts.workers);
  let events = 0;
  let dead = 0;
  const report = (bytesRead: number) => {
    const st = builder.stats();
    progress.update(
      events,
      bytesRead,
      `${st.endpoints} endpoints, overflow ${formatCount(st.overflowRequests)}${dead ? `, undecodable ${dead}` : ''}`,
    );
  };
  try {
    if (store instanceof RedisInventoryStore) builder.restore(await store.snapshot());
    if (workers > 0) {
      const pool = new DecodePool({
        gateway: source.gateway,
        config: source.config,
        workers,
        sourceName: input.name,
        output: 'count',
        aggregator: { module: INVENTORY_WORKER_AGGREGATOR, options: { config } satisfies InventoryWorkerOptions },
      });
      try {
        // Workers add up the figures; this thread decides each event's endpoint, in input order.
        await addInParallel(pool, input.stream, builder, store, (batch) => {
          events += batch.eventCount;
          dead += batch.deadLetters.length;
          report(batch.bytesRead);
        });
      } finally {
        await pool.close();
      }
    } else {
      for await (const batch of readEventBatches(input.stream, source.decoder, { sourceName: input.name })) {
        builder.add(batch.events);
        await store.apply(builder.drain());
        events += batch.events.length;
        dead += batch.deadLetters.length;
        report(batch.bytesRead);
      }
    }
    return buildInventoryReport(await store.snapshot(), { config, specs, baseline });
  } finally {
    progress.finish();
    await store.close();
  }
}

async function writeOutputs(report: InventoryReport, opts: InventoryOptions): Promise<void> {
  const json = JSON.stringify(report, null, 2) + '\n';
  if (opts.out === '-') process.stdout.write(json);
  else await writeFile(opts.out, json);
  if (opts.csv) await writeFile(opts.csv, inventoryCsv(report));
  if (opts.html) await writeFile(opts.html, inventoryHtml(report));
  if (opts.openapiOut) {
    const doc = observedOpenApi(report);
    const text = /\.json$/i.test(opts.openapiOut)
      ? JSON.stringify(doc, null, 2) + '\n'
      : (await import('yaml')).stringify(doc, { aliasDuplicateObjects: false });
    await writeFile(opts.openapiOut, text);
  }
}

async function loadSpecs(args: readonly string[]): Promise<LoadedSpec[]> {
  const specs: LoadedSpec[] = [];
  for (const a of args) {
    try {
      specs.push(await loadOpenApiSpec(a));
    } catch (err) {
      if (err instanceof SpecError) throw new UsageError(err.message);
      throw err;
    }
  }
  return specs;
}

function readBaseline(file: string): { name: string; report: InventoryReport } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`baseline ${file} is not a readable inventory JSON: ${(err as Error).message}`);
  }
  const r = parsed as Partial<InventoryReport>;
  if (r?.version !== INVENTORY_REPORT_VERSION || !Array.isArray(r.endpoints)) {
    throw new UsageError(`baseline ${file} is not a vigil inventory (version ${INVENTORY_REPORT_VERSION})`);
  }
  return { name: file, report: r as InventoryReport };
}

async function openStore(url: string | undefined): Promise<InventoryStore> {
  if (!url) return new MemoryInventoryStore();
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  return new RedisInventoryStore(redis, { ownsConnection: true });
}
