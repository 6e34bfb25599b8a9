/** The enforcer's public face for other packages and tests: building the app from a validated config. */
export { createEnforcerApp, type EnforcerApp } from './app';
export {
  EnforcerConfigError,
  loadEnforcerConfig,
  parseEnforcerConfig,
  ENFORCER_ROLES,
  type EnforcerConfig,
  type EnforcerRole,
} from './config/enforcer-config';
export { CHECK_KEY_HEADER, ENVOY_CHECK_PREFIX, NGINX_CHECK_PATH } from './http/check-handler';
