/**
 * Reaching a Kafka cluster from the CLI within a time budget, and reading what `vigil topics create` and
 * `vigil run --kafka` need to know about it. kafkajs retries each request itself; here each attempt is
 * one short connect + DescribeCluster (Metadata), repeated with backoff until the budget is spent, so
 * "the brokers are not up yet" (a compose start) and "wrong address" both end in one clear sentence.
 */
import { ConfigResourceTypes, Kafka, logLevel, type Admin, type ITopicMetadata } from 'kafkajs';
import type { ExistingTopic, PlannedTopic } from './topic-plan';

/** The brokers did not answer within the budget: the message names them and the last error. */
export class BrokersUnreachableError extends Error {
  override readonly name = 'BrokersUnreachableError';
}

export interface ClusterView {
  readonly brokers: readonly { readonly nodeId: number; readonly host: string; readonly port: number }[];
  /** The controller id the cluster names (KRaft: a broker that forwards admin requests to the quorum). */
  readonly controller: number | null;
  readonly clusterId: string;
}

export interface ConnectedAdmin {
  readonly admin: Admin;
  readonly cluster: ClusterView;
}

export interface ConnectOptions {
  readonly clientId: string;
  /** Total time to keep trying, in ms. */
  readonly budgetMs: number;
}

const MAX_BACKOFF_MS = 2_000;

export async function connectAdmin(brokers: readonly string[], options: ConnectOptions): Promise<ConnectedAdmin> {
  const deadline = Date.now() + options.budgetMs;
  let backoff = 250;
  let lastError: Error | null = null;
  for (;;) {
    const remaining = deadline - Date.now();
    const kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...brokers],
      logLevel: logLevel.NOTHING,
      connectionTimeout: Math.max(250, Math.min(3_000, remaining)),
      requestTimeout: 10_000,
      // One try per attempt: the loop here is the retry, bounded by the budget.
      retry: { retries: 0 },
    });
    // Admin requests after connecting (CreateTopics meeting a controller move) may retry a little.
    const admin = kafka.admin({ retry: { retries: 3, initialRetryTime: 300, maxRetryTime: 2_000 } });
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return { admin, cluster };
    } catch (err) {
      lastError = err as Error;
      await admin.disconnect().catch(() => undefined); // the attempt failed already; its cleanup cannot add news
    }
    const wait = Math.min(backoff, deadline - Date.now());
    if (wait <= 0) break;
    await new Promise((resolve) => setTimeout(resolve, wait));
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
  const seconds = Math.round(options.budgetMs / 100) / 10;
  throw new BrokersUnreachableError(
    `cannot reach Kafka at ${brokers.join(',')} within ${seconds} s` +
      (lastError ? `: ${lastError.message.replace(/\s+/g, ' ').trim()}` : ''),
  );
}

/**
 * kafkajs sends CreateTopics (and DescribeConfigs, and the idempotent producer's set-up) to the broker the
 * cluster names as controller; a cluster that names one that is not among its brokers (librdkafka's mock
 * does) cannot serve them through kafkajs.
 */
export function hasReachableController(cluster: ClusterView): boolean {
  return cluster.controller !== null && cluster.brokers.some((b) => b.nodeId === cluster.controller);
}

/** Every topic the cluster has, with its partition count and replication (Metadata; creates nothing). */
export async function readTopics(admin: Admin): Promise<Map<string, Omit<ExistingTopic, 'cleanupPolicy'>>> {
  const { topics } = await admin.fetchTopicMetadata();
  return new Map(topics.map((t: ITopicMetadata) => [t.name, shapeOf(t)]));
}

function shapeOf(t: ITopicMetadata): Omit<ExistingTopic, 'cleanupPolicy'> {
  return {
    partitions: t.partitions.length,
    replicationFactor: Math.max(0, ...t.partitions.map((p) => p.replicas.length)),
  };
}

