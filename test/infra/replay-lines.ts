/**
 * `vigil replay` over a slice of Kong lines, as the tests that compare a service's decisions with the
 * embedded path's run it: the lines written to `<dir>/<name>.kong.log`, replayed in one process
 * (--workers 0), and the decisions (and alerts) read back.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const CLI = join(__dirname, '..', '..', 'apps', 'cli', 'bin', 'vigil.js');

export const readNdjson = <T = Record<string, unknown>>(file: string): T[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

export interface ReplayedLines<T> {
  readonly decisions: T[];
  readonly alerts: T[];
}

/** Replays `lines` (source kong) with `extraArgs` after the usual ones; its decisions and alerts. */
export async function replayLines<T = Record<string, unknown>>(
  dir: string,
  name: string,
  lines: readonly string[],
  extraArgs: readonly string[] = [],
): Promise<ReplayedLines<T>> {
  const input = join(dir, `${name}.kong.log`);
  writeFileSync(input, `${lines.join('\n')}\n`);
  const decisions = join(dir, `${name}-decisions.ndjson`);
  const alerts = join(dir, `${name}-alerts.ndjson`);
  await promisify(execFile)(process.execPath, [
    CLI,
    'replay',
    '--source',
    'kong',
    '--input',
    input,
    '--decisions',
    decisions,
    '--alerts',
    alerts,
    '--workers',
    '0',
    '--no-progress',
    ...extraArgs,
  ]);
  return { decisions: readNdjson<T>(decisions), alerts: readNdjson<T>(alerts) };
}
