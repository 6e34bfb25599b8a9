/**
 * `vigil replay` end to end, as a user runs it: the built CLI in a child process, on a file mixing good
 * records with every kind of garbage, on the main thread and on decode workers.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kongLine } from '../fixtures/builders/kong-record';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'apps', 'cli', 'bin', 'vigil.js');

const readNdjson = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('vigil replay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-replay-'));
  const input = join(dir, 'kong.ndjson');
  const good = 3000;

  beforeAll(() => {
    const lines: string[] = [];
    for (let i = 0; i < good; i++)
      lines.push(kongLine({ uri: `/v1/accounts/${i}/transactions`, method: 'GET', startedAt: 1764590400000 + i }));
    lines.splice(10, 0, '{"request": ', ''); // malformed JSON, then a blank line
    lines.splice(20, 0, kongLine({ clientIp: 'not-an-ip' }));
    lines.splice(30, 0, `{"pad":"${'x'.repeat(3 * 1024 * 1024)}"}`); // 3 MB line
    lines.splice(40, 0, '\u0000\u0001\u0002 binary garbage \u00ff');
    writeFileSync(input, lines.join('\n') + '\n');
  });

  async function replay(workers: number) {
    const out = join(dir, `events-${workers}.ndjson`);
    const dead = join(dir, `dead-${workers}.ndjson`);
    const summary = join(dir, `summary-${workers}.json`);
    const { stderr } = await run(process.execPath, [
      CLI,
      'replay',
      '--source',
      'kong',
      '--input',
      input,
      '--events-out',
      out,
      '--dead-letter',
      dead,
      '--summary-json',
      summary,
      '--workers',
      String(workers),
    ]);
    return { out, dead, stderr, summary: JSON.parse(readFileSync(summary, 'utf8')) as Record<string, unknown> };
  }

  it.each([0, 2])(
    'accounts for every line with %i decode workers, dead-lettering garbage with a reason',
    async (workers) => {
      const r = await replay(workers);
      expect(readNdjson(r.out)).toHaveLength(good);
      const dead = readNdjson(r.dead);
      expect(dead.map((d) => [d['reason'], d['position']])).toEqual([
        ['malformed_json', 'line 11'],
        ['invalid_ip', 'line 21'],
        ['record_too_large', 'line 31'],
        ['malformed_json', 'line 41'],
      ]);
      const big = dead.find((d) => d['reason'] === 'record_too_large')!;
      expect(big['rawBytes']).toBeGreaterThan(3 * 1024 * 1024);
      expect((big['raw'] as string).length).toBeLessThanOrEqual(8192);
      expect(r.summary).toMatchObject({ records: good + 4, events: good, deadLettered: 4, blankLines: 1 });
      expect(r.stderr).toContain(`${good + 4} records → ${good} events, 4 dead-lettered`);
    },
  );

  it('writes byte-identical events whether decoding on workers or not', async () => {
    const a = await replay(0);
    const b = await replay(2);
    expect(readFileSync(b.out)).toEqual(readFileSync(a.out));
  });

  it('reads stdin and writes events to stdout', async () => {
    const child = run(
      process.execPath,
      [CLI, 'replay', '--source', 'kong', '--input', '-', '--events-out', '-', '--no-progress'],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    child.child.stdin!.end(kongLine() + '\n' + kongLine({ status: 401 }) + '\n');
    const { stdout } = await child;
    expect(
      stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { status: number }).status),
    ).toEqual([200, 401]);
  });

  it('fails with a clear message and exit code 2 for a missing input or a bad config', async () => {
    await expect(
      run(process.execPath, [CLI, 'replay', '--source', 'kong', '--input', join(dir, 'nope.ndjson')]),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('does not exist'),
    });
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'trustedProxies: [not-a-cidr]\n');
    await expect(
      run(process.execPath, [CLI, 'replay', '--source', 'kong', '--input', input, '--config', bad]),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('trustedProxies.0'),
    });
  });
});
