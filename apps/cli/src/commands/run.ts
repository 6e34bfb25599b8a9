/**
 * `vigil run`: `vigil replay`'s whole detection path (decode → feature windows in memory → detectors →
 * policy; no Kafka or Redis), kept running on a live input — stdin, or a file followed like `tail -F` —
 * with the active decisions, recent alerts, Prometheus metrics and health served over HTTP
 * (live/run-api.ts). The models root is watched and reloaded when it changes (live/model-reload.ts).
 *
 * Batches are cut by event time as in a replay, and also when the input goes quiet (`--idle-flush-ms`):
 * a live attack that pauses must not have its decision held back until the next request arrives.
 *
 * With `--kafka BROKERS --redis URL` the input is raw log topics instead and `vigil run` runs the
 * detector service in this process (kafka/run-on-kafka.ts).
 */
import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { followFile, openInput, readEventBatches, untilAborted } from '@vigil/connectors';
import type { Decision } from '@vigil/detection';
import type { DetectorModel } from '@vigil/models';
import { createLogger, readConfigFile, type Logger } from '@vigil/platform';
import { DetectionRun } from '../detection-run';
import { BUNDLED_MODELS, splitConfigSections } from '../detection-setup';
import { UsageError } from '../errors';
import { IntakeTally } from '../intake-tally';
import { watchTree, type TreeWatch } from '../live/model-watch';
import { ModelReloader } from '../live/model-reload';
import { RecentAlerts } from '../live/recent-alerts';
import { parseListen, startRunApi, stopRunApi, type RunView } from '../live/run-api';
import { RunMetrics, type ModelInfo } from '../live/run-metrics';
import { shadowReportLines } from '../shadow-report-lines';
import { REACH_BUDGET_MS, runOnKafka, type KafkaRunOptions } from '../kafka/run-on-kafka';
import { addSourceOptions, loadSource } from '../source-options';

export interface RunOptions extends KafkaRunOptions {
  follow: boolean;
  fromEnd: boolean;
  decisions?: string;
  alerts?: string;
  audit?: string;
  deadLetter?: string;
  shadowModels?: string[];
  backend?: string;
  maxEntities?: string;
  exitAtEnd: boolean;
  progress: boolean;
  summaryJson?: string;
}

