/**
 * Reading a growing log file the way `tail -F` does: everything in it, then whatever is appended, until
 * the caller's signal. Survives rotation (the path now names another file: the rest of the old one is
 * read, then the new one from its start) and truncation in place (copytruncate: the file is shorter than
 * what was read, so reading restarts at 0). It polls, with one read and at most one stat per tick at end
 * of file: fs.watch loses track of a path across rename-style rotation and does not fire on network file
 * systems, and a stat every few hundred milliseconds costs nothing.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FollowFileOptions {
  /** Ends the stream (cleanly, after the chunk in hand). */
  readonly signal: AbortSignal;
  /** How long to wait at end of file before looking again; default 200 ms. */
  readonly pollMs?: number;
  /** Skip what the file holds at the start and read only what is appended (`tail -n 0 -F`). */
  readonly fromEnd?: boolean;
  /** Largest chunk read at once; default 1 MiB. */
  readonly chunkBytes?: number;
  /** Called when the file was rotated or truncated and reading started again from its start. */
  readonly onReopen?: (why: 'rotated' | 'truncated') => void;
}

export function followFile(path: string, options: FollowFileOptions): Readable {
  return Readable.from(follow(path, options));
}

async function* follow(path: string, o: FollowFileOptions): AsyncGenerator<Buffer> {
  const pollMs = o.pollMs ?? 200;
  const chunkBytes = o.chunkBytes ?? 1 << 20;
  let fh: FileHandle | null = null;
  let id = '';
  let position = 0;
  const reopen = async (): Promise<boolean> => {
    const next = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      // Between a rotation's rename and the writer creating the new file there is no file: wait.
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (!next) return false;
    await fh?.close();
    fh = next;
    const st = await next.stat();
    id = `${st.dev}:${st.ino}`;
    position = 0;
    return true;
  };
  try {
    if (!(await reopen())) throw new Error(`input file ${path} does not exist`);
    if (o.fromEnd) position = (await fh!.stat()).size;
    while (!o.signal.aborted) {
      const buf = Buffer.allocUnsafe(chunkBytes);
      const { bytesRead } = await fh!.read(buf, 0, chunkBytes, position);
      if (bytesRead > 0) {
        position += bytesRead;
        yield buf.subarray(0, bytesRead);
        continue;
      }
      // At the end of the open file: has the path moved on to another file, or been cut short?
      const now = await stat(path).catch(() => null);
      if (now && `${now.dev}:${now.ino}` !== id) {
        if (await reopen()) o.onReopen?.('rotated');
        continue;
      }
      if (now && now.size < position) {
        position = 0;
        o.onReopen?.('truncated');
        continue;
      }
      await sleep(pollMs, undefined, { signal: o.signal }).catch(() => undefined);
    }
  } finally {
    await (fh as FileHandle | null)?.close();
  }
}

/** The chunks of `source` until `signal` aborts (then it ends at once, even while `source` is waiting). */
export async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  if (signal.aborted) return;
  const it = source[Symbol.asyncIterator]();
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    while (!signal.aborted) {
      // `aborted` first: once it has settled it wins even against a chunk that is already waiting.
      const next = await Promise.race([aborted, it.next()]);
      if (next === 'aborted' || next.done) return;
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
