/**
 * Which files a history is made of, and which label files come with them.
 *
 * Inputs are files (taken as given), folders (every log file under them, recursively) or glob patterns
 * (`*`, `?`, `**`, `{a,b}`; quote them so the shell leaves them alone). Log files are `*.log`, `*.ndjson`,
 * `*.jsonl`, `*.json` (each optionally `.gz`) that are not label or sidecar files by name.
 *
 * Labels come with the files they describe: in a log file's folder, `labels.json` (a `vigil simulate`
 * labels file), `incidents.ndjson|json` and `benign.ndjson|json` (incident format); beside a file
 * `<file>.labels.json|ndjson`. Each label file is read once however many inputs share it, and applies to
 * every input by entity and time.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';

const LOG_FILE = /\.(log|ndjson|jsonl|json)(\.gz)?$/i;
/** Files that sit beside logs and are not logs: labels, simulator sidecars, manifests. */
const NOT_LOGS =
  /(^|\.)(labels|incidents|benign|request-labels|routes|manifest|summary|eval|compare)(\.[a-z0-9-]+)*\.(json|ndjson)(\.gz)?$/i;

export function isLogFileName(name: string): boolean {
  return LOG_FILE.test(name) && !NOT_LOGS.test(name);
}

export class InputPathError extends Error {}

/** Expands files, folders and globs into a sorted, de-duplicated list of log files. */
export function expandInputs(patterns: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of patterns) {
    const found = hasGlob(p) ? expandGlob(p) : expandPath(p);
    if (!found.length) throw new InputPathError(`input ${p} matches no log file`);
    for (const f of found) out.add(f);
  }
  return [...out].sort();
}

function expandPath(p: string): string[] {
  if (!existsSync(p)) throw new InputPathError(`input ${p} does not exist`);
  const st = statSync(p);
  if (st.isFile()) return [p];
  if (!st.isDirectory()) throw new InputPathError(`input ${p} is neither a file nor a folder`);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const f = join(d, name);
      const s = statSync(f);
      if (s.isDirectory()) walk(f);
      else if (s.isFile() && isLogFileName(name)) out.push(f);
    }
  };
  walk(p);
  return out;
}

export function hasGlob(p: string): boolean {
  return /[*?{]/.test(p);
}

/** Files matching a glob: segments walked from the longest literal prefix. */
function expandGlob(pattern: string): string[] {
  const norm = pattern.split(sep).join('/');
  const parts = norm.split('/');
  let i = 0;
  while (i < parts.length - 1 && !hasGlob(parts[i]!)) i++;
  const base = parts.slice(0, i).join('/') || (norm.startsWith('/') ? '/' : '.');
  const rest = parts.slice(i);
  const out: string[] = [];
  const match = (dir: string, segs: readonly string[]) => {
    if (!segs.length) return;
    const [seg, ...tail] = segs as [string, ...string[]];
    if (seg === '**') {
      match(dir, tail);
      for (const name of safeList(dir)) {
        const f = join(dir, name);
        if (isDir(f)) match(f, segs);
      }
      return;
    }
    const re = globSegment(seg);
    for (const name of safeList(dir)) {
      if (!re.test(name)) continue;
      const f = join(dir, name);
      if (tail.length === 0) {
        if (isFile(f)) {
          if (isLogFileName(name)) out.push(f);
        } else if (isDir(f)) out.push(...expandPath(f));
      } else if (isDir(f)) match(f, tail);
    }
  };
  match(base, rest);
  return [...new Set(out)].sort();
}

/** One path segment of a glob as a regex: `*`, `?`, `{a,b}`. */
export function globSegment(seg: string): RegExp {
  let re = '';
  for (let k = 0; k < seg.length; k++) {
    const c = seg[k]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = seg.indexOf('}', k);
      if (close < 0) re += '\\{';
      else {
        re += `(?:${seg
          .slice(k + 1, close)
          .split(',')
          .map(escape)
          .join('|')})`;
        k = close;
      }
    } else re += escape(c);
  }
  return new RegExp(`^${re}$`);
}

const escape = (s: string) => s.replace(/[.+^$()|[\]\\]/g, '\\$&');

function safeList(d: string): string[] {
  try {
    return readdirSync(d).sort();
  } catch {
    return [];
  }
}

const isDir = (f: string) => {
  try {
    return statSync(f).isDirectory();
  } catch {
    return false;
  }
};

const isFile = (f: string) => {
  try {
    return statSync(f).isFile();
  } catch {
    return false;
  }
};

const FOLDER_LABELS = ['labels.json', 'incidents.ndjson', 'incidents.json', 'benign.ndjson', 'benign.json'];

/** The label files that come with these log files (absolute paths, each once, in a stable order). */
export function discoverLabelFiles(files: readonly string[]): string[] {
  const out = new Set<string>();
  for (const f of files) {
    const dir = dirname(f);
    for (const name of FOLDER_LABELS) {
      const p = join(dir, name);
      if (isFile(p)) out.add(resolve(p));
    }
    const stem = basename(f).replace(/\.gz$/i, '');
    for (const ext of ['labels.json', 'labels.ndjson']) {
      const p = join(dir, `${stem}.${ext}`);
      if (isFile(p)) out.add(resolve(p));
    }
  }
  return [...out];
}
