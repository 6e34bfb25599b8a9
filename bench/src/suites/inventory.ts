/**
 * Replay with the API inventory enabled: decode + normalize + InventoryBuilder + MemoryInventoryStore,
 * per batch, in one process on one thread, beside the floor (stream + split + JSON.parse of the same
 * file) and beside the same replay without the inventory. For Kong, the two ways of using decode
 * workers in the same process, beside plain replay on the same workers:
 *   - objects: workers decode, events come back as objects, one builder on the main thread;
 *   - map-reduce: workers decode and add up the figures, the main thread only decides each event's
 *     endpoint in input order (what `vigil inventory --workers` does).
 * A last case feeds already-decoded events to the inventory alone, to show its own cost.
 */
import type { AccessEvent, GatewayKind } from '@vigil/events';
import { createSourceDecoder, parseSourceConfig } from '@vigil/events';
import { availableParallelism } from 'node:os';
import { DecodePool, openInput, readEventBatches } from '@vigil/connectors';
import {
  addInParallel,
  INVENTORY_WORKER_AGGREGATOR,
  InventoryBuilder,
  MemoryInventoryStore,
  parseInventoryConfig,
} from '@vigil/inventory';
import { sourceConfigFor, type SimFormat } from '@vigil/simulator';
import { floorRate, timed, type BenchResult, type BenchSuite } from '../harness';
import { corpus } from './decode';

const FORMATS: readonly SimFormat[] = ['kong', 'nginx', 'nginx-json'];

async function replay(file: string, format: SimFormat, withInventory: boolean, keep?: AccessEvent[]) {
  const config = parseSourceConfig(sourceConfigFor(format));
  const decoder = createSourceDecoder(format as GatewayKind, config);
  const builder = new InventoryBuilder({
    config: parseInventoryConfig({}),
    pinnedTemplates: config.routes.pinnedTemplates,
  });
  const store = new MemoryInventoryStore();
  let events = 0;
  const cpu0 = process.cpuUsage();
  const seconds = await timed(async () => {
    for await (const b of readEventBatches(openInput(file).stream, decoder, { sourceName: file })) {
      events += b.events.length;
      if (keep) for (const e of b.events) keep.push(e);
      if (withInventory) {
        builder.add(b.events);
        await store.apply(builder.drain());
      }
    }
  });
  const endpoints = (await store.snapshot()).endpoints.length;
  return { events, seconds, endpoints, cpuMicrosPerEvent: cpuPerEvent(cpu0, events) };
}

/**
 * CPU time of the whole process (all threads) per event: on a shared machine wall time follows the
 * neighbours' load, CPU per event follows the design.
 */
function cpuPerEvent(since: NodeJS.CpuUsage, events: number): number {
  const d = process.cpuUsage(since);
  return Math.round(((d.user + d.system) / Math.max(events, 1)) * 10) / 10;
}

type PooledMode = 'plain' | 'objects' | 'map-reduce';

async function pooledReplay(file: string, format: SimFormat, workers: number, mode: PooledMode) {
  const config = parseSourceConfig(sourceConfigFor(format));
  const inventoryConfig = parseInventoryConfig({});
  const builder = new InventoryBuilder({ config: inventoryConfig, pinnedTemplates: config.routes.pinnedTemplates });
  const store = new MemoryInventoryStore();
  const pool = new DecodePool({
    gateway: format as GatewayKind,
    config,
    workers,
    sourceName: file,
    output: mode === 'objects' ? 'objects' : 'count',
    aggregator:
      mode === 'map-reduce' ? { module: INVENTORY_WORKER_AGGREGATOR, options: { config: inventoryConfig } } : undefined,
  });
  let events = 0;
  try {
    const cpu0 = process.cpuUsage();
    const seconds = await timed(async () => {
      const input = openInput(file).stream;
      if (mode === 'map-reduce') {
        await addInParallel(pool, input, builder, store, (b) => (events += b.eventCount));
        return;
      }
      for await (const b of pool.read(input)) {
        events += b.eventCount;
        if (mode === 'objects') {
          builder.add(b.events);
          await store.apply(builder.drain());
        }
      }
    });
    const cpuMicrosPerEvent = cpuPerEvent(cpu0, events);
    return { events, seconds, endpoints: (await store.snapshot()).endpoints.length, cpuMicrosPerEvent };
  } finally {
    await pool.close();
  }
}

