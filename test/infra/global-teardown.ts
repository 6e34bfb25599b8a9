import { readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MOCK_BROKER_BINARY } from './kafka-broker';

const STALE_COMPILE_MS = 10 * 60 * 1000;

/**
 * Runs once after all integration tests. Servers are stopped by the tests that started them (and killed
 * with their worker otherwise, see owned-process.ts); what can remain is the half-written output of a
 * compile that was interrupted, which this removes. The compiled binary is kept for the next run.
 */
export default async function globalTeardown(): Promise<void> {
  const artifacts = dirname(MOCK_BROKER_BINARY);
  const names = await readdir(artifacts).catch(() => [] as string[]);
  // Only stale ones: another Jest run in the same tree may be compiling right now.
  const staleBefore = Date.now() - STALE_COMPILE_MS;
  await Promise.all(
    names
      .filter((name) => name.endsWith('.tmp'))
      .map(async (name) => {
        const path = join(artifacts, name);
        const info = await stat(path).catch(() => null);
        if (info && info.mtimeMs < staleBefore) await rm(path, { force: true });
      }),
  );
}
