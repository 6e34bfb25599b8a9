/**
 * Scale projection (issue #20): detector throughput against instances (1–16) and Redis masters (1–16),
 * for both window modes, from per-event costs measured by the detector bench and the key and partition
 * layout of a simulated hour of traffic, computed here:
 *   - Kafka: the raw lines keyed by client address (as the scale-out test keys them) over `--partitions`
 *     partitions (default 64) with kafkajs's DefaultPartitioner (Java-compatible murmur2), each
 *     partition's share of the events, and partitions given to instances round robin (kafkajs's default
 *     assigner);
 *   - Redis Cluster: slots split into contiguous ranges over the masters (as `redis-cli --cluster create`
 *     does); a key's master is its slot's (keySlot, the store's own CRC16).
 *   - `partition` windows: one hash per partition (`vp1:part:{topic/p}`); Redis work per event
 *     `--redis-us-partition` (default 1.1 µs, the detector bench's Redis CPU per event in this mode); an
 *     instance carries `--instance-rate-partition` events/s on one core (default 11,600/s, the detector
 *     bench's service rate with --models none). A partition is never split: the hottest one bounds an
 *     instance, the master holding the busiest partitions bounds Redis.
 *   - `scripts` windows: every entity a key (`vf5:{type:id}`), one script call per entity update, each
 *     update costing `--redis-us-scripts` / (updates per event) of Redis CPU (default 80 µs per event);
 *     instances at `--instance-rate-scripts` (default 4,700/s). Shared entities (the login flow, a
 *     country, a route) are single keys: the master holding the busiest of them bounds Redis, however
 *     many masters there are.
 * Throughput = min(instances' bound, Redis's bound); the limiting part is named. What it leaves out: the
 * Kafka brokers (a real cluster is sized apart), network, the enforcement and SIEM consumers, and a
 * machine with a core per instance (the measured rates come from a 2-core VM where the producer, the mock
 * broker and Redis share those cores: they are floors, not ceilings). It also prints what partition
 * ownership costs in copies: entities held once per partition they are seen on.
 */
import { ENTITY_TYPES, LAYOUTS, entityIdOf, entityTag, keySlot, type EntityType } from '@vigil/features';
import { keyPartitioner } from '@vigil/connectors';
import type { BenchResult, BenchSuite } from '../harness';
import { simulatedHour } from './detection';
import { decodeAll } from './features';

const INSTANCES = [1, 2, 4, 8, 16];
const MASTERS = [1, 3, 6, 16];
const SLOTS = 16384;

function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!(v > 0)) throw new Error(`${name} needs a positive number, got ${process.argv[i + 1]}`);
  return v;
}

/** Master of a slot when `masters` masters split the slots into contiguous ranges. */
const masterOf = (slot: number, masters: number) => Math.min(masters - 1, Math.floor((slot * masters) / SLOTS));

/** The largest per-group share when item i (with share shares[i]) goes to group groupOf(i). */
function maxGroupShare(shares: readonly number[], groupOf: (i: number) => number): number {
  const byGroup = new Map<number, number>();
  shares.forEach((s, i) => byGroup.set(groupOf(i), (byGroup.get(groupOf(i)) ?? 0) + s));
  return Math.max(...byGroup.values());
}

