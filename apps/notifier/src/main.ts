#!/usr/bin/env node
/**
 * The notifier service: `node apps/notifier/dist/main.js --config notifier.yaml` (or VIGIL_CONFIG and
 * VIGIL_* variables alone; destination secrets in VIGIL_NOTIFIER_<NAME>_TOKEN / _SECRET). SIGTERM/SIGINT:
 * each destination finishes its send in flight, commits what was delivered or dead-lettered, then the
 * consumers leave their groups and the process exits.
 */
import { createNotifierApp } from './app';
import { loadNotifierConfig, NotifierConfigError } from './config/notifier-config';

async function main(): Promise<void> {
  let config;
  try {
    config = loadNotifierConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof NotifierConfigError || (err as Error).name === 'ConfigFileError') {
      process.stderr.write(`vigil-notifier: ${(err as Error).message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { app, log, notifier } = await createNotifierApp(config);
  let exiting = false;
  const exit = async (code: number): Promise<void> => {
    if (exiting) return;
    exiting = true;
    await app.close().catch((err: Error) => log.error({ err }, 'notifier did not close cleanly'));
    // pino writes asynchronously: its last lines first, then the exit.
    log.flush(() => process.exit(code));
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => {
      log.info({ signal }, 'signal received');
      void exit(0);
    });
  // A service that can no longer consume is no service: exit non-zero so the orchestrator restarts it.
  void notifier.whenFailed.then((err) => {
    log.fatal({ err }, 'notifier failed; exiting');
    void exit(1);
  });
  await app.listen(config.http.port, config.http.host);
  log.info({ port: config.http.port, host: config.http.host }, 'notifier listening (/metrics, /health, /ready)');
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`vigil-notifier: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
