/**
 * The notifier's Prometheus metrics, in the app's own Registry, every series by destination.
 * A record is counted once as delivered or dead-lettered; failed sends and retries count attempts.
 */
import { Counter, Gauge, Histogram, createMetricsRegistry, type Registry } from '@vigil/platform';

export class NotifierMetrics {
  readonly registry: Registry;
  readonly consumed: Counter<'destination' | 'outcome'>;
  readonly delivered: Counter<'destination'>;
  readonly failed: Counter<'destination' | 'code'>;
  readonly retried: Counter<'destination'>;
  readonly deadLettered: Counter<'destination' | 'reason'>;
  readonly sendSeconds: Histogram<'destination'>;
  readonly deliveryLatency: Histogram<'destination'>;
  readonly consumerLag: Gauge<'destination' | 'partition'>;
  readonly commitsRefused: Counter<'destination'>;
  readonly consumerRestarts: Counter<'destination'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [(this.registry = createMetricsRegistry({ defaultMetrics: options.defaultMetrics ?? true }))];
    const byDestination = ['destination'] as const;
    this.consumed = new Counter({
      name: 'vigil_notifier_records_consumed_total',
      help: 'Alerts-topic records read, by destination and outcome (alert, or invalid: not an alert, dead-lettered)',
      labelNames: ['destination', 'outcome'],
      registers,
    });
    this.delivered = new Counter({
      name: 'vigil_notifier_delivered_total',
      help: 'Alerts delivered to the destination (accepted by HEC/webhook/Kafka; written to the socket for syslog)',
      labelNames: byDestination,
      registers,
    });
    this.failed = new Counter({
      name: 'vigil_notifier_failed_sends_total',
      help: 'Alerts in a send that did not deliver them, by the transport code (http_503, connect_error, …)',
      labelNames: ['destination', 'code'],
      registers,
    });
    this.retried = new Counter({
      name: 'vigil_notifier_retried_total',
      help: 'Alerts sent again after a failed send',
      labelNames: byDestination,
      registers,
    });
    this.deadLettered = new Counter({
      name: 'vigil_notifier_dead_lettered_total',
      help: 'Records dead-lettered, by reason (siem_refused, retries_exhausted, record_too_large, malformed_json, …)',
      labelNames: ['destination', 'reason'],
      registers,
    });
    this.sendSeconds = new Histogram({
      name: 'vigil_notifier_send_seconds',
      help: 'Wall time of one send to the destination (a request, a write, a produce)',
      labelNames: byDestination,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: 'vigil_notifier_delivery_latency_seconds',
      help: "From the alert's Kafka timestamp (when the detector produced it) to its delivery",
      labelNames: byDestination,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'vigil_notifier_consumer_lag',
      help: 'Alerts-topic records behind the partition high watermark at the last fetch',
      labelNames: ['destination', 'partition'],
      registers,
    });
    this.commitsRefused = new Counter({
      name: 'vigil_notifier_commits_refused_total',
      help: 'Offset commits refused because the consumer group was rebalancing (the records are sent again)',
      labelNames: byDestination,
      registers,
    });
    this.consumerRestarts = new Counter({
      name: 'vigil_notifier_consumer_restarts_total',
      help: 'Kafka consumers rebuilt after an error kafkajs would not retry',
      labelNames: byDestination,
      registers,
    });
  }
}
