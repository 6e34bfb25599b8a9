export { readConfigFile, ConfigFileError } from './config/config-file';
export { serviceConfigSource, validateServiceConfig } from './config/service-config';
export type { SchemaResult } from './config/service-config';
export { createLogger } from './logging/logger';
export { PinoNestLogger } from './logging/pino-nest-logger';
export type { Logger, LoggerConfig } from './logging/logger';
export { createMetricsRegistry, Counter, Gauge, Histogram, Registry } from './metrics/metrics-registry';
export type { MetricsRegistryOptions } from './metrics/metrics-registry';
