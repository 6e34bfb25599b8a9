/**
 * Noticing that the models root changed: fs.watch on the tree (debounced, since copying a model in is
 * many events), and a periodic look at every file's size and mtime as the fallback for file systems
 * where fs.watch says nothing (NFS, some container mounts). Either way the change is reported only when
 * that fingerprint differs from the one last reported, and never while the previous report is still
 * being handled.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface TreeWatchOptions {
  /** Quiet time after the last fs event before looking; default 500 ms. */
  readonly debounceMs?: number;
  /** Fallback look at the tree; default 5 s. */
  readonly pollMs?: number;
  /** fs.watch failed (the tree is then only polled); for the log. */
  readonly onWatchError?: (err: Error) => void;
}

export interface TreeWatch {
  close(): void;
}

/** `onChange` runs once per new state of the tree; a change seen while it runs is handled after it. */
export function watchTree(root: string, onChange: () => Promise<void>, options: TreeWatchOptions = {}): TreeWatch {
  const debounceMs = options.debounceMs ?? 500;
  let known = treeFingerprint(root);
  let running = false;
  let again = false;
  let closed = false;
  let debounce: NodeJS.Timeout | null = null;

  const look = async (): Promise<void> => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    const now = treeFingerprint(root);
    if (now === known) return;
    known = now;
    running = true;
    try {
      await onChange();
    } finally {
      running = false;
      if (again) {
        again = false;
        void look();
      }
    }
  };
  const soon = () => {
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => void look(), debounceMs);
  };

  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(root, { recursive: true }, soon);
    watcher.on('error', (err) => {
      watcher?.close();
      watcher = null;
      options.onWatchError?.(err);
    });
  } catch (err) {
    options.onWatchError?.(err as Error);
  }
  const poll = setInterval(() => void look(), options.pollMs ?? 5000);
  poll.unref();
  return {
    close() {
      closed = true;
      watcher?.close();
      clearInterval(poll);
      if (debounce) clearTimeout(debounce);
    },
  };
}

/** Path, size and mtime of every file under `root` (three levels: detector/version/file), sorted. */
export function treeFingerprint(root: string, depth = 3): string {
  const out: string[] = [];
  const walk = (dir: string, rel: string, left: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      out.push(`${rel}: unreadable`);
      return;
    }
    for (const name of names.sort()) {
      const path = join(dir, name);
      try {
        const st = statSync(path);
        if (st.isDirectory()) {
          if (left > 1) walk(path, `${rel}/${name}`, left - 1);
        } else out.push(`${rel}/${name} ${st.size} ${st.mtimeMs}`);
      } catch {
        // Gone between readdir and stat: the next look sees the tree as it settled.
      }
    }
  };
  walk(root, '', depth);
  return out.join('\n');
}
