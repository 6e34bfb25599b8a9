/**
 * `vigil replay`: gateway logs → the whole detection path in one process (decode → feature windows in
 * memory → detectors → policy), in event time, as fast as it can. Decisions, alerts and the audit trail
 * go to NDJSON files; canonical events only with --events-out; bad records to a dead-letter file. The same
 * decoders, windows, detectors and policy as the live detector, so a replay shows what production decides.
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
import { readConfigFile } from '@vigil/platform';
import { DetectionRun, type ShadowComparisonSummary } from '../detection-run';
import { splitConfigSections } from '../detection-setup';
import { printTally, type TallySummary } from '../detection-tally';
import { IntakeTally } from '../intake-tally';
import { PrincipalMap } from '../principal-map';
import { shadowReportLines } from '../shadow-report-lines';
import { formatCount, Progress } from '../progress';
import { addSourceOptions, decodeWorkers, loadSource, type SourceOptions } from '../source-options';

export interface ReplayOptions extends SourceOptions {
  eventsOut?: string;
  deadLetter?: string;
  decisions?: string;
  alerts?: string;
  audit?: string;
  principalMap?: string;
  models?: string;
  shadowModels?: string[];
  detect: boolean;
  backend?: string;
  batchSeconds?: string;
  maxEntities?: string;
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
  /** Null with --no-detect. */
  readonly detection: TallySummary | null;
  /** With --shadow-models: the champion against the challengers' shadow decisions. */
  readonly shadowComparison: ShadowComparisonSummary | null;
  readonly decisionsOut: string | null;
  readonly alertsOut: string | null;
  readonly auditOut: string | null;
  readonly principalMapOut: string | null;
}

