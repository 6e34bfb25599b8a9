#!/usr/bin/env node
/**
 * The detector service: `node apps/detector/dist/main.js --config detector.yaml` (or VIGIL_CONFIG and
 * VIGIL_* variables alone). SIGTERM/SIGINT: the fetch in hand is finished, held events detected, outputs
 * produced, offsets committed, then it disconnects and exits.
 */
import { createDetectorApp } from './app';
import { DetectorConfigError, loadDetectorConfig } from './config/detector-config';

async function main(): Promise<void> {
  let config;
  try {
    config = loadDetectorConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof DetectorConfigError || (err as Error).name === 'ConfigFileError') {
      process.stderr.write(`vigil-detector: ${(err as Error).message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { app, log, detector } = await createDetectorApp(config);
  // A service that can no longer consume is no service: exit non-zero so the orchestrator restarts it.
  void detector.whenFailed.then(async (err) => {
    log.fatal({ err }, 'detector failed; exiting');
    await app.close().catch(() => undefined);
    process.exit(1);
  });
  await app.listen(config.http.port, config.http.host);
  log.info({ port: config.http.port, host: config.http.host }, 'detector listening (/metrics, /health, /ready)');
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`vigil-detector: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
