/**
 * The detector's Prometheus metrics, in the app's own Registry (never prom-client's global one).
 * Consumer lag comes from each fetch's high watermark (kafkajs hands it with the batch): free, but only
 * as fresh as the partition's last fetch.
 */
import type { DetectionSetup } from '@vigil/detection';
import { Counter, Gauge, Histogram, createMetricsRegistry, type Registry } from '@vigil/platform';

export class DetectorMetrics {
  readonly registry: Registry;
  readonly eventsConsumed: Counter<'source' | 'outcome'>;
  readonly batchSize: Histogram;
  readonly batchSeconds: Histogram;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  readonly decisions: Counter<'detector' | 'action'>;
  readonly alerts: Counter<'detector' | 'severity'>;
  readonly shadowDecisions: Counter<'detector' | 'action'>;
  readonly shadowTargets: Counter<'detector' | 'side'>;
  readonly shadowTargetsBoth: Counter<'detector'>;
  readonly deadLetters: Counter<'reason'>;
  readonly detectionSeconds: Histogram<'stage'>;
  readonly endToEndSeconds: Histogram<'source'>;
  readonly checkpointBytes: Histogram;
  readonly commitsRefused: Counter;
  readonly consumerRestarts: Counter;
  readonly partitionsOwned: Gauge;
  readonly windowEntities: Gauge<'topic' | 'partition'>;
  readonly windowEvictions: Counter<'reason'>;
  readonly notKeyedByAddress: Counter<'topic'>;
  readonly routed: Counter<'source'>;
  readonly routedDuplicates: Counter;
  readonly modelInfo: Gauge<'detector' | 'version' | 'backend' | 'role'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [(this.registry = createMetricsRegistry({ defaultMetrics: options.defaultMetrics ?? true }))];
    this.eventsConsumed = new Counter({
      name: 'vigil_events_consumed_total',
      help: 'Records consumed, by source topic and outcome (event or dead_letter)',
      labelNames: ['source', 'outcome'],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'vigil_batch_size',
      help: 'Records per Kafka fetch handled',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'vigil_batch_seconds',
      help: 'Wall time from a fetch handed over to its outputs acknowledged and offsets committed',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'vigil_consumer_lag',
      help: 'Records behind the partition high watermark at the last fetch',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.decisions = new Counter({
      name: 'vigil_decisions_total',
      help: 'Decisions produced, by detector and action',
      labelNames: ['detector', 'action'],
      registers,
    });
    this.shadowDecisions = new Counter({
      name: 'vigil_shadow_decisions_total',
      help: 'Of vigil_decisions_total, those made in shadow (a challenger model, a detector or policy in shadow mode): produced, never enforced',
      labelNames: ['detector', 'action'],
      registers,
    });
    this.shadowTargets = new Counter({
      name: 'vigil_shadow_comparison_targets_total',
      help: 'Champion/challenger (detection.shadowModels): targets (scope:value) first decided by each side (champion or challenger), per detector with a challenger',
      labelNames: ['detector', 'side'],
      registers,
    });
    this.shadowTargetsBoth = new Counter({
      name: 'vigil_shadow_comparison_both_total',
      help: 'Of vigil_shadow_comparison_targets_total, targets both sides decided (counted when the second one did): overlap = both / (champion + challenger - both)',
      labelNames: ['detector'],
      registers,
    });
    this.alerts = new Counter({
      name: 'vigil_alerts_total',
      help: 'Alerts produced, by detector and severity',
      labelNames: ['detector', 'severity'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'vigil_dead_letters_total',
      help: 'Records dead-lettered, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.detectionSeconds = new Histogram({
      name: 'vigil_detection_batch_seconds',
      help: 'Wall time per detection batch, by stage: windows_and_detect (Redis windows, models, policy) or produce_and_checkpoint (outputs acknowledged, partition checkpoint written)',
      labelNames: ['stage'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.endToEndSeconds = new Histogram({
      name: 'vigil_end_to_end_seconds',
      help: "From the Kafka timestamp of a detection batch's oldest record to the batch's decisions acknowledged",
      labelNames: ['source'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
      registers,
    });
    this.checkpointBytes = new Histogram({
      name: 'vigil_partition_checkpoint_bytes',
      help: 'Size of each partition checkpoint written to Redis (engine state)',
      buckets: [1e3, 1e4, 1e5, 1e6, 4e6, 16e6],
      registers,
    });
    this.commitsRefused = new Counter({
      name: 'vigil_commits_refused_total',
      help: 'Offset commits refused because the consumer group was rebalancing',
      registers,
    });
    this.consumerRestarts = new Counter({
      name: 'vigil_consumer_restarts_total',
      help: 'Kafka consumers rebuilt after an error kafkajs would not retry (a group-protocol error in a rebalance)',
      registers,
    });
    this.windowEntities = new Gauge({
      name: 'vigil_window_entities',
      help: 'redis.windows: partition — entities a partition holds in memory (at most redis.maxEntitiesPerPartition)',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.windowEvictions = new Counter({
      name: 'vigil_window_evictions_total',
      help: 'redis.windows: partition — entities dropped from a partition (and from its Redis copy), by reason: cap (the least recently seen, over maxEntitiesPerPartition) or ttl (idle past their state TTL)',
      labelNames: ['reason'],
      registers,
    });
    this.notKeyedByAddress = new Counter({
      name: 'vigil_records_not_keyed_by_address_total',
      help: 'redis.windows: partition — events whose Kafka key is not their client address (their address is then counted per partition, in pieces)',
      labelNames: ['topic'],
      registers,
    });
    this.routed = new Counter({
      name: 'vigil_records_routed_total',
      help: 'kafka.repartition — raw records the router read and re-produced keyed by client address (topic) or to every lane whose key they carry (lanes), by source topic',
      labelNames: ['source'],
      registers,
    });
    this.routedDuplicates = new Counter({
      name: 'vigil_routed_duplicates_total',
      help: 'kafka.repartition — records the router produced again (after its crash or a rebalance), recognised by their source offset and not applied twice',
      registers,
    });
    this.partitionsOwned = new Gauge({
      name: 'vigil_partitions_assigned',
      help: 'Raw-topic partitions assigned to this instance by the consumer group',
      registers,
    });
    this.modelInfo = new Gauge({
      name: 'vigil_model_info',
      help: 'Models loaded (value 1), with their version, role (active or shadow) and TF.js backend',
      labelNames: ['detector', 'version', 'backend', 'role'],
      registers,
    });
  }

  noteModels(setup: Pick<DetectionSetup, 'models' | 'shadow' | 'runtime'>): void {
    const backend = setup.runtime?.backend ?? 'none';
    for (const [role, set] of [
      ['active', setup.models],
      ['shadow', setup.shadow],
    ] as const)
      for (const m of set.values()) this.modelInfo.set({ detector: m.detector, version: m.version, backend, role }, 1);
  }
}
