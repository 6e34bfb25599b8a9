import { appendFileSync, createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { auditEntries, TEST_AUDIT_KEY, TEST_CONFIG_DIGEST } from '../../../../test/fixtures/builders/audit-entry';
import { AuditTrailError, openAuditTrailFile, readAuditLines, readAuditTrailHead } from './audit-file';
import { verifyAuditTrail } from './verify-audit-trail';

const options = { key: TEST_AUDIT_KEY, configDigest: TEST_CONFIG_DIGEST, checkpointEvery: 50 };
const verifyFile = (file: string, key: string | null = TEST_AUDIT_KEY) =>
  verifyAuditTrail(readAuditLines(createReadStream(file)), { key });
const collect = async (text: string) => {
  const out: string[] = [];
  for await (const l of readAuditLines(Readable.from([Buffer.from(text)]))) out.push(l);
  return out;
};

describe('audit trail files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-audit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const fresh = () => join(dir, `trail-${n++}.ndjson`);

  /** Appends a session; `crashed`: as a writer stopped before it closed leaves it (no closing checkpoint). */
  async function write(file: string, entries: number, { crashed = false, checkpointEvery = 50 } = {}) {
    const trail = await openAuditTrailFile(file, { ...options, checkpointEvery });
    for (const e of auditEntries(entries)) trail.append(e);
    await trail.close();
    if (crashed) {
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      expect(lines.at(-1)).toContain('"kind":"checkpoint"');
      writeFileSync(file, lines.slice(0, -1).join('\n') + '\n');
    }
    return trail;
  }

  it('appends across runs, closed or crashed, keeping one chain', async () => {
    const file = fresh();
    const first = await write(file, 120);
    await write(file, 7, { crashed: true });
    const third = await write(file, 80);
    expect(third.head.trailId).toBe(first.head.trailId);
    const r = await verifyFile(file);
    expect(r.firstBreak).toBeNull();
    expect(r).toMatchObject({ records: 207, sessions: 3, uncheckpointedTail: 0 });
  });

  it('resumes from a tail longer than one read chunk, back to the last checkpoint', async () => {
    const file = fresh();
    await write(file, 700, { crashed: true, checkpointEvery: 500 });
    const head = await readAuditTrailHead(file, TEST_AUDIT_KEY);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const last = JSON.parse(lines.at(-1)!) as { seq: number; hash: string };
    expect(head).toMatchObject({ seq: last.seq, hash: last.hash, checkpointEvery: 500 });
    expect(lines.slice(head.lastCheckpointSeq + 1).join('\n').length).toBeGreaterThan(1 << 16);
  });

  it('refuses to append to a trail whose tail was edited, cut mid-line or keyed otherwise', async () => {
    const edited = fresh();
    await write(edited, 30, { crashed: true });
    const lines = readFileSync(edited, 'utf8').trimEnd().split('\n');
    lines[lines.length - 2] = lines[lines.length - 2]!.replace('"score":', '"score":1');
    writeFileSync(edited, lines.join('\n') + '\n');
    await expect(openAuditTrailFile(edited, options)).rejects.toMatchObject({ reason: 'hash_mismatch' });

    const torn = fresh();
    await write(torn, 3);
    appendFileSync(torn, '{"seq":9,"kind":"dec');
    await expect(openAuditTrailFile(torn, options)).rejects.toMatchObject({ reason: 'torn_tail' });

    const other = fresh();
    await write(other, 3);
    await expect(openAuditTrailFile(other, { ...options, key: 'another-key-0123456789abcdef' })).rejects.toThrow(
      AuditTrailError,
    );
    await expect(readAuditTrailHead(other, 'another-key-0123456789abcdef')).rejects.toMatchObject({
      reason: 'key_mismatch',
    });
  });

  it('refuses a tail whose checkpoints were removed', async () => {
    const file = fresh();
    await write(file, 200);
    const kept = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .filter((l, i) => i < 60 || !l.includes('"kind":"checkpoint"'));
    writeFileSync(file, kept.join('\n') + '\n');
    await expect(readAuditTrailHead(file, TEST_AUDIT_KEY)).rejects.toMatchObject({ reason: 'checkpoint_missing' });
  });

  it('reads lines keeping blank ones in place, dropping a CR before a newline', async () => {
    expect(await collect('a\n\nb\r\nc')).toEqual(['a', '', 'b', 'c']);
    expect(await collect('')).toEqual([]);
  });

  it('reports an oversized line as malformed at its line', async () => {
    const file = fresh();
    await write(file, 2);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    lines.splice(2, 0, `{"pad":"${'x'.repeat(17 << 20)}"}`);
    writeFileSync(file, lines.join('\n') + '\n');
    const r = await verifyFile(file);
    expect(r.firstBreak).toMatchObject({ line: 3, reason: 'malformed' });
  });
});