/** `cleanup.policy` of the given topics (DescribeConfigs, answered by the controller). */
export async function readCleanupPolicies(admin: Admin, topics: readonly string[]): Promise<Map<string, string>> {
  if (!topics.length) return new Map();
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy'] })),
  });
  const out = new Map<string, string>();
  for (const r of resources) {
    const entry = r.configEntries.find((e) => e.configName === 'cleanup.policy');
    if (entry) out.set(r.resourceName, entry.configValue);
  }
  return out;
}

/** What became of one planned topic. */
export type TopicOutcome =
  | { readonly topic: string; readonly status: 'created' }
  | { readonly topic: string; readonly status: 'exists'; readonly warnings: readonly string[] }
  | { readonly topic: string; readonly status: 'failed' | 'not-created'; readonly error: string };

export interface CreateResult {
  readonly outcomes: readonly TopicOutcome[];
  /** Why nothing was sent (no controller, too few brokers); null when CreateTopics was sent. */
  readonly refusal: string | null;
}

/**
 * Creates the missing topics in one CreateTopics request, unless the cluster evidently cannot: no
 * reachable controller, or fewer brokers than the replication asked for (Kafka would refuse each topic
 * with INVALID_REPLICATION_FACTOR; the sentence here also says what to pass instead).
 */
export async function createMissingTopics(
  admin: Pick<Admin, 'createTopics'>,
  cluster: ClusterView,
  missing: readonly PlannedTopic[],
): Promise<CreateResult> {
  const refused = (refusal: string): CreateResult => ({
    outcomes: missing.map((t) => ({ topic: t.topic, status: 'not-created', error: refusal })),
    refusal,
  });
  if (!hasReachableController(cluster)) {
    const ids = cluster.brokers.map((b) => b.nodeId).join(', ');
    return refused(
      `the cluster names controller ${cluster.controller ?? 'none'}, which is not among its brokers (${ids}), so it ` +
        'cannot serve CreateTopics (a mock or proxy that serves no admin API?); create the topics reported ' +
        '"not created" with the cluster\'s own tools',
    );
  }
  const brokers = cluster.brokers.length;
  const tooMany = missing.find((t) => t.replicationFactor > brokers);
  if (tooMany)
    return refused(
      `--replication-factor ${tooMany.replicationFactor} is more than the cluster's ${brokers} ` +
        `broker${brokers === 1 ? '' : 's'}: use --replication-factor ${brokers} or fewer`,
    );
  try {
    await admin.createTopics({
      topics: missing.map((t) => ({
        topic: t.topic,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        configEntries: t.configEntries.map((e) => ({ name: e.name, value: e.value })),
      })),
      waitForLeaders: true,
      timeout: 30_000,
    });
    return { outcomes: missing.map((t) => ({ topic: t.topic, status: 'created' })), refusal: null };
  } catch (err) {
    // Per-topic errors come as one KafkaJSAggregateError of KafkaJSCreateTopicErrors (topic, type); the
    // topics it does not name were created.
    const errors = (err as { errors?: readonly { topic?: string; type?: string; message: string }[] }).errors;
    if (!Array.isArray(errors)) {
      const message = (err as Error).message;
      return { outcomes: missing.map((t) => ({ topic: t.topic, status: 'failed', error: message })), refusal: null };
    }
    const byTopic = new Map(errors.filter((e) => e.topic).map((e) => [e.topic!, e]));
    return {
      outcomes: missing.map((t): TopicOutcome => {
        const e = byTopic.get(t.topic);
        if (!e) return { topic: t.topic, status: 'created' };
        if (e.type === 'TOPIC_ALREADY_EXISTS')
          return { topic: t.topic, status: 'exists', warnings: ['created meanwhile by someone else'] };
        return { topic: t.topic, status: 'failed', error: `${e.type ?? 'error'}: ${e.message}` };
      }),
      refusal: null,
    };
  }
}
