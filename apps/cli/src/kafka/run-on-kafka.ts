/**
 * `vigil run --kafka BROKERS --redis URL`: the detector service (apps/detector) in this process, for a
 * site small enough for one all-in-one instance. The flags are turned into a detector config and checked
 * by the detector's own validation (`parseDetectorConfig`); the app is built by `createDetectorApp`, so
 * it consumes, decides and produces exactly as the service does: raw topics in (`--source` format),
 * windows in Redis, decisions/alerts/audit/dead letters out on the configured topics, /metrics, /health
 * and /ready at --listen.
 *
 * Before the app starts, the brokers and Redis are reached within a short budget, so that a wrong
 * address ends in one sentence and a non-zero exit rather than in the service's retry logs.
 *
 * Stopping: the app registers Nest's shutdown hooks for SIGTERM/SIGINT (finish the fetch in hand, detect
 * held events, produce, commit, disconnect), and once done Nest sends the signal to the process again.
 * This module keeps its own listener for that second delivery, which is how it knows the app has
 * closed, so `vigil run` returns and exits 0 instead of dying by the re-sent signal.
 */
import type { DetectorConfig } from '@vigil/detector';
import { createLogger, readConfigFile } from '@vigil/platform';
import type { AddressInfo } from 'node:net';
import { splitConfigSections } from '../detection-setup';
import { UsageError } from '../errors';
import { parseListen } from '../live/run-api';
import { loadSource, type SourceOptions } from '../source-options';
import { BrokersUnreachableError, connectAdmin, hasReachableController, readTopics } from './broker-admin';

export interface KafkaRunOptions extends SourceOptions {
  kafka?: string;
  redis?: string;
  rawTopic?: string[];
  groupId?: string;
  idempotentProducer: boolean;
  listen: string;
  models?: string;
  batchSeconds?: string;
  idleFlushMs: string;
}

/** How long the brokers and Redis get to answer before `vigil run --kafka` gives up. */
export const REACH_BUDGET_MS = 15_000;
const FAILURE_POLL_MS = 500;

/** The `vigil run` flags (file-mode ones) that mean nothing when the input is Kafka topics. */
export const FILE_MODE_FLAGS: readonly (readonly [key: string, flag: string])[] = [
  ['input', '--input'],
  ['follow', '--follow'],
  ['fromEnd', '--from-end'],
  ['decisions', '--decisions'],
  ['alerts', '--alerts'],
  ['audit', '--audit'],
  ['deadLetter', '--dead-letter'],
  ['shadowModels', '--shadow-models'],
  ['backend', '--backend'],
  ['maxEntities', '--max-entities'],
  ['exitAtEnd', '--exit-at-end'],
  ['summaryJson', '--summary-json'],
];

/**
 * The detector config `vigil run --kafka` stands for, before validation: brokers, Redis, raw topics in
 * the --source format, the models, batch span, idle flush, the HTTP address, and the --config file's
 * source mapping and policy sections. Unset values are left to the detector config's defaults.
 */
export function detectorConfigFromFlags(
  opts: KafkaRunOptions,
  sections: { source: unknown; policy: unknown },
): Record<string, unknown> {
  const listen = parseListen(opts.listen);
  const brokers = splitList(opts.kafka ?? '');
  if (!brokers.length) throw new UsageError('--kafka needs the bootstrap brokers, host:port[,host:port…]');
  if (!opts.redis) throw new UsageError('--kafka needs --redis URL (redis://host:port/db): the windows live there');
  if (!opts.rawTopic?.length)
    throw new UsageError('--kafka needs --raw-topic NAME…: the topic(s) the gateways write their logs to');
  const detection: Record<string, unknown> = { idleFlushMs: Number(opts.idleFlushMs) };
  if (opts.models !== undefined) detection['models'] = opts.models;
  if (opts.batchSeconds !== undefined) detection['batchSeconds'] = Number(opts.batchSeconds);
  const kafka: Record<string, unknown> = {
    brokers,
    clientId: 'vigil-run',
    idempotentProducer: opts.idempotentProducer,
  };
  if (opts.groupId !== undefined) kafka['groupId'] = opts.groupId;
  return {
    kafka,
    sources: opts.rawTopic.map((topic) => ({ topic, format: opts.source })),
    redis: { url: opts.redis },
    detection,
    http: { host: listen.host, port: listen.port },
    source: sections.source ?? {},
    ...(sections.policy === undefined ? {} : { policy: sections.policy }),
  };
}

