/**
 * `vigil replay`: gateway logs → canonical AccessEvents (NDJSON) + dead letters, streaming in constant
 * memory. The same decode path as the live detector, so a replay shows exactly what production sees.
 */
import type { Command } from 'commander';
import {
  DecodePool,
  NdjsonWriter,
  openInput,
  readEventBatches,
  type EventBatch,
  type PooledBatch,
} from '@vigil/connectors';
import type { DeadLetterReason } from '@vigil/events';
import { formatCount, Progress } from '../progress';
import { addSourceOptions, decodeWorkers, loadSource, type SourceOptions } from '../source-options';

interface ReplayOptions extends SourceOptions {
  eventsOut?: string;
  deadLetter?: string;
  progress: boolean;
  summaryJson?: string;
  workers?: string;
}

export interface ReplaySummary {
  readonly input: string;
  readonly source: string;
  readonly records: number;
  readonly events: number;
  readonly deadLettered: number;
  readonly deadLetterReasons: Partial<Record<DeadLetterReason, number>>;
  readonly blankLines: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly eventsOut: string | null;
  readonly deadLetterOut: string | null;
  readonly developmentHashKey: boolean;
  readonly decodeWorkers: number;
}

export function registerReplay(program: Command): void {
  const cmd = program
    .command('replay')
    .description('decode gateway access logs into canonical AccessEvents; bad records go to a dead-letter file')
    .addHelpText(
      'after',
      `
Examples:
  vigil replay --source kong --input kong.ndjson --events-out events.ndjson --dead-letter dead.ndjson
  zcat envoy.log.gz | vigil replay --source envoy --input - --events-out - > events.ndjson

Every input line becomes either one event or one dead-letter record with a reason code
(malformed_json, missing_field, invalid_ip, record_too_large, ...). Without --dead-letter, dead
letters go to <events-out>.dead-letter.ndjson, or ./vigil-dead-letter.ndjson. Set VIGIL_HASH_KEY
(or hashing.key in --config) to the HMAC key used to pseudonymise principals and sessions.`,
    );
  addSourceOptions(cmd)
    .option('-o, --events-out <file>', 'write AccessEvents as NDJSON here; - for stdout')
    .option('-d, --dead-letter <file>', 'write dead-letter records as NDJSON here')
    .option('--summary-json <file>', 'also write the summary as JSON')
    .option('--no-progress', 'do not print the progress line on stderr')
    .option(
      '-w, --workers <n>',
      'decode worker threads; 0 decodes on the main thread (default: auto, one per core up to 4)',
    )
    .action(async (opts: ReplayOptions) => {
      const summary = await replay(opts);
      printSummary(summary);
      if (opts.summaryJson) {
        const w = NdjsonWriter.open(opts.summaryJson);
        w.write(summary);
        await w.close();
      }
    });
}

export async function replay(opts: ReplayOptions): Promise<ReplaySummary> {
  const { gateway, config, decoder } = loadSource(opts);
  const workers = decodeWorkers(opts.workers);
  const input = openInput(opts.input);
  const eventsOut = opts.eventsOut ? NdjsonWriter.open(opts.eventsOut) : null;
  const deadLetterPath =
    opts.deadLetter ??
    (opts.eventsOut && opts.eventsOut !== '-'
      ? `${opts.eventsOut.replace(/\.ndjson$/, '')}.dead-letter.ndjson`
      : 'vigil-dead-letter.ndjson');
  // Opened on the first dead letter, so a clean replay leaves no empty file behind.
  let deadOut: NdjsonWriter | null = null;
  const reasons: Partial<Record<DeadLetterReason, number>> = {};
  const progress = new Progress({
    label: 'replay',
    unit: 'events',
    total: input.size,
    enabled: opts.progress,
  });

  const started = process.hrtime.bigint();
  let records = 0;
  let events = 0;
  let dead = 0;
  let blank = 0;
  let bytes = 0;
  const pool =
    workers > 0
      ? new DecodePool({ gateway, config, workers, sourceName: input.name, output: eventsOut ? 'ndjson' : 'count' })
      : null;
  const batches: AsyncIterable<PooledBatch> = pool
    ? pool.read(input.stream)
    : serializeOnMainThread(readEventBatches(input.stream, decoder, { sourceName: input.name }), eventsOut !== null);
  try {
    for await (const batch of batches) {
      records += batch.records;
      blank += batch.blankLines;
      bytes = batch.bytesRead;
      events += batch.eventCount;
      if (eventsOut) {
        eventsOut.writeSerialized(batch.eventsNdjson, batch.eventCount);
        await eventsOut.flush();
      }
      if (batch.deadLetters.length) {
        deadOut ??= NdjsonWriter.open(deadLetterPath);
        for (const d of batch.deadLetters) {
          reasons[d.reason] = (reasons[d.reason] ?? 0) + 1;
          deadOut.write(d);
        }
        dead += batch.deadLetters.length;
        await deadOut.flush();
      }
      progress.update(events, bytes, dead ? `dead-lettered ${formatCount(dead)}` : '');
    }
  } finally {
    await pool?.close();
    progress.finish();
    await eventsOut?.close();
    await deadOut?.close();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    input: input.name,
    source: decoder.gateway,
    records,
    events,
    deadLettered: dead,
    deadLetterReasons: reasons,
    blankLines: blank,
    bytes,
    seconds,
    eventsPerSecond: seconds > 0 ? events / seconds : 0,
    eventsOut: eventsOut ? eventsOut.target : null,
    deadLetterOut: deadOut ? deadLetterPath : null,
    developmentHashKey: decoder.normalizer?.info.usingDevelopmentKey ?? false,
    decodeWorkers: workers,
  };
}

async function* serializeOnMainThread(
  source: AsyncIterable<EventBatch>,
  serialize: boolean,
): AsyncGenerator<PooledBatch> {
  for await (const b of source) {
    yield {
      events: [],
      deadLetters: b.deadLetters,
      records: b.records,
      blankLines: b.blankLines,
      bytesRead: b.bytesRead,
      eventCount: b.events.length,
      eventsNdjson: serialize && b.events.length ? b.events.map((e) => JSON.stringify(e)).join('\n') + '\n' : '',
    };
  }
}

function printSummary(s: ReplaySummary): void {
  const lines = [
    `replay ${s.source} ${s.input}: ${s.records} records → ${s.events} events, ${s.deadLettered} dead-lettered` +
      ` in ${s.seconds.toFixed(2)} s (${formatCount(s.eventsPerSecond)} events/s, ${(s.bytes / 1e6).toFixed(1)} MB,` +
      ` ${s.decodeWorkers ? `${s.decodeWorkers} decode workers` : 'main thread'})`,
  ];
  const reasons = Object.entries(s.deadLetterReasons).sort((a, b) => b[1] - a[1]);
  if (reasons.length) lines.push(`  dead letters by reason: ${reasons.map(([r, n]) => `${r}=${n}`).join(', ')}`);
  if (s.eventsOut) lines.push(`  events:       ${s.eventsOut}`);
  if (s.deadLetterOut) lines.push(`  dead letters: ${s.deadLetterOut}`);
  if (s.developmentHashKey) {
    lines.push(
      '  note: principals and sessions were hashed with the built-in development key; set VIGIL_HASH_KEY for real data',
    );
  }
  process.stderr.write(lines.join('\n') + '\n');
}
