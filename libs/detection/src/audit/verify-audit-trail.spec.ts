import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  alertEntry,
  auditEntries,
  decisionEntry,
  TEST_AUDIT_KEY,
  TEST_CONFIG_DIGEST,
  trailLines,
} from '../../../../test/fixtures/builders/audit-entry';
import { sha256Hex } from './canonical-json';
import { AuditTrail, MemoryAuditSink, type AuditTrailHead } from './audit-trail';
import { verifyAuditTrail, type AuditVerification } from './verify-audit-trail';

const verify = (lines: Iterable<string>, key: string | null = TEST_AUDIT_KEY) => verifyAuditTrail(lines, { key });

/** A trail file's text cut into lines, as `readAuditLines` gives them. */
const linesOf = (text: string) => (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');

/**
 * What an attacker without the key can do: renumber and rehash every line from `from` on, so the plain
 * chain is consistent again. Checkpoints keep their MAC, or get one under `forgeKey`.
 */
function rechain(lines: readonly string[], from: number, forgeKey?: string): string[] {
  const out = lines.slice(0, from);
  for (let i = from; i < lines.length; i++) {
    const o = JSON.parse(lines[i]!) as Record<string, unknown>;
    o['seq'] = i;
    o['prev'] = i === 0 ? '0'.repeat(64) : (JSON.parse(out[i - 1]!) as { hash: string }).hash;
    delete o['hash'];
    if (o['kind'] === 'checkpoint' && forgeKey) {
      delete o['mac'];
      const unkeyed = JSON.stringify(o);
      o['mac'] = createHmac('sha256', forgeKey).update(unkeyed).digest('hex');
    }
    const body = JSON.stringify(o).slice(0, -1);
    out.push(`${body},"hash":"${sha256Hex(body + '}')}"}`);
  }
  return out;
}

const trailArb = fc.record({ n: fc.integer({ min: 0, max: 40 }), every: fc.integer({ min: 1, max: 12 }) });

describe('verifyAuditTrail', () => {
  it('verifies a clean trail, counting records and checkpoints', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, async ({ n, every }) => {
        const lines = await trailLines(n, { checkpointEvery: every });
        const r = await verify(lines);
        expect(r.firstBreak).toBeNull();
        expect(r).toMatchObject<Partial<AuditVerification>>({
          ok: true,
          lines: lines.length,
          records: n,
          sessions: 1,
          uncheckpointedTail: 0,
          checkpointsVerified: true,
          trailId: 'trail-test',
        });
        expect(r.checkpoints).toBe(lines.length - n - 1);
        // at most `every` lines between checkpoints, and the trail ends with one
        expect(r.checkpoints).toBe(Math.ceil((n + 1) / every));
      }),
    );
  });

  it('writes the same bytes for the same entries, whatever their key order', async () => {
    const e = decisionEntry(1);
    const reordered = { ...e, record: Object.fromEntries(Object.entries(e.record).reverse()) } as typeof e;
    const write = (entry: typeof e) => {
      const sink = new MemoryAuditSink();
      const trail = AuditTrail.start(sink, {
        key: TEST_AUDIT_KEY,
        configDigest: TEST_CONFIG_DIGEST,
        trailId: 't',
        now: () => 0,
      });
      trail.append(entry);
      return sink.lines;
    };
    expect(write(reordered)).toEqual(write(e));
    // an attacker's re-serialization of an unchanged trail is byte-identical: the format is plain JSON
    const lines = await trailLines(10, { checkpointEvery: 4 });
    expect(rechain(lines, 0, TEST_AUDIT_KEY)).toEqual(lines);
  });

  it('detects an edit of any one character at the line edited', async () => {
    const chars = fc.oneof(
      fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      fc.constantFrom('\n', 'é', '\u0000'),
    );
    await fc.assert(
      fc.asyncProperty(trailArb, fc.nat(), chars, async ({ n, every }, at, ch) => {
        const text = (await trailLines(n, { checkpointEvery: every })).join('\n') + '\n';
        const pos = at % (text.length - 1); // not the final newline
        fc.pre(text[pos] !== ch);
        const edited = text.slice(0, pos) + ch + text.slice(pos + 1);
        const line = text.slice(0, pos).split('\n').length;
        const r = await verify(linesOf(edited));
        expect(r.ok).toBe(false);
        expect(r.firstBreak!.line).toBe(line);
      }),
      { numRuns: 300 },
    );
  });

  it('detects a deleted line at its place; a deleted closing checkpoint leaves an uncheckpointed tail', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, fc.nat(), async ({ n, every }, at) => {
        const lines = await trailLines(n, { checkpointEvery: every });
        const p = at % lines.length;
        const r = await verify(lines.filter((_, i) => i !== p));
        if (p === lines.length - 1) {
          expect(r.ok).toBe(true);
          expect(r.uncheckpointedTail).toBeGreaterThan(0);
        } else {
          expect(r.firstBreak).toMatchObject({ line: p + 1, reason: p === 0 ? 'start_missing' : 'seq_gap' });
        }
      }),
    );
  });

  it('detects two lines swapped at the first of them', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, fc.nat(), fc.nat(), async ({ n, every }, a, b) => {
        const lines = await trailLines(n, { checkpointEvery: every });
        const [p, q] = [a % lines.length, b % lines.length].sort((x, y) => x - y) as [number, number];
        fc.pre(p !== q);
        const swapped = [...lines];
        [swapped[p], swapped[q]] = [swapped[q]!, swapped[p]!];
        const r = await verify(swapped);
        expect(r.firstBreak).toMatchObject({ line: p + 1 });
        expect(['seq_gap', 'start_missing']).toContain(r.firstBreak!.reason);
      }),
    );
  });

  it('detects a copied line inserted at the inserted line, or the line after when it copies that one', async () => {
    await fc.assert(
      fc.asyncProperty(trailArb, fc.nat(), fc.nat(), async ({ n, every }, a, b) => {
        const lines = await trailLines(n, { checkpointEvery: every });
        const p = a % lines.length; // inserted before line p (0-based)
        const q = b % lines.length;
        const inserted = [...lines.slice(0, p), lines[q]!, ...lines.slice(p)];
        const r = await verify(inserted);
        expect(r.firstBreak!.line).toBe(q === p ? p + 2 : p + 1);
      }),
    );
  });

  it('detects a forged line inserted with a valid hash and prev at the line after it', async () => {
    const lines = await trailLines(10, { checkpointEvery: 4 });
    const p = 6;
    const forged = rechain([...lines.slice(0, p), lines[p]!.replace('"score":0.97', '"score":0.5')], p);
    expect(forged[p]).not.toBe(lines[p]);
    const r = await verify([...forged, ...lines.slice(p)]);
    expect(r.firstBreak).toMatchObject({ line: p + 2, seq: p, reason: 'seq_gap' });
  });

  it('detects a line edited and rehashed at the line after it, and a line taken from another trail at it', async () => {
    const lines = await trailLines(10, { checkpointEvery: 4 });
    const p = 6;
    const rehashed = rechain([...lines.slice(0, p), lines[p]!.replace('"score":0.97', '"score":0.5')], p);
    const r = await verify([...rehashed, ...lines.slice(p + 1)]);
    expect(r.firstBreak).toMatchObject({ line: p + 2, seq: p + 1, reason: 'prev_mismatch' });

    const other = await trailLines(10, { checkpointEvery: 4, trailId: 'another-trail' });
    const mixed = [...lines.slice(0, p), other[p]!, ...lines.slice(p + 1)];
    expect((await verify(mixed)).firstBreak).toMatchObject({ line: p + 1, seq: p, reason: 'prev_mismatch' });
  });

  it('refuses a rewritten chain with the key: its checkpoints cannot be forged', async () => {
    const lines = await trailLines(30, { checkpointEvery: 5 });
    const p = 8;
    const edited = [...lines];
    edited[p] = edited[p]!.replace('"policyRule":"detector:', '"policyRule":"detector:x');
    expect(edited[p]).not.toBe(lines[p]);

    const naive = await verify(edited);
    expect(naive.firstBreak).toMatchObject({ line: p + 1, seq: p, reason: 'hash_mismatch' });

    // rehashed, keeping the old MACs or forging them under another key: the next checkpoint fails
    const firstCheckpointAfter = lines.findIndex((l, i) => i > p && l.includes('"kind":"checkpoint"'));
    for (const forgeKey of [undefined, 'not-the-key-0123456789']) {
      const r = await verify(rechain(edited, p, forgeKey));
      expect(r.firstBreak).toMatchObject({ line: firstCheckpointAfter + 1, reason: 'checkpoint_mismatch' });
    }
    // without the key the rewritten chain is self-consistent, and the result says so
    const unkeyed = await verify(rechain(edited, p), null);
    expect(unkeyed).toMatchObject({ ok: true, checkpointsVerified: false });

    // dropping the checkpoints after the edit leaves a run longer than the interval
    const dropped = rechain(
      edited.filter((l, i) => i <= p || !l.includes('"kind":"checkpoint"')),
      p,
    );
    const lastKept = lines.slice(0, p + 1).reduce((at, l, i) => (l.includes('"kind":"checkpoint"') ? i : at), -1);
    const r = await verify(dropped, null);
    expect(r.firstBreak).toMatchObject({ line: lastKept + 1 + 5 + 1, reason: 'checkpoint_missing' });
  });

  it('says a trail keyed with another key is not this key’s, at line 1', async () => {
    const lines = await trailLines(5, { key: 'another-key-0123456789abcdef' });
    const r = await verify(lines);
    expect(r.firstBreak).toMatchObject({ line: 1, seq: 0, reason: 'key_mismatch' });
    expect((await verify(lines, 'another-key-0123456789abcdef')).ok).toBe(true);
  });

  it('keeps the chain across resumed sessions, crashed or closed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ n: fc.integer({ min: 0, max: 12 }), closed: fc.boolean() }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.integer({ min: 1, max: 6 }),
        async (sessions, every) => {
          const sink = new MemoryAuditSink();
          const options = { key: TEST_AUDIT_KEY, configDigest: TEST_CONFIG_DIGEST, checkpointEvery: every };
          let head: AuditTrailHead | null = null;
          let total = 0;
          for (const [s, { n, closed }] of sessions.entries()) {
            const trail: AuditTrail = head ? AuditTrail.resume(sink, head, options) : AuditTrail.start(sink, options);
            for (const e of auditEntries(n)) trail.append(e);
            total += n;
            if (closed || s === sessions.length - 1) await trail.close();
            head = trail.head;
          }
          const r = await verify(sink.lines);
          expect(r.firstBreak).toBeNull();
          expect(r).toMatchObject({ records: total, sessions: sessions.length, uncheckpointedTail: 0 });
        },
      ),
    );
  });

  it('refuses a resume with another key', () => {
    const sink = new MemoryAuditSink();
    const trail = AuditTrail.start(sink, { key: TEST_AUDIT_KEY, configDigest: TEST_CONFIG_DIGEST });
    expect(() =>
      AuditTrail.resume(sink, trail.head, { key: 'another-key-0123456789abcdef', configDigest: TEST_CONFIG_DIGEST }),
    ).toThrow(/keyed with key id/);
  });

  it('names a blank line, an empty trail and a second trail appended to the first', async () => {
    const lines = await trailLines(3);
    expect((await verify([...lines.slice(0, 2), '', ...lines.slice(2)])).firstBreak).toMatchObject({
      line: 3,
      reason: 'malformed',
      detail: 'a blank line',
    });
    expect((await verify([])).firstBreak).toMatchObject({ line: 1, reason: 'start_missing' });
    const r = await verify([...lines, ...lines]);
    expect(r.firstBreak).toMatchObject({ line: lines.length + 1, seq: 0, reason: 'seq_gap' });
  });

  it('records what the detector gave, with event time from the record', async () => {
    const sink = new MemoryAuditSink();
    const trail = AuditTrail.start(sink, {
      key: TEST_AUDIT_KEY,
      configDigest: TEST_CONFIG_DIGEST,
      now: () => 42,
    });
    const a = alertEntry(2);
    const written = trail.append(a);
    expect(written).toMatchObject({ seq: 1, kind: 'alert', eventTs: a.record.ts, wallTs: 42, record: a.record });
    expect(JSON.parse(sink.lines[1]!)).toEqual({ ...written, record: JSON.parse(JSON.stringify(a.record)) });
    expect(Object.keys(JSON.parse(sink.lines[1]!) as object)).toEqual([
      'seq',
      'kind',
      'eventTs',
      'wallTs',
      'record',
      'inputs',
      'model',
      'thresholds',
      'policyRule',
      'configDigest',
      'prev',
      'hash',
    ]);
    expect(written.prev).toBe((JSON.parse(sink.lines[0]!) as { hash: string }).hash);
  });

  it('refuses a short key', () => {
    expect(() => AuditTrail.start(new MemoryAuditSink(), { key: 'short', configDigest: TEST_CONFIG_DIGEST })).toThrow(
      /at least 16/,
    );
  });
});