export async function runOnKafka(opts: KafkaRunOptions & Record<string, unknown>): Promise<void> {
  const given = FILE_MODE_FLAGS.filter(([key]) => opts[key] !== undefined && opts[key] !== false);
  if (given.length)
    throw new UsageError(
      `${given.map(([, flag]) => flag).join(', ')}: not with --kafka (the input is the raw topics, the outputs go ` +
        'to the detector topics)',
    );
  const raw = opts.config ? readConfigFile(opts.config) : {};
  const sections = splitConfigSections(raw);
  // The source mapping and --source checked here as for a file (a gateway mismatch, a bad mapping).
  loadSource(opts, process.env, sections.source);
  // NestJS and the detector are loaded only for this mode.
  const detectorPackage = await import('@vigil/detector');
  let config: DetectorConfig;
  try {
    // Only the secrets come from the environment (as for `vigil run` on files); flags set the rest.
    const secrets = { VIGIL_HASH_KEY: process.env['VIGIL_HASH_KEY'], VIGIL_AUDIT_KEY: process.env['VIGIL_AUDIT_KEY'] };
    config = detectorPackage.parseDetectorConfig(detectorConfigFromFlags(opts, sections), secrets, 'vigil run --kafka');
  } catch (err) {
    if (err instanceof detectorPackage.DetectorConfigError) throw new UsageError(err.message);
    throw err;
  }

  const problem = (await checkKafka(config)) ?? (await checkRedis(config.redis.url!));
  if (problem) return fail(problem);

  const log = createLogger({ name: 'vigil-run', level: config.logLevel });
  let stopping = false;
  let closed!: () => void;
  const appClosed = new Promise<void>((resolve) => (closed = resolve));
  let detector: { state: string } | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) {
      stopping = true;
      log.info({ signal }, 'stopping');
    } else if (detector?.state === 'stopped' || detector?.state === 'failed') closed();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const running = await detectorPackage.createDetectorApp(config, { log });
    detector = running.detector;
    try {
      await running.app.listen(config.http.port, config.http.host);
    } catch (err) {
      await running.app.close().catch((closeErr: Error) => log.warn({ err: closeErr }, 'closing after a failed start'));
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL')
        throw new UsageError(`--listen ${opts.listen}: ${e.code}`);
      return fail(`vigil: the detector did not start: ${e.message}`);
    }
    const { port } = running.app.getHttpServer().address() as AddressInfo;
    process.stderr.write(
      `vigil run: listening on http://${config.http.host}:${port} (detector on Kafka ${config.kafka.brokers.join(',')}: ` +
        '/metrics, /health, /ready)\n',
    );
    const failure = await Promise.race([appClosed.then(() => null), failed(running.detector)]);
    if (failure) {
      await running.app.close();
      return fail(`vigil: the detector stopped on an error: ${failure.message}`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await new Promise<void>((resolve) => log.flush(() => resolve()));
  }
}

/** Resolves with the detector's error once it has failed (it never does while it runs well). */
function failed(detector: { state: string; failure: Error | null }): Promise<Error | null> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (detector.state === 'stopping' || detector.state === 'stopped') clearInterval(timer);
      else if (detector.state === 'failed') {
        clearInterval(timer);
        resolve(detector.failure ?? new Error('unknown failure'));
      }
    }, FAILURE_POLL_MS);
    timer.unref();
  });
}

/** The brokers answer, the producer can be idempotent, and the topics exist (missing ones: a warning). */
async function checkKafka(config: DetectorConfig): Promise<string | null> {
  let connected;
  try {
    connected = await connectAdmin(config.kafka.brokers, {
      clientId: config.kafka.clientId,
      budgetMs: REACH_BUDGET_MS,
    });
  } catch (err) {
    if (err instanceof BrokersUnreachableError) return `vigil: ${err.message}`;
    throw err;
  }
  const { admin, cluster } = connected;
  try {
    if (config.kafka.idempotentProducer && !hasReachableController(cluster))
      return (
        `vigil: the cluster names controller ${cluster.controller ?? 'none'}, which is not among its brokers; ` +
        "kafkajs's idempotent producer needs it. Use --no-idempotent-producer for such a broker (a test mock): " +
        'acks=-1 stays, but a retried send may then be written twice'
      );
    const existing = await readTopics(admin);
    const t = config.kafka.topics;
    const wanted = [...config.sources.map((s) => s.topic), t.decisions, t.alerts, t.audit, t.deadLetters];
    const missing = wanted.filter((name) => !existing.has(name));
    if (missing.length)
      process.stderr.write(
        `vigil run: warning: ${missing.join(', ')} not on the cluster (created on first use only where the brokers ` +
          `auto-create topics): vigil topics create --brokers ${config.kafka.brokers.join(',')} --raw-topic ` +
          `${config.sources.map((s) => s.topic).join(' ')}\n`,
      );
    return null;
  } finally {
    await admin.disconnect();
  }
}

/** PING within the budget; the URL's password never reaches a message. */
async function checkRedis(url: string): Promise<string | null> {
  const { Redis } = await import('ioredis');
  const deadline = Date.now() + REACH_BUDGET_MS;
  let last = '';
  while (Date.now() < deadline) {
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: 2_000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined); // reported below through the rejected connect/ping
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return null;
    } catch (err) {
      last = (err as Error).message;
    } finally {
      client.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return `vigil: cannot reach Redis at ${redactUrl(url)} within ${REACH_BUDGET_MS / 1000} s: ${last}`;
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(the --redis URL)';
  }
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function fail(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exitCode = 1;
}
