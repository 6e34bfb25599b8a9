/**
 * `vigil features`: gateway logs → per-entity behavioural feature vectors (NDJSON), computed by the same
 * decode path and the same WindowStore the live detector uses, so a data team trains on exactly what
 * production scores. One line per entity touched per batch, evaluated at the batch's watermark.
 */
import { Option, type Command } from 'commander';
import type { Cluster, Redis } from 'ioredis';
import { NdjsonWriter, openInput, readEventBatches } from '@vigil/connectors';
import {
  DEFAULT_ALLOWED_LATENESS_MS,
  DEFAULT_KEY_PREFIX,
  ENTITY_TYPES,
  FEATURE_REGISTRY,
  keyPrefixProblem,
  MemoryWindowStore,
  RedisWindowStore,
  type EntityType,
  type WindowStore,
} from '@vigil/features';
import { UsageError } from '../errors';
import { formatCount, Progress } from '../progress';
import { featureLine } from './feature-line';
import { addSourceOptions, buildSourceDecoder, type SourceOptions } from '../source-options';

interface FeaturesOptions extends SourceOptions {
  out: string;
  store: 'memory' | 'redis';
  redisUrl?: string;
  redisCluster?: string;
  keyPrefix?: string;
  batch: string;
  allowedLatenessMs: string;
  maxEntities: string;
  entities?: string;
  progress: boolean;
  summaryJson?: string;
}

export interface FeaturesSummary {
  readonly input: string;
  readonly store: 'memory' | 'redis';
  readonly registryVersion: number;
  readonly registryFingerprint: string;
  readonly records: number;
  readonly events: number;
  readonly deadLettered: number;
  readonly applied: number;
  readonly late: number;
  readonly duplicates: number;
  /** Redis: entity updates skipped because the store had already applied those offsets (an earlier run). */
  readonly replayedEntities: number;
  readonly batches: number;
  readonly vectors: number;
  readonly watermark: number | null;
  readonly roundTripsPerBatch: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly out: string;
}

