import { appendFileSync, mkdtempSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { followFile, untilAborted } from './follow-file';

const dir = mkdtempSync(join(tmpdir(), 'vigil-follow-'));
let n = 0;
const freshFile = (content: string) => {
  const path = join(dir, `log-${n++}.txt`);
  writeFileSync(path, content);
  return path;
};

/** Collects what the follower yields until `until(text)` holds, then aborts it. */
async function follow(path: string, steps: ((seen: string) => boolean)[], act: (() => void)[]) {
  const ac = new AbortController();
  const reopened: string[] = [];
  const stream = followFile(path, { signal: ac.signal, pollMs: 10, onReopen: (why) => reopened.push(why) });
  let seen = '';
  let step = 0;
  const deadline = setTimeout(() => ac.abort(), 5000);
  for await (const chunk of stream) {
    seen += (chunk as Buffer).toString('utf8');
    while (step < steps.length && steps[step]!(seen)) {
      act[step]?.();
      step++;
    }
    if (step === steps.length) ac.abort();
  }
  clearTimeout(deadline);
  return { seen, reopened, steps: step };
}

describe('followFile', () => {
  it('reads what the file holds, then what is appended to it', async () => {
    const path = freshFile('a\n');
    const r = await follow(
      path,
      [(s) => s === 'a\n', (s) => s === 'a\nb\n'],
      [() => setTimeout(() => appendFileSync(path, 'b\n'), 30)],
    );
    expect(r.seen).toBe('a\nb\n');
    expect(r.reopened).toEqual([]);
  });

  it('moves on to the new file when the path is rotated (rename, then create)', async () => {
    const path = freshFile('old-1\n');
    const r = await follow(
      path,
      [(s) => s.endsWith('old-1\n'), (s) => s.endsWith('new-1\n')],
      [
        () =>
          setTimeout(() => {
            appendFileSync(path, 'old-2\n');
            renameSync(path, `${path}.1`);
            writeFileSync(path, 'new-1\n');
          }, 30),
      ],
    );
    expect(r.seen).toBe('old-1\nold-2\nnew-1\n');
    expect(r.reopened).toEqual(['rotated']);
  });

  it('starts again from the top when the file is truncated in place', async () => {
    const path = freshFile('first line that is long\n');
    const r = await follow(
      path,
      [(s) => s.endsWith('long\n'), (s) => s.endsWith('short\n')],
      [
        () =>
          setTimeout(() => {
            truncateSync(path, 0);
            setTimeout(() => appendFileSync(path, 'short\n'), 50);
          }, 30),
      ],
    );
    expect(r.seen).toBe('first line that is long\nshort\n');
    expect(r.reopened).toEqual(['truncated']);
  });

  it('with fromEnd, reads only what is appended', async () => {
    const path = freshFile('already there\n');
    const ac = new AbortController();
    const chunks: string[] = [];
    setTimeout(() => appendFileSync(path, 'new\n'), 30);
    for await (const c of followFile(path, { signal: ac.signal, pollMs: 10, fromEnd: true })) {
      chunks.push(String(c));
      ac.abort();
    }
    expect(chunks).toEqual(['new\n']);
  });

  it('ends when its signal aborts, even at the end of the file', async () => {
    const path = freshFile('x\n');
    const ac = new AbortController();
    const chunks: string[] = [];
    setTimeout(() => ac.abort(), 50);
    for await (const c of followFile(path, { signal: ac.signal, pollMs: 10 })) chunks.push(String(c));
    expect(chunks).toEqual(['x\n']);
  });
});

describe('untilAborted', () => {
  it('stops a source that is waiting for its next item', async () => {
    const ac = new AbortController();
    async function* slow() {
      yield 1;
      await new Promise(() => undefined); // never resolves
    }
    setTimeout(() => ac.abort(), 20);
    const got: number[] = [];
    for await (const x of untilAborted(slow(), ac.signal)) got.push(x);
    expect(got).toEqual([1]);
  });
});