export const scaleSuite: BenchSuite = {
  name: 'scale',
  description:
    'throughput projected against detector instances and Redis masters (1–16), from measured per-event costs and the traffic’s partition and key layout',
  async run(ctx) {
    const partitions = numberArg('--partitions', 64);
    const cost = {
      partition: {
        instance: numberArg('--instance-rate-partition', 11_600),
        redisUs: numberArg('--redis-us-partition', 1.1),
      },
      scripts: { instance: numberArg('--instance-rate-scripts', 4_700), redisUs: numberArg('--redis-us-scripts', 80) },
    };
    const events = await decodeAll(await simulatedHour(ctx));
    ctx.log(`${events.length} events; ${partitions} partitions keyed by client address`);

    // Kafka: each partition's share of the events.
    const partitionOfKey = keyPartitioner(partitions);
    const perPartition = new Array<number>(partitions).fill(0);
    const eventPartition = new Int32Array(events.length);
    events.forEach((e, i) => {
      const p = partitionOfKey(e.clientIp);
      perPartition[p]!++;
      eventPartition[i] = p;
    });
    const partitionShares = perPartition.map((n) => n / events.length);

    // Entities: updates per event of every key (scripts mode), and copies per partition (partition mode).
    const updatesOf = new Map<string, number>();
    const partitionsOf = new Map<string, Set<number>>();
    let updates = 0;
    events.forEach((e, i) => {
      for (const type of ENTITY_TYPES as readonly EntityType[]) {
        const id = entityIdOf(type, e);
        if (id === null) continue;
        const key = `vf5:${entityTag(LAYOUTS[type], id)}`;
        updatesOf.set(key, (updatesOf.get(key) ?? 0) + 1);
        let ps = partitionsOf.get(key);
        if (!ps) partitionsOf.set(key, (ps = new Set()));
        ps.add(eventPartition[i]!);
        updates++;
      }
    });
    const updatesPerEvent = updates / events.length;
    let copies = 0;
    for (const ps of partitionsOf.values()) copies += ps.size;
    const [hotKey, hotUpdates] = [...updatesOf].reduce((a, b) => (b[1] > a[1] ? b : a));
    const perUpdateUs = cost.scripts.redisUs / updatesPerEvent;
    const keySlots = [...updatesOf].map(([key, n]) => [keySlot(key), n / events.length] as const);
    const partitionSlots = Array.from({ length: partitions }, (_, p) => keySlot(`vp1:part:{raw/${p}}`));
    ctx.log(
      `${updatesPerEvent.toFixed(2)} entity updates per event; busiest key ${hotKey} in ${((hotUpdates / events.length) * 100).toFixed(0)} % ` +
        `of events (alone it fills a Redis core at ${Math.round(1e6 / ((hotUpdates / events.length) * perUpdateUs))}/s in scripts mode); ` +
        `partition ownership holds ${copies} entity copies for ${partitionsOf.size} entities (${(copies / partitionsOf.size).toFixed(2)}×); ` +
        `hottest partition ${(Math.max(...partitionShares) * 100).toFixed(2)} % of events (even: ${(100 / partitions).toFixed(2)} %)`,
    );

    const results: BenchResult[] = [];
    const rows: string[] = [];
    for (const mode of ['partition', 'scripts'] as const) {
      for (const masters of MASTERS) {
        const line: string[] = [];
        for (const instances of INSTANCES) {
          const instanceShare = maxGroupShare(partitionShares, (p) => p % instances);
          const byInstances = cost[mode].instance / instanceShare;
          let byRedis: number;
          if (mode === 'partition') {
            const masterShare = maxGroupShare(partitionShares, (p) => masterOf(partitionSlots[p]!, masters));
            byRedis = 1e6 / (cost.partition.redisUs * masterShare);
          } else {
            const load = new Map<number, number>();
            for (const [slot, perEvent] of keySlots) {
              const m = masterOf(slot, masters);
              load.set(m, (load.get(m) ?? 0) + perEvent * perUpdateUs);
            }
            byRedis = 1e6 / Math.max(...load.values());
          }
          const perSecond = Math.min(byInstances, byRedis);
          const limit = byInstances <= byRedis ? 'instances' : 'redis';
          line.push(`${(perSecond / 1000).toFixed(0)}k ${limit === 'redis' ? 'R' : 'I'}`);
          results.push({
            suite: 'scale',
            name: `${mode} windows, ${instances} instance(s), ${masters} Redis master(s)`,
            count: instances,
            seconds: 0,
            perSecond,
            unit: 'events (projected)',
            extra: {
              limitedBy: limit,
              instancesBoundPerS: Math.round(byInstances),
              redisBoundPerS: Math.round(byRedis),
              busiestInstanceShare: instanceShare.toFixed(3),
            },
          });
        }
        rows.push(
          `${mode.padEnd(9)} ${String(masters).padStart(2)} master(s): ${line.map((c) => c.padStart(8)).join(' ')}`,
        );
      }
    }
    ctx.log(
      `projected events/s (I: bound by instances, R: by Redis) for ${INSTANCES.join(', ')} instances:\n` +
        rows.map((r) => `  ${r}`).join('\n'),
    );
    const hottest = Math.max(...partitionShares);
    ctx.log(
      `where growth stops: partition windows — the hottest partition on an instance of its own, ` +
        `${Math.round(cost.partition.instance / hottest)}/s (more partitions move it only if the hottest client ` +
        `address is not alone on it); one Redis master carries ${Math.round(1e6 / cost.partition.redisUs)}/s of ` +
        `partition writes. scripts windows — the busiest key's master, ${Math.round(1e6 / ((hotUpdates / events.length) * perUpdateUs))}/s, ` +
        `whatever the masters`,
    );
    ctx.log(
      `inputs: instance ${cost.partition.instance}/s and Redis ${cost.partition.redisUs} µs/event (partition), ` +
        `${cost.scripts.instance}/s and ${cost.scripts.redisUs} µs/event (scripts) — from npm run bench -- --suite detector ` +
        `--models none [--windows partition]; override with --instance-rate-*, --redis-us-*`,
    );
    return results;
  },
};
