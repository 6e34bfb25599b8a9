/**
 * The detector's Prometheus metrics, in the app's own Registry (never prom-client's global one).
 * Consumer lag comes from each fetch's high watermark (kafkajs hands it with the batch): free, but only
 * as fresh as the partition's last fetch.
 */
import { Counter, Gauge, Histogram, createMetricsRegistry, type Registry } from '@vigil/platform';

export class DetectorMetrics {
  readonly registry: Registry;
  readonly eventsConsumed: Counter<'source' | 'outcome'>;
  readonly batchSize: Histogram;
  readonly batchSeconds: Histogram;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  readonly decisions: Counter<'detector' | 'action'>;
  readonly alerts: Counter<'detector' | 'severity'>;
  readonly deadLetters: Counter<'reason'>;

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
  }
}