export function registerFeatures(program: Command): void {
  const cmd = program
    .command('features')
    .description('compute per-entity behavioural feature vectors (NDJSON) from gateway logs, for training and analysis')
    .addHelpText(
      'after',
      `
Examples:
  vigil features --source kong --input kong.ndjson --out features.ndjson
  vigil features -s kong -i - --store redis --redis-url redis://127.0.0.1:6379 --out - < kong.ndjson
  vigil features -s kong -i kong.ndjson --entities ip,principal,loginFlow --out features.ndjson

Each output line is one entity touched by a batch:
  {"entity":"ip","id":"203.0.113.7","at":<watermark ms>,"batch":12,"registry":${FEATURE_REGISTRY.version},"features":{...}}
Feature names, windows and definitions come from the feature registry (version ${FEATURE_REGISTRY.version},
fingerprint ${FEATURE_REGISTRY.fingerprint}). Windows are event-time; an event older than the watermark minus
--allowed-lateness-ms is counted as late and not applied. With --store redis the batches are recorded
per input offset, so running the same file twice into the same Redis counts every event once.
Entities: ${ENTITY_TYPES.join(', ')}.`,
    );
  addSourceOptions(cmd)
    .requiredOption('-o, --out <file>', 'write feature vectors as NDJSON here; - for stdout')
    .addOption(new Option('--store <kind>', 'where windows live').choices(['memory', 'redis']).default('memory'))
    .option('--redis-url <url>', 'standalone Redis for --store redis (redis://host:port/db)')
    .option('--redis-cluster <nodes>', 'Redis Cluster seed nodes for --store redis: host:port,host:port')
    .option('--key-prefix <prefix>', `prefix of the Redis keys (default ${DEFAULT_KEY_PREFIX})`)
    .option('--batch <events>', 'events per batch (one Redis round trip each)', '4096')
    .option(
      '--allowed-lateness-ms <ms>',
      'how far behind the watermark an event still counts',
      String(DEFAULT_ALLOWED_LATENESS_MS),
    )
    .option('--max-entities <n>', 'memory store: hard cap on entities kept', '500000')
    .option('--entities <types>', `only write these entity types (comma-separated): ${ENTITY_TYPES.join(',')}`)
    .option('--summary-json <file>', 'also write the summary as JSON')
    .option('--no-progress', 'do not print the progress line on stderr')
    .action(async (opts: FeaturesOptions) => {
      const summary = await computeFeatures(opts);
      printSummary(summary);
      if (opts.summaryJson) {
        const w = NdjsonWriter.open(opts.summaryJson);
        w.write(summary);
        await w.close();
      }
    });
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

function entityFilter(list: string | undefined): ReadonlySet<EntityType> | null {
  if (!list) return null;
  const wanted = list.split(',').map((s) => s.trim());
  const unknown = wanted.filter((w) => !(ENTITY_TYPES as readonly string[]).includes(w));
  if (unknown.length)
    throw new UsageError(`unknown entity type(s) ${unknown.join(', ')}; have ${ENTITY_TYPES.join(', ')}`);
  return new Set(wanted as EntityType[]);
}

async function openStore(opts: FeaturesOptions, allowedLatenessMs: number): Promise<WindowStore> {
  if (opts.store === 'memory') {
    if (opts.redisUrl || opts.redisCluster) throw new UsageError('--redis-url / --redis-cluster need --store redis');
    return new MemoryWindowStore({ allowedLatenessMs, maxEntities: positiveInt(opts.maxEntities, '--max-entities') });
  }
  if (!opts.redisUrl === !opts.redisCluster) {
    throw new UsageError('--store redis needs exactly one of --redis-url or --redis-cluster');
  }
  const prefixProblem = opts.keyPrefix === undefined ? null : keyPrefixProblem(opts.keyPrefix);
  if (prefixProblem) throw new UsageError(`--key-prefix ${prefixProblem}`);
  const ioredis = await import('ioredis');
  let client: Redis | Cluster;
  if (opts.redisUrl) {
    client = new ioredis.Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await client.connect();
  } else {
    const nodes = opts.redisCluster!.split(',').map((hp) => {
      const [host, port] = hp.trim().split(':');
      if (!host || !port || !Number.isInteger(Number(port)))
        throw new UsageError(`bad cluster node "${hp}", want host:port`);
      return { host, port: Number(port) };
    });
    client = new ioredis.Cluster(nodes, { redisOptions: { maxRetriesPerRequest: 2 } });
    await client.ping();
  }
  return new RedisWindowStore({ client, allowedLatenessMs, keyPrefix: opts.keyPrefix });
}

export async function computeFeatures(opts: FeaturesOptions): Promise<FeaturesSummary> {
  const batchEvents = positiveInt(opts.batch, '--batch');
  const allowedLatenessMs = Number(opts.allowedLatenessMs);
  if (!(allowedLatenessMs >= 0))
    throw new UsageError(`--allowed-lateness-ms must be >= 0, got "${opts.allowedLatenessMs}"`);
  const only = entityFilter(opts.entities);
  const decoder = buildSourceDecoder(opts);
  const input = openInput(opts.input);
  const store = await openStore(opts, allowedLatenessMs);
  const out = NdjsonWriter.open(opts.out);
  const progress = new Progress({ label: 'features', unit: 'events', total: input.size, enabled: opts.progress });
  // The input is one "partition": offsets are event ordinals, so a re-run into the same Redis is a replay.
  const topic = `file:${input.name}`;
  const started = process.hrtime.bigint();
  let records = 0;
  let events = 0;
  let dead = 0;
  let applied = 0;
  let late = 0;
  let duplicates = 0;
  let replayedEntities = 0;
  let batches = 0;
  let vectors = 0;
  let roundTrips = 0;
  let watermark: number | null = null;
  try {
    for await (const batch of readEventBatches(input.stream, decoder, {
      sourceName: input.name,
      batchLines: batchEvents,
    })) {
      records += batch.records;
      dead += batch.deadLetters.length;
      if (batch.events.length === 0) continue;
      const result = await store.applyBatch(batch.events, { topic, partition: 0, firstOffset: events });
      events += batch.events.length;
      applied += result.applied;
      late += result.late;
      duplicates += result.duplicates;
      replayedEntities += result.duplicateEntities;
      roundTrips += result.roundTrips;
      watermark = result.watermark;
      for (const v of result.vectors) {
        if (only && !only.has(v.entity)) continue;
        out.writeLine(featureLine(v, batches));
        vectors++;
      }
      batches++;
      await out.flush();
      progress.update(
        events,
        batch.bytesRead,
        `${formatCount(vectors)} vectors` +
          (late ? `, late ${formatCount(late)}` : '') +
          (dead ? `, undecodable ${dead}` : ''),
      );
    }
  } finally {
    progress.finish();
    await out.close();
    await store.close();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    input: input.name,
    store: opts.store,
    registryVersion: FEATURE_REGISTRY.version,
    registryFingerprint: FEATURE_REGISTRY.fingerprint,
    records,
    events,
    deadLettered: dead,
    applied,
    late,
    duplicates,
    replayedEntities,
    batches,
    vectors,
    watermark,
    roundTripsPerBatch: batches ? roundTrips / batches : 0,
    seconds,
    eventsPerSecond: seconds > 0 ? events / seconds : 0,
    out: out.target,
  };
}

function printSummary(s: FeaturesSummary): void {
  const lines = [
    `features ${s.input} (${s.store} store, registry v${s.registryVersion} ${s.registryFingerprint}): ` +
      `${s.events} events in ${s.batches} batches → ${s.vectors} vectors in ${s.seconds.toFixed(2)} s ` +
      `(${formatCount(s.eventsPerSecond)} events/s)`,
    `  applied ${s.applied}, late ${s.late}, replayed ${s.duplicates}, undecodable ${s.deadLettered}` +
      (s.store === 'redis'
        ? `, entity updates already in Redis ${s.replayedEntities}, ${s.roundTripsPerBatch.toFixed(2)} round trips per batch`
        : ''),
    `  vectors: ${s.out}`,
  ];
  process.stderr.write(lines.join('\n') + '\n');
}
