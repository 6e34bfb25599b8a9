/**
 * The notifier's public face for other packages and tests: building the app from a validated config,
 * and the config itself. `main.ts` is the service's own entry point.
 */
export { createNotifierApp, type NotifierApp } from './app';
export {
  DEFAULT_NOTIFIER_DEAD_LETTERS,
  loadNotifierConfig,
  NotifierConfigError,
  parseNotifierConfig,
  secretVariable,
  type DestinationConfig,
  type NotifierConfig,
} from './config/notifier-config';