const RECENT_ALERTS = 1000;
const PROGRESS_LOG_MS = 10_000;

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description(
      'run detection continuously on stdin or a followed log file (or Kafka topics with --kafka); serve decisions over HTTP',
    )
    .addHelpText(
      'after',
      `
Examples:
  vigil run --source kong --input /var/log/kong/http.ndjson --follow --audit audit.ndjson
  tail -F access.log | vigil run --source nginx --input - --listen 0.0.0.0:8080 --decisions decisions.ndjson
  curl -s localhost:8080/v1/decisions?scope=ip   # active decisions (add include_shadow=true for shadow ones)
  vigil run --source kong --kafka kafka:9092 --redis redis://redis:6379 --raw-topic gateway.kong --listen 0.0.0.0:9464

The same path as \`vigil replay\` (decode → feature windows in memory → detectors → policy; no Kafka or
Redis), kept running. HTTP: GET /v1/decisions (the records as in the decisions file, active at the
watermark; ?scope=&value= narrow them), GET /v1/alerts?limit=N (newest first), GET /metrics
(Prometheus), GET /health. --follow reads the file, then what is appended, across rotation and
truncation, like \`tail -F\`. Without --follow the file is read once and the results stay served until
SIGINT or SIGTERM (or the run ends with it, with --exit-at-end). Output files are appended to. The models
root is watched: a changed set that loads is swapped in between batches, one that does not is refused
and the models in use stay (vigil_model_reload_total{outcome}). Logs are JSON lines on stderr.
SIGINT/SIGTERM: stop reading, detect the pending batch, close the files (the audit trail writes its
closing checkpoint), exit 0.

With --shadow-models DIR... each challenger model is scored in shadow beside the active one (its
decisions written with "shadow": true, never enforced, served only with include_shadow=true); when the
run stops it prints the comparison of the challengers' shadow decisions with the champion's — per
detector, the targets both decided, only the champion (by its model or its baselines), only the
challenger, by action, the agreement, score and time-to-first-decision differences — and logs it in the
"stopped" record (and --summary-json). \`vigil models shadow-report --decisions FILE\` prints the same
from a decisions file or a dump of the decisions topic, with --labels to say which attack styles and
benign classes each side decided on.

With --kafka (and --redis, --raw-topic) the detector service runs in this process instead: it consumes
the raw topics (in the --source format) in consumer group --group-id, keeps its windows in Redis, and
produces decisions (keyed scope:value), alerts, audit lines and dead letters to the detector config's
default output topics (\`vigil topics create --raw-topic NAME\` creates them all; its --dry-run names
them). --listen serves GET /metrics, /health and /ready. --config, --models, --batch-seconds and
--idle-flush-ms mean what they mean for a file; the file-only flags (--input, --follow, output files,
--shadow-models, --backend, --max-entities, --exit-at-end, --summary-json) are refused. The brokers and Redis get ${REACH_BUDGET_MS / 1000} s
to answer, or vigil run exits 1 saying which did not. SIGINT/SIGTERM: finish the fetch in hand, detect
held events, produce, commit the offsets, exit 0. For more than one instance or Redis Cluster, run the
detector service (deploy/README.md).`,
    );
  addSourceOptions(cmd);
  // --input is the file mode's; --kafka reads topics instead, so run() asks for one of the two.
  const input = cmd.options.find((o) => o.long === '--input');
  if (input) input.mandatory = false;
  cmd
    .option('-f, --follow', 'keep reading the file as it grows (tail -F); stdin is always read to its end', false)
    .option('--from-end', 'with --follow, skip what the file holds now and read only what is appended', false)
    .option('--listen <host:port>', 'HTTP address; port 0 picks a free one (printed on stderr)', '127.0.0.1:8080')
    .option('--decisions <file>', 'append decisions (NDJSON) here; - for stdout')
    .option('--alerts <file>', 'append alerts (NDJSON) here; - for stdout')
    .option('--audit <file>', 'append the hash-chained audit trail here (VIGIL_AUDIT_KEY signs checkpoints)')
    .option('-d, --dead-letter <file>', 'append dead-letter records here (otherwise only counted in /metrics)')
    .option('--models <dir>', 'models root (models/<detector>/<version>), watched for changes; none for baselines')
    .option('--shadow-models <dir...>', 'model directories scored in shadow beside the active ones')
    .option('--backend <name>', 'TF.js backend to start from: tensorflow, wasm or cpu')
    .option('--batch-seconds <s>', 'event-time span of a detection batch', '10')
    .option(
      '--max-entities <n>',
      'cap on entities held in the in-memory windows; beyond it the least recently seen go (default 500000)',
    )
    .option('--idle-flush-ms <ms>', 'detect the pending batch once the input has been quiet this long', '1000')
    .option('--exit-at-end', 'exit once the input ends instead of serving until a signal', false)
    .option('--no-progress', 'do not log a progress line every 10 s')
    .option('--summary-json <file>', 'when the run stops, write what it found (and the shadow comparison) as JSON')
    .option('--kafka <brokers>', 'run the detector service here: consume --raw-topic from these brokers (host:port,…)')
    .option('--redis <url>', 'with --kafka: the Redis holding the windows, redis://[:password@]host:port[/db]')
    .option('--raw-topic <name...>', 'with --kafka: the raw log topic(s) to consume, in the --source format')
    .option('--group-id <id>', 'with --kafka: the consumer group (default vigil-detector)')
    .option(
      '--no-idempotent-producer',
      'with --kafka: plain acks=-1 producer, for brokers that name no controller (test mocks)',
    )
    .action(async (opts: RunOptions) => {
      await run(opts);
    });
}

