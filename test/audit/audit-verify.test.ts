/**
 * `vigil audit verify` as a user runs it: the built CLI in a child process on a trail written by the
 * library, intact and then tampered with, with the key from the environment or without it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TEST_AUDIT_KEY, trailLines } from '../fixtures/builders/audit-entry';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'apps', 'cli', 'bin', 'vigil.js');

describe('vigil audit verify', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-audit-cli-'));
  const good = join(dir, 'audit.ndjson');
  const tampered = join(dir, 'audit-tampered.ndjson');
  let lines: string[] = [];

  beforeAll(async () => {
    lines = await trailLines(250, { checkpointEvery: 100 });
    writeFileSync(good, lines.join('\n') + '\n');
    const edited = [...lines];
    edited[41] = edited[41]!.replace('"score":0.97', '"score":0.07'); // line 42
    writeFileSync(tampered, edited.join('\n') + '\n');
  });

  const verify = (file: string, env: NodeJS.ProcessEnv = { VIGIL_AUDIT_KEY: TEST_AUDIT_KEY }, ...args: string[]) =>
    run(process.execPath, [CLI, 'audit', 'verify', file, ...args], { env: { PATH: process.env['PATH'], ...env } });

  it('says an intact trail is intact, with its counts, exit code 0', async () => {
    const { stdout } = await verify(good);
    expect(stdout).toContain(
      `audit trail ${good}: 250 records (188 decisions, 62 alerts), 3 checkpoints, chain intact`,
    );
    expect(stdout).not.toContain('not verified');
  });

  it('names the line an edit broke, exit code 1', async () => {
    await expect(verify(tampered)).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining(`audit trail ${tampered}: broken at line 42 (seq 41): hash_mismatch`),
    });
  });

  it('checks only the chain without a key, and says so', async () => {
    const { stdout } = await verify(good, {});
    expect(stdout).toContain('chain intact');
    expect(stdout).toContain('checkpoints were not verified (no key: set VIGIL_AUDIT_KEY)');
  });

  it('reads the key from the variable --key-env names; the wrong key is a break at line 1', async () => {
    const { stdout } = await verify(good, { AUDIT_KEY_2025: TEST_AUDIT_KEY }, '--key-env', 'AUDIT_KEY_2025');
    expect(stdout).toContain('chain intact');
    await expect(verify(good, { VIGIL_AUDIT_KEY: 'not-the-key-0123456789' })).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining('broken at line 1 (seq 0): key_mismatch'),
    });
  });

  it('exits 2 for a missing file or an unset --key-env variable', async () => {
    await expect(verify(join(dir, 'nope.ndjson'))).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('does not exist'),
    });
    await expect(verify(good, {}, '--key-env', 'NOT_SET_ANYWHERE')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('NOT_SET_ANYWHERE is not set'),
    });
  });
});
