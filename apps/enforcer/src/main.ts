#!/usr/bin/env node
/**
 * The enforcer service: `node apps/enforcer/dist/main.js --config enforcer.yaml` (or VIGIL_CONFIG and
 * VIGIL_* variables alone). Serves the CrowdSec bouncer API, push, NGINX/Envoy checks and lists on
 * `http.port`, with /metrics, /health and /ready beside them.
 */
import { createEnforcerApp } from './app';
import { EnforcerConfigError, loadEnforcerConfig } from './config/enforcer-config';

async function main(): Promise<void> {
  let config;
  try {
    config = loadEnforcerConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof EnforcerConfigError || (err as Error).name === 'ConfigFileError') {
      process.stderr.write(`vigil-enforcer: ${(err as Error).message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { app, log, enforcer } = await createEnforcerApp(config);
  await app.listen(config.http.port, config.http.host);
  log.info(
    { port: config.http.port, host: config.http.host, tls: config.http.tls !== undefined, keys: enforcer.keys.size },
    'enforcer listening (/v1/decisions, /v1/push, /v1/check, /v1/lists, /metrics, /health, /ready)',
  );
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`vigil-enforcer: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
