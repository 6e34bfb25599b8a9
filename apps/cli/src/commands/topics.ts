/**
 * `vigil topics create`: the detector's topics — raw log topics, decisions (compacted), alerts, audit,
 * dead letters — created through the Kafka admin API (kafkajs), named as in the detector config (its
 * defaults, or `--config detector.yaml`). Topics that exist are reported and compared with the plan,
 * never altered; `--dry-run` prints the plan without contacting a broker.
 *
 * Exit codes: 0 every topic exists or was created; 1 the brokers did not answer within --wait, or the
 * cluster refused or failed a creation; 2 usage and config errors.
 */
import type { Command } from 'commander';
import type { Admin } from 'kafkajs';
import { readConfigFile } from '@vigil/platform';
import { UsageError } from '../errors';
import {
  BrokersUnreachableError,
  connectAdmin,
  createMissingTopics,
  hasReachableController,
  readCleanupPolicies,
  readTopics,
  type ClusterView,
  type TopicOutcome,
} from '../kafka/broker-admin';
import {
  checkTopics,
  describePlanned,
  planTopics,
  type PlannedTopic,
  type TopicCheck,
  type TopicNames,
} from '../kafka/topic-plan';

interface CreateOptions {
  brokers?: string;
  config?: string;
  rawTopic?: string[];
  partitions: string;
  replicationFactor: string;
  wait: string;
  dryRun: boolean;
  json: boolean;
}

export function registerTopics(program: Command): void {
  const topics = program.command('topics').description("manage the detector's Kafka topics");
  topics
    .command('create')
    .description('create the raw log, decisions (compacted), alerts, audit and dead-letter topics')
    .option(
      '-b, --brokers <list>',
      'bootstrap brokers, host:port[,host:port…] (default: the config, VIGIL_KAFKA_BROKERS)',
    )
    .option('-c, --config <file>', 'the detector config (YAML or JSON): topic names and brokers from it')
    .option('--raw-topic <name...>', 'raw log topic(s) the detector consumes (default: the config’s sources)')
    .option(
      '-p, --partitions <n>',
      'partitions per topic (a raw topic’s count caps the detector replicas that get work)',
      '6',
    )
    .option('-r, --replication-factor <n>', 'replicas per partition (1 for a single-broker cluster)', '3')
    .option('--wait <seconds>', 'how long to keep trying to reach the brokers', '15')
    .option('--dry-run', 'print the plan (what would be sent to CreateTopics) and contact no broker', false)
    .option('--json', 'print the plan or the outcome as JSON on stdout', false)
    .addHelpText(
      'after',
      `
Examples:
  vigil topics create --config deploy/detector.yaml --replication-factor 1
  vigil topics create --brokers kafka-1:9092,kafka-2:9092 --raw-topic gateway.kong --partitions 12
  vigil topics create --config detector.yaml --dry-run --json

Output topic names are the detector config's (kafka.topics, or its defaults; --dry-run lists them),
raw topics its sources[].topic unless --raw-topic names them. The
decisions topic gets cleanup.policy=compact (keyed scope:value, the latest decision per key is kept);
with 3 or more replicas every topic gets min.insync.replicas=2 (the detector produces with acks=-1).
A topic that exists is reported with its partition count and replication beside the plan's and left as
it is. Exit code 0 when every topic exists or was created, 1 when the brokers did not answer within
--wait or a topic could not be created, 2 for usage and config errors.`,
    )
    .action(async (opts: CreateOptions) => {
      await createTopics(opts);
    });
}

async function createTopics(opts: CreateOptions): Promise<void> {
  const partitions = wholeNumber('--partitions', opts.partitions);
  const replicationFactor = wholeNumber('--replication-factor', opts.replicationFactor);
  const waitSeconds = Number(opts.wait);
  if (!(Number.isFinite(waitSeconds) && waitSeconds >= 0 && waitSeconds <= 3600))
    throw new UsageError(`--wait must be a number of seconds from 0 to 3600, got "${opts.wait}"`);
  const { names, brokers } = await resolveTopicsAndBrokers(opts);
  const plan = planTopics(names, { partitions, replicationFactor });

  if (opts.dryRun) {
    if (opts.json) write({ dryRun: true, brokers, topics: plan });
    else {
      const where = brokers ? ` on ${brokers.join(',')}` : '';
      write(`vigil topics create --dry-run: would ask${where} for\n${plan.map((t) => planLine(t)).join('\n')}\n`);
    }
    return;
  }
  if (!brokers) throw new UsageError('no brokers: give --brokers host:port[,…], --config, or VIGIL_KAFKA_BROKERS');

  let connected;
  try {
    connected = await connectAdmin(brokers, { clientId: 'vigil-topics', budgetMs: waitSeconds * 1000 });
  } catch (err) {
    if (err instanceof BrokersUnreachableError) return fail(`vigil: ${err.message}`);
    throw err;
  }
  const { admin, cluster } = connected;
  try {
    const checks = await inspect(admin, cluster, plan);
    const missing = checks.filter((c) => c.kind === 'missing').map((c) => c.planned);
    const created = missing.length
      ? await createMissingTopics(admin, cluster, missing)
      : { outcomes: [], refusal: null };
    const outcomes = new Map<string, TopicOutcome>(created.outcomes.map((o) => [o.topic, o]));
    for (const c of checks)
      if (c.kind === 'exists')
        outcomes.set(c.planned.topic, { topic: c.planned.topic, status: 'exists', warnings: c.warnings });
    report(opts.json, brokers, cluster, checks, outcomes, created.refusal);
    if ([...outcomes.values()].some((o) => o.status === 'failed' || o.status === 'not-created')) process.exitCode = 1;
  } finally {
    await admin.disconnect();
  }
}

