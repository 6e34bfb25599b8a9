/**
 * The default names of Vigil's own topics, the one place they are written: the detector writes decisions,
 * alerts, audit lines and dead letters; the enforcer reads decisions; the notifier reads alerts;
 * `vigil topics create` plans them all when no config names them.
 */
export const DEFAULT_TOPICS = {
  decisions: 'vigil.decisions',
  alerts: 'vigil.alerts',
  audit: 'vigil.audit',
  deadLetters: 'vigil.dead-letters',
} as const;
