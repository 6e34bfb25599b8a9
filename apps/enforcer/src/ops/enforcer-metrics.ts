/** The enforcer's Prometheus metrics, in the app's own Registry (never prom-client's global one). */
import type { DecisionScope } from '@vigil/detection';
import { Counter, Gauge, Histogram, createMetricsRegistry, type Registry } from '@vigil/platform';

export class EnforcerMetrics {
  readonly registry: Registry;
  readonly recordsRead: Counter<'kind'>;
  readonly changes: Counter<'kind'>;
  readonly deadLetters: Counter<'reason'>;
  readonly activeDecisions: Gauge<'scope'>;
  readonly requests: Counter<'api' | 'status'>;
  readonly checkSeconds: Histogram<'flavour'>;
  readonly checks: Counter<'flavour' | 'action'>;
  readonly rateLimited: Counter<'api' | 'key'>;
  readonly pushClients: Gauge<'transport'>;
  readonly bouncers: Gauge;

  constructor(options: { defaultMetrics?: boolean; activeByScope?: () => Record<DecisionScope, number> } = {}) {
    const registers = [(this.registry = createMetricsRegistry({ defaultMetrics: options.defaultMetrics ?? true }))];
    this.recordsRead = new Counter({
      name: 'vigil_enforcer_records_read_total',
      help: 'Records read from the decisions topic, by kind (decision or revocation)',
      labelNames: ['kind'],
      registers,
    });
    this.changes = new Counter({
      name: 'vigil_enforcer_changes_total',
      help: 'Changes to the active set: added, expired, revoked, replaced',
      labelNames: ['kind'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'vigil_enforcer_dead_letters_total',
      help: 'Records on the decisions topic that are not decisions, by reason',
      labelNames: ['reason'],
      registers,
    });
    const byScope = options.activeByScope;
    this.activeDecisions = new Gauge({
      name: 'vigil_enforcer_active_decisions',
      help: 'Decisions in force, by scope',
      labelNames: ['scope'],
      registers,
      collect() {
        if (!byScope) return;
        for (const [scope, n] of Object.entries(byScope())) this.set({ scope }, n);
      },
    });
    this.requests = new Counter({
      name: 'vigil_enforcer_requests_total',
      help: 'API requests, by API (bouncer, check, push, lists, admin) and HTTP status',
      labelNames: ['api', 'status'],
      registers,
    });
    this.checkSeconds = new Histogram({
      name: 'vigil_enforcer_check_seconds',
      help: 'Time to answer an auth_request or ext_authz check, in the enforcer',
      labelNames: ['flavour'],
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05],
      registers,
    });
    this.checks = new Counter({
      name: 'vigil_enforcer_checks_total',
      help: 'Checks answered, by flavour (nginx, envoy) and the action applied (allow, block, ...)',
      labelNames: ['flavour', 'action'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'vigil_enforcer_rate_limited_total',
      help: 'Requests refused with 429 by the enforcer’s own rate limit, by API and key name',
      labelNames: ['api', 'key'],
      registers,
    });
    this.pushClients = new Gauge({
      name: 'vigil_enforcer_push_clients',
      help: 'Enforcement points connected for push, by transport (sse, long_poll)',
      labelNames: ['transport'],
      registers,
    });
    this.bouncers = new Gauge({
      name: 'vigil_enforcer_bouncers',
      help: 'CrowdSec bouncers (key and address) that have pulled the stream',
      registers,
    });
  }
}
