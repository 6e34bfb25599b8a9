/**
 * What `vigil topics create` asks a Kafka cluster for, and how that compares with what the cluster has:
 * pure functions over plain data, so the plan can be printed (`--dry-run`) and tested without a broker.
 *
 * Topics: the raw log topics the detector consumes, and its four outputs. The decisions topic is keyed
 * `scope:value` and read as a table by enforcement points, so it is log-compacted (the latest decision
 * per key survives); the others keep the cluster's time-based retention.
 */
import { UsageError } from '../errors';

export type TopicRole = 'raw' | 'repartition' | 'decisions' | 'alerts' | 'audit' | 'dead-letters';

/** Topic names by role, as in the detector config (`sources[].topic`, `kafka.topics`). */
export interface TopicNames {
  readonly raw: readonly string[];
  /**
   * `kafka.repartition`: the raw records re-keyed by the detector's router — by client address (`topic`),
   * or one topic per detection lane (`lanes`).
   */
  readonly repartition?: readonly string[];
  readonly decisions: string;
  readonly alerts: string;
  readonly audit: string;
  readonly deadLetters: string;
}

export interface ConfigEntry {
  readonly name: string;
  readonly value: string;
}

/** One CreateTopics entry, in kafkajs's field names. */
export interface PlannedTopic {
  readonly topic: string;
  readonly role: TopicRole;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  readonly configEntries: readonly ConfigEntry[];
}

export interface PlanOptions {
  readonly partitions: number;
  readonly replicationFactor: number;
}

/** What the cluster holds for a topic of the plan (`cleanupPolicy` null: not read). */
export interface ExistingTopic {
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly cleanupPolicy: string | null;
}

export type TopicCheck =
  | { readonly kind: 'missing'; readonly planned: PlannedTopic }
  | {
      readonly kind: 'exists';
      readonly planned: PlannedTopic;
      readonly existing: ExistingTopic;
      /** Differences worth a look; the topic is left as it is either way. */
      readonly warnings: readonly string[];
    };

/**
 * With three or more replicas, a write acknowledged by all in-sync replicas (the producers' acks=-1)
 * must have reached two of them; otherwise a leader alone could acknowledge it and lose it with its disk.
 */
const MIN_INSYNC_REPLICAS = 2;

/** Kafka's own rule for topic names (`.` and `..` are refused as well). */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export function planTopics(names: TopicNames, options: PlanOptions): PlannedTopic[] {
  const { partitions, replicationFactor } = options;
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 10_000)
    throw new UsageError(`--partitions must be a whole number from 1 to 10000, got ${partitions}`);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1 || replicationFactor > 32)
    throw new UsageError(`--replication-factor must be a whole number from 1 to 32, got ${replicationFactor}`);
  if (names.raw.length === 0) throw new UsageError('no raw log topic: name one with --raw-topic or in --config');

  const byRole: [TopicRole, string][] = [
    ...names.raw.map((t): [TopicRole, string] => ['raw', t]),
    ...(names.repartition ?? []).map((t): [TopicRole, string] => ['repartition', t]),
    ['decisions', names.decisions],
    ['alerts', names.alerts],
    ['audit', names.audit],
    ['dead-letters', names.deadLetters],
  ];
  const seen = new Map<string, TopicRole>();
  for (const [role, topic] of byRole) {
    if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..')
      throw new UsageError(`topic name ${JSON.stringify(topic)} (${role}) is not a valid Kafka topic name`);
    const other = seen.get(topic);
    if (other !== undefined) throw new UsageError(`topic ${topic} is named both as ${other} and as ${role}`);
    seen.set(topic, role);
  }

  const durability: ConfigEntry[] =
    replicationFactor >= 3 ? [{ name: 'min.insync.replicas', value: String(MIN_INSYNC_REPLICAS) }] : [];
  return byRole.map(([role, topic]) => ({
    topic,
    role,
    numPartitions: partitions,
    replicationFactor,
    configEntries: role === 'decisions' ? [{ name: 'cleanup.policy', value: 'compact' }, ...durability] : durability,
  }));
}

/** Each planned topic against what the cluster has (`existing`: by topic name, only topics that exist). */
export function checkTopics(plan: readonly PlannedTopic[], existing: ReadonlyMap<string, ExistingTopic>): TopicCheck[] {
  return plan.map((planned) => {
    const found = existing.get(planned.topic);
    if (!found) return { kind: 'missing', planned };
    const warnings: string[] = [];
    if (found.partitions !== planned.numPartitions) {
      warnings.push(
        found.partitions < planned.numPartitions
          ? `${found.partitions} partitions, fewer than the ${planned.numPartitions} planned: left as is ` +
              '(Kafka can add partitions, kafka-topics.sh --alter --partitions, but that moves keys to other partitions)'
          : `${found.partitions} partitions, more than the ${planned.numPartitions} planned: left as is`,
      );
    }
    if (found.replicationFactor < planned.replicationFactor)
      warnings.push(
        `replication ${found.replicationFactor}, less than the ${planned.replicationFactor} planned: left as is`,
      );
    const policy = planned.configEntries.find((e) => e.name === 'cleanup.policy')?.value;
    if (policy !== undefined && found.cleanupPolicy !== null && !found.cleanupPolicy.split(',').includes(policy))
      warnings.push(`cleanup.policy is ${found.cleanupPolicy}, not ${policy}: decisions would not be compacted`);
    return { kind: 'exists', planned, existing: found, warnings };
  });
}

/** `6 partitions, replication 3, cleanup.policy=compact` */
export function describePlanned(t: PlannedTopic): string {
  const entries = t.configEntries.map((e) => `${e.name}=${e.value}`);
  return [
    `${t.numPartitions} partition${t.numPartitions === 1 ? '' : 's'}`,
    `replication ${t.replicationFactor}`,
    ...entries,
  ].join(', ');
}