/** Topic names and brokers: flags over the detector config over its defaults. */
async function resolveTopicsAndBrokers(opts: CreateOptions): Promise<{ names: TopicNames; brokers: string[] | null }> {
  // Loaded here, not at start-up: the detector package brings NestJS, which no other command needs.
  const detector = await import('@vigil/detector');
  let config = null;
  if (opts.config) {
    try {
      config = detector.parseDetectorConfig(readConfigFile(opts.config), process.env, opts.config);
    } catch (err) {
      if (err instanceof detector.DetectorConfigError) throw new UsageError(err.message);
      throw err;
    }
  }
  const outputs = config?.kafka.topics ?? detector.DEFAULT_TOPICS;
  const names: TopicNames = {
    raw: opts.rawTopic ?? config?.sources.map((s) => s.topic) ?? [],
    ...(config?.kafka.repartition ? { repartition: detector.repartitionTopics(config.kafka.repartition) } : {}),
    decisions: outputs.decisions,
    alerts: outputs.alerts,
    audit: outputs.audit,
    deadLetters: outputs.deadLetters,
  };
  const fromEnv = process.env['VIGIL_KAFKA_BROKERS'];
  const list = opts.brokers ?? (config ? config.kafka.brokers.join(',') : fromEnv);
  const brokers = list
    ? list
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean)
    : null;
  if (brokers && !brokers.every((b) => /^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(b)))
    throw new UsageError(`--brokers must be host:port[,host:port…], got "${list}"`);
  return { names, brokers: brokers?.length ? brokers : null };
}

/** The plan against the cluster's topics; `cleanup.policy` read where the plan sets one and the topic exists. */
async function inspect(admin: Admin, cluster: ClusterView, plan: readonly PlannedTopic[]): Promise<TopicCheck[]> {
  const shapes = await readTopics(admin);
  const withPolicy = plan.filter(
    (t) => shapes.has(t.topic) && t.configEntries.some((e) => e.name === 'cleanup.policy'),
  );
  let policies = new Map<string, string>();
  if (withPolicy.length && hasReachableController(cluster))
    policies = await readCleanupPolicies(
      admin,
      withPolicy.map((t) => t.topic),
    );
  const existing = new Map(
    [...shapes].map(([topic, shape]) => [topic, { ...shape, cleanupPolicy: policies.get(topic) ?? null }] as const),
  );
  const checks = checkTopics(plan, existing);
  if (withPolicy.length && !hasReachableController(cluster))
    return checks.map((c) =>
      c.kind === 'exists' && withPolicy.includes(c.planned)
        ? { ...c, warnings: [...c.warnings, 'cleanup.policy not checked (the cluster names no reachable controller)'] }
        : c,
    );
  return checks;
}

function report(
  json: boolean,
  brokers: readonly string[],
  cluster: ClusterView,
  checks: readonly TopicCheck[],
  outcomes: ReadonlyMap<string, TopicOutcome>,
  refusal: string | null,
): void {
  if (json) {
    write({
      brokers,
      cluster: { id: cluster.clusterId, brokers: cluster.brokers.length, controller: cluster.controller },
      topics: checks.map((c) => ({
        ...c.planned,
        ...outcomes.get(c.planned.topic),
        existing: c.kind === 'exists' ? c.existing : null,
      })),
      ...(refusal ? { refusal } : {}),
    });
  } else {
    const lines = checks.map((c) => {
      const o = outcomes.get(c.planned.topic)!;
      switch (o.status) {
        case 'created':
          return `  ${c.planned.topic}: created (${describePlanned(c.planned)})`;
        case 'exists': {
          const shape =
            c.kind === 'exists'
              ? ` (${c.existing.partitions} partitions, replication ${c.existing.replicationFactor})`
              : '';
          return [`  ${c.planned.topic}: exists${shape}`, ...o.warnings.map((w) => `    warning: ${w}`)].join('\n');
        }
        case 'not-created':
          return `  ${c.planned.topic}: missing, not created (would be ${describePlanned(c.planned)})`;
        case 'failed':
          return `  ${c.planned.topic}: FAILED: ${o.error}`;
      }
    });
    write(`vigil topics create on ${brokers.join(',')} (cluster ${cluster.clusterId}):\n${lines.join('\n')}\n`);
  }
  if (refusal) process.stderr.write(`vigil: topics not created: ${refusal}\n`);
  const failed = [...outcomes.values()].filter((o) => o.status === 'failed');
  if (failed.length) process.stderr.write(`vigil: ${failed.length} topic(s) could not be created (see above)\n`);
}

function planLine(t: PlannedTopic): string {
  return `  ${t.topic} (${t.role}): ${describePlanned(t)}`;
}

function wholeNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
    throw new UsageError(`${flag} must be a whole number, got "${value}"`);
  return n;
}

function write(out: string | object): void {
  process.stdout.write(typeof out === 'string' ? out : JSON.stringify(out, null, 2) + '\n');
}

function fail(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exitCode = 1;
}
