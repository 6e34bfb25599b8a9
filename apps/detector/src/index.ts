/**
 * The detector's public face for other packages (`vigil run --kafka`, `vigil topics create`): building
 * the app from a validated config, and the config itself. `main.ts` is the service's own entry point.
 */
export { createDetectorApp, type DetectorApp } from './app';
export {
  DEFAULT_TOPICS,
  DetectorConfigError,
  loadDetectorConfig,
  parseDetectorConfig,
  repartitionTopics,
  type DetectorConfig,
} from './config/detector-config';