export function registerReplay(program: Command): void {
  const cmd = program
    .command('replay')
    .description('run detection over gateway access logs: decisions, alerts, an audit trail (and events)')
    .addHelpText(
      'after',
      `
Examples:
  vigil replay --source kong --input kong.ndjson --decisions decisions.ndjson --alerts alerts.ndjson --audit audit.ndjson
  zcat envoy.log.gz | vigil replay --source envoy --input - --alerts - > alerts.ndjson
  vigil replay --source nginx --input access.log --no-detect --events-out events.ndjson

Runs decode → feature windows (in memory) → detectors → policy in event time, in one process: no
Kafka or Redis. Every input line becomes either one event or one dead-letter record with a reason code
(malformed_json, missing_field, invalid_ip, record_too_large, ...). Without --dead-letter, dead letters
go to <events-out>.dead-letter.ndjson, or ./vigil-dead-letter.ndjson. Principals, sessions, devices and
API keys are HMAC ids in every output; --principal-map writes raw value → id for the entities that
decisions and alerts name (for analysts; keep it as secret as the logs). The policy comes from the
\`policy:\` section of --config. Set VIGIL_HASH_KEY (or hashing.key) for real data, and VIGIL_AUDIT_KEY
to sign the audit trail's checkpoints. With --shadow-models the summary ends with the champion/challenger
comparison of the shadow decisions (as vigil models shadow-report prints it; in --summary-json as
shadowComparison).`,
    );
  addSourceOptions(cmd)
    .option('--decisions <file>', 'write decisions (NDJSON) here; - for stdout')
    .option('--alerts <file>', 'write alerts (NDJSON) here; - for stdout')
    .option('--audit <file>', 'append the hash-chained audit trail here (VIGIL_AUDIT_KEY signs checkpoints)')
    .option('--principal-map <file>', 'write raw → HMAC id for entities named in decisions and alerts')
    .option('--models <dir>', 'models root (models/<detector>/<version>); none for baselines only')
    .option('--shadow-models <dir...>', 'model directories scored in shadow beside the active ones')
    .option('--no-detect', 'only decode (events and dead letters), no detection')
    .option('--batch-seconds <s>', 'event-time span of a detection batch', '10')
    .option(
      '--max-entities <n>',
      'cap on entities held in the in-memory windows; beyond it the least recently seen go (default 500000)',
    )
    .option('--backend <name>', 'TF.js backend to start from: tensorflow, wasm or cpu')
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
  const raw = opts.config ? readConfigFile(opts.config) : {};
  const sections = splitConfigSections(raw);
  const { gateway, config, decoder } = loadSource(opts, process.env, sections.source);
  const principalMap = opts.principalMap ? new PrincipalMap() : null;
  // Raw values are seen only where hashing happens: with a principal map, decode on this thread.
  const workers = principalMap ? 0 : decodeWorkers(opts.workers);
  if (principalMap) principalMap.observe(decoder);
  const input = openInput(opts.input);
  const eventsOut = opts.eventsOut ? NdjsonWriter.open(opts.eventsOut) : null;
  const deadLetterPath =
    opts.deadLetter ??
    (opts.eventsOut && opts.eventsOut !== '-'
      ? `${opts.eventsOut.replace(/\.ndjson$/, '')}.dead-letter.ndjson`
      : 'vigil-dead-letter.ndjson');
  const intake = new IntakeTally(deadLetterPath);
  const progress = new Progress({ label: 'replay', unit: 'events', total: input.size, enabled: opts.progress });

  const detection = opts.detect ? await DetectionRun.open(sections.policy, config, opts, process.env) : null;
  if (detection && opts.progress) process.stderr.write(`replay: ${detection.setup.describe()}\n`);

  const started = process.hrtime.bigint();
  const output = detection ? 'objects' : eventsOut ? 'ndjson' : 'count';
  const pool = workers > 0 ? new DecodePool({ gateway, config, workers, sourceName: input.name, output }) : null;
  const batches: AsyncIterable<PooledBatch> = pool
    ? pool.read(input.stream)
    : fromMainThread(readEventBatches(input.stream, decoder, { sourceName: input.name }), output);
  try {
    for await (const batch of batches) {
      await intake.take(batch, batch.eventCount);
      if (eventsOut) {
        if (output === 'objects') {
          for (const e of batch.events) eventsOut.write(e);
        } else eventsOut.writeSerialized(batch.eventsNdjson, batch.eventCount);
        await eventsOut.flush();
      }
      if (detection) await detection.push(batch.events);
      const found = detection
        ? `alerts ${formatCount(detection.tally.alertCount)}, decisions ${formatCount(detection.tally.decisionCount)}`
        : '';
      const dead = intake.deadLettered;
      progress.update(
        intake.events,
        intake.bytes,
        [found, dead ? `dead-lettered ${formatCount(dead)}` : ''].filter(Boolean).join(', '),
      );
    }
    await detection?.flush();
  } finally {
    await pool?.close();
    progress.finish();
    await eventsOut?.close();
    await intake.close();
    await detection?.close();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  let principalMapOut: string | null = null;
  if (principalMap && opts.principalMap) {
    await principalMap.write(opts.principalMap, detection?.tally.namedEntities() ?? new Set());
    principalMapOut = opts.principalMap;
  }
  return {
    input: input.name,
    source: decoder.gateway,
    records: intake.records,
    events: intake.events,
    deadLettered: intake.deadLettered,
    deadLetterReasons: intake.reasons,
    blankLines: intake.blankLines,
    bytes: intake.bytes,
    seconds,
    eventsPerSecond: seconds > 0 ? intake.events / seconds : 0,
    eventsOut: eventsOut ? eventsOut.target : null,
    deadLetterOut: intake.deadLetterOut,
    developmentHashKey: decoder.normalizer?.info.usingDevelopmentKey ?? false,
    decodeWorkers: workers,
    detection: detection ? detection.summary() : null,
    shadowComparison: detection?.shadowComparison() ?? null,
    decisionsOut: detection?.decisionsOut ? detection.decisionsOut.target : null,
    alertsOut: detection?.alertsOut ? detection.alertsOut.target : null,
    auditOut: detection?.audit ? detection.audit.path : null,
    principalMapOut,
  };
}

async function* fromMainThread(
  source: AsyncIterable<EventBatch>,
  output: 'objects' | 'ndjson' | 'count',
): AsyncGenerator<PooledBatch> {
  for await (const b of source) {
    yield {
      events: output === 'objects' ? b.events : [],
      deadLetters: b.deadLetters,
      records: b.records,
      blankLines: b.blankLines,
      bytesRead: b.bytesRead,
      eventCount: b.events.length,
      eventsNdjson:
        output === 'ndjson' && b.events.length ? b.events.map((e) => JSON.stringify(e)).join('\n') + '\n' : '',
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
  if (s.detection) lines.push(...printTally(s.detection));
  if (s.shadowComparison) lines.push(...shadowReportLines(s.shadowComparison, s.shadowComparison.note));
  if (s.decisionsOut) lines.push(`  decisions:    ${s.decisionsOut}`);
  if (s.alertsOut) lines.push(`  alerts:       ${s.alertsOut}`);
  if (s.auditOut) lines.push(`  audit trail:  ${s.auditOut}`);
  if (s.principalMapOut) lines.push(`  principal map: ${s.principalMapOut}`);
  if (s.eventsOut) lines.push(`  events:       ${s.eventsOut}`);
  if (s.deadLetterOut) lines.push(`  dead letters: ${s.deadLetterOut}`);
  if (s.developmentHashKey) {
    lines.push(
      '  note: principals and sessions were hashed with the built-in development key; set VIGIL_HASH_KEY for real data',
    );
  }
  process.stderr.write(lines.join('\n') + '\n');
}