export async function run(opts: RunOptions): Promise<void> {
  if (
    opts.kafka !== undefined ||
    opts.redis !== undefined ||
    opts.rawTopic !== undefined ||
    opts.groupId !== undefined
  ) {
    if (opts.kafka === undefined) throw new UsageError('--redis, --raw-topic and --group-id go with --kafka BROKERS');
    return runOnKafka({ ...opts });
  }
  if (opts.input === undefined) throw new UsageError("required option '-i, --input <file>' not specified (or --kafka)");
  const listen = parseListen(opts.listen);
  const idleFlushMs = Number(opts.idleFlushMs);
  if (!(Number.isInteger(idleFlushMs) && idleFlushMs >= 10 && idleFlushMs <= 600_000))
    throw new UsageError('--idle-flush-ms must be a whole number of milliseconds from 10 to 600000');
  if (opts.fromEnd && !opts.follow) throw new UsageError('--from-end needs --follow');
  const raw = opts.config ? readConfigFile(opts.config) : {};
  const sections = splitConfigSections(raw);
  const { config, decoder } = loadSource(opts, process.env, sections.source);
  // Checks the input (missing file, a directory) before anything slow; a followed file is reopened below.
  const input = openInput(opts.input);
  // A pipe or a terminal is continuous anyway; only a plain regular file can be followed (read at an
  // offset): a .gz input is read through once.
  const following = opts.follow && input.size !== undefined;
  if (following) input.stream.destroy();

  const log = createLogger({ name: 'vigil-run' });
  const recent = new RecentAlerts(RECENT_ALERTS);
  let detection: DetectionRun | null = null;
  const metrics = new RunMetrics({
    activeDecisions: () => (detection ? servedDecisions(detection).length : 0),
    watermark: () => detection?.watermark ?? -Infinity,
  });
  detection = await DetectionRun.open(
    sections.policy,
    config,
    {
      ...opts,
      append: true,
      onDecisions: (ds) => metrics.decisions(ds),
      onAlerts: (as) => {
        metrics.alerts(as);
        recent.push(as);
      },
      onBatch: (b) => metrics.batch(b.seconds),
    },
    process.env,
  );
  const det = detection;
  const setup = det.setup;
  const backend = setup.runtime?.backend ?? 'none';
  const modelRoot = opts.models ?? BUNDLED_MODELS;
  let models: ReadonlyMap<string, DetectorModel> = setup.models;
  const modelInfo = (): ModelInfo[] => [
    ...[...models.values()].map((m) => ({ detector: m.detector, version: m.version, backend, shadow: false })),
    ...[...setup.shadow.values()].map((m) => ({ detector: m.detector, version: m.version, backend, shadow: true })),
  ];
  metrics.models(modelInfo());
  log.info(
    { models: modelInfo(), backend, policyMode: setup.policy.mode, input: input.name, follow: following },
    'detection ready',
  );
  const intake = new IntakeTally(opts.deadLetter ?? null, true);

  // Every touch of the pipeline (a pushed chunk, an idle flush, a model swap) runs here, one at a time.
  let chain: Promise<unknown> = Promise.resolve();
  const serially = <T>(fn: () => T | Promise<T>): Promise<T> => {
    const p = chain.then(fn);
    chain = p.catch(() => undefined);
    return p;
  };

  const stop = new AbortController();
  let failure: unknown = null;
  const fail = (err: unknown) => {
    failure ??= err;
    stop.abort();
  };
  let inputEnded = false;
  let lastReload: Record<string, unknown> | null = null;

  const view: RunView = {
    activeDecisions: () => det.setup.engine.policy.activeDecisions(det.watermark),
    recentAlerts: (limit) => recent.latest(limit),
    alertCapacity: RECENT_ALERTS,
    health: () => ({
      status: 'ok',
      watermark: Number.isFinite(det.watermark) ? det.watermark : null,
      events: intake.events,
      deadLettered: intake.deadLettered,
      batches: det.pipeline.totals.batches,
      activeDecisions: servedDecisions(det).length,
      input: { name: input.name, follow: following, ended: inputEnded },
      models: modelInfo(),
      lastReload,
    }),
    metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
  };
  const api = await startRunApi(view, listen);
  process.stderr.write(`vigil run: listening on ${api.url}\n`);

  const onSignal = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'stopping');
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let watch: TreeWatch | null = null;
  if (modelRoot !== 'none') {
    const reloader = new ModelReloader(modelRoot, setup, (swap) => serially(swap));
    watch = watchTree(modelRoot, () => reloadModels(reloader), {
      onWatchError: (err) => log.warn({ err: err.message, root: modelRoot }, 'fs.watch failed; polling models root'),
    });
  }
  async function reloadModels(reloader: ModelReloader): Promise<void> {
    const r = await reloader.reload();
    const at = new Date().toISOString();
    if (r.ok) {
      models = r.models;
      metrics.models(modelInfo());
      metrics.reload('success');
      lastReload = { outcome: 'success', at };
      log.info({ models: modelInfo(), dropped: r.dropped, root: modelRoot }, 'models reloaded');
    } else {
      metrics.reload('failure');
      lastReload = { outcome: 'failure', at, dir: r.dir, problems: r.problems };
      log.warn({ dir: r.dir, problems: r.problems, root: modelRoot }, 'models not reloaded; keeping the models in use');
    }
  }

  let idle: NodeJS.Timeout | null = null;
  const armIdleFlush = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => serially(() => det.flush()).catch(fail), idleFlushMs);
  };
  const progress = opts.progress ? progressLog(log, det, intake) : null;

  try {
    const source = following
      ? followFile(opts.input, {
          signal: stop.signal,
          fromEnd: opts.fromEnd,
          onReopen: (why) => log.info({ input: input.name, why }, 'input reopened'),
        })
      : Readable.from(untilAborted(input.stream, stop.signal));
    for await (const batch of readEventBatches(source, decoder, { sourceName: input.name })) {
      // After a stop only the reader's last, unterminated line can come: a write cut short, not a record.
      if (stop.signal.aborted) break;
      await intake.take(batch, batch.events.length);
      metrics.intake(batch.events.length, batch.deadLetters.length);
      if (!batch.events.length) continue;
      await serially(() => det.push(batch.events));
      armIdleFlush();
    }
    if (!stop.signal.aborted) {
      await serially(() => det.flush());
      inputEnded = true;
      log.info({ input: input.name, events: intake.events, deadLettered: intake.deadLettered }, 'end of input');
      if (!opts.exitAtEnd) {
        process.stderr.write(`vigil run: end of ${input.name}; serving until SIGINT or SIGTERM\n`);
        await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
      }
    }
  } catch (err) {
    fail(err);
  } finally {
    if (idle) clearTimeout(idle);
    if (progress) clearInterval(progress);
    watch?.close();
    if (input.name === 'stdin') process.stdin.destroy();
    try {
      if (!failure) await serially(() => det.flush());
    } catch (err) {
      fail(err);
    } finally {
      await det.close();
      await intake.close();
      await stopRunApi(api.server);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      const found = det.summary();
      const shadowComparison = det.shadowComparison();
      if (shadowComparison)
        process.stderr.write(`${shadowReportLines(shadowComparison, shadowComparison.note).join('\n')}\n`);
      log.info(
        {
          events: intake.events,
          deadLettered: intake.deadLettered,
          decisions: found.decisions,
          alerts: found.alerts,
          policy: found.policy,
          ...(shadowComparison ? { shadowComparison } : {}),
        },
        'stopped',
      );
      if (opts.summaryJson)
        writeFileSync(
          opts.summaryJson,
          `${JSON.stringify(
            {
              input: input.name,
              events: intake.events,
              deadLettered: intake.deadLettered,
              detection: found,
              shadowComparison,
            },
            null,
            2,
          )}\n`,
        );
      await new Promise<void>((resolve) => log.flush(() => resolve()));
    }
  }
  if (failure) throw failure;
}

/** What `GET /v1/decisions` serves without query: active, non-shadow decisions at the watermark. */
function servedDecisions(det: DetectionRun): Decision[] {
  return det.setup.engine.policy.activeDecisions(det.watermark).filter((d) => !d.shadow);
}

function progressLog(log: Logger, det: DetectionRun, intake: IntakeTally): NodeJS.Timeout {
  let last = -1;
  const timer = setInterval(() => {
    if (intake.records === last) return;
    last = intake.records;
    log.info(
      {
        records: intake.records,
        events: intake.events,
        deadLettered: intake.deadLettered,
        decisions: det.tally.decisionCount,
        alerts: det.tally.alertCount,
        watermark: Number.isFinite(det.watermark) ? new Date(det.watermark).toISOString() : null,
      },
      'progress',
    );
  }, PROGRESS_LOG_MS);
  timer.unref();
  return timer;
}
