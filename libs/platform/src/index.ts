export { readConfigFile, ConfigFileError } from './config/config-file';
export { createLogger } from './logging/logger';
export type { Logger, LoggerConfig } from './logging/logger';
