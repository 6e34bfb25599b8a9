/**
 * prom-client behind one factory: every app (and every test) gets its own Registry, never the global one,
 * so two apps in one process, or two tests in one Jest worker, do not fight over metric names.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

export interface MetricsRegistryOptions {
  /** Process metrics (CPU, memory, event-loop lag, GC, handles); default true. */
  readonly defaultMetrics?: boolean;
}

export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