export const inventorySuite: BenchSuite = {
  name: 'inventory',
  description: 'replay with the API inventory enabled (one process, one thread) beside the floor and plain replay',
  async run(ctx) {
    const records = ctx.quick ? 50_000 : 300_000;
    const results: BenchResult[] = [];
    for (const format of FORMATS) {
      const file = await corpus(ctx, format, records);
      const floor = await floorRate(file, format !== 'nginx');
      const plain = await replay(file, format, false);
      const inv = await replay(file, format, true);
      // Decoded events for the inventory-alone case, collected outside any timed run (they cost GC).
      const keep: AccessEvent[] = [];
      if (format === 'kong') await replay(file, format, false, keep);
      results.push(
        {
          suite: 'inventory',
          name: `${format} replay`,
          count: plain.events,
          seconds: plain.seconds,
          perSecond: plain.events / plain.seconds,
          floorPerSecond: floor.perSecond,
          extra: { cpuUsPerEvent: plain.cpuMicrosPerEvent },
        },
        {
          suite: 'inventory',
          name: `${format} replay + inventory`,
          count: inv.events,
          seconds: inv.seconds,
          perSecond: inv.events / inv.seconds,
          floorPerSecond: floor.perSecond,
          extra: {
            endpoints: inv.endpoints,
            cpuUsPerEvent: inv.cpuMicrosPerEvent,
            inventoryCost: `${(((inv.seconds - plain.seconds) / plain.seconds) * 100).toFixed(0)}%`,
          },
        },
      );
      if (format === 'kong') {
        const workers = Math.max(2, Math.min(availableParallelism(), 4));
        // Interleaved rounds, best of each: on a shared machine the load moves between runs.
        const modes = ['plain', 'objects', 'map-reduce'] as const;
        const best = new Map<PooledMode, Awaited<ReturnType<typeof pooledReplay>>>();
        for (let round = 0; round < (ctx.quick ? 1 : 3); round++) {
          for (const mode of modes) {
            const r = await pooledReplay(file, format, workers, mode);
            if (!best.has(mode) || r.seconds < best.get(mode)!.seconds) best.set(mode, r);
          }
        }
        const plainPooled = best.get('plain')!;
        for (const mode of modes) {
          const r = best.get(mode)!;
          results.push({
            suite: 'inventory',
            name: `${format} replay${mode === 'plain' ? '' : ` + inventory (${mode})`}, ${workers} workers`,
            count: r.events,
            seconds: r.seconds,
            perSecond: r.events / r.seconds,
            floorPerSecond: floor.perSecond,
            extra:
              mode === 'plain'
                ? { rounds: ctx.quick ? 1 : 3, cpuUsPerEvent: r.cpuMicrosPerEvent }
                : {
                    endpoints: r.endpoints,
                    cpuUsPerEvent: r.cpuMicrosPerEvent,
                    inventoryCost: `${(((r.seconds - plainPooled.seconds) / plainPooled.seconds) * 100).toFixed(0)}%`,
                  },
          });
        }
      }
      if (keep.length) {
        const builder = new InventoryBuilder({ config: parseInventoryConfig({}) });
        const store = new MemoryInventoryStore();
        const seconds = await timed(async () => {
          for (let i = 0; i < keep.length; i += 4096) {
            builder.add(keep.slice(i, i + 4096));
            await store.apply(builder.drain());
          }
        });
        results.push({
          suite: 'inventory',
          name: 'inventory alone (decoded events)',
          count: keep.length,
          seconds,
          perSecond: keep.length / seconds,
        });
      }
    }
    return results;
  },
};
