/**
 * Traffic against specs. For each endpoint seen:
 *   documented — an operation of the newest version of a spec for its host (same method, same path
 *                shape; a spec slot also matches a literal segment);
 *   zombie     — matched only by an operation marked `deprecated: true`, or only by an operation of an
 *                older version of a spec (same `info.title` and host) that the newest version dropped;
 *   shadow     — in no spec.
 * For each operation of a newest spec: orphan when no traffic matched it in the window. Operations that
 * only older versions list and nobody calls are retired, as they should be, and not reported.
 */
import { splitPath } from '@vigil/events';
import { isSlot } from '../endpoint-key';
import { compareVersions, type LoadedSpec, type SpecOperation } from './openapi-spec';

export const DOC_STATUSES = ['documented', 'shadow', 'zombie'] as const;
export type DocStatus = (typeof DOC_STATUSES)[number];

export interface DocumentationMatch {
  readonly status: DocStatus;
  readonly spec: { readonly file: string; readonly title: string; readonly version: string } | null;
  readonly reason: string;
}

export interface OrphanOperation {
  readonly hosts: readonly string[];
  readonly method: string;
  readonly path: string;
  readonly deprecated: boolean;
  readonly spec: { readonly file: string; readonly title: string; readonly version: string };
}

interface IndexedOperation {
  readonly op: SpecOperation;
  readonly segments: readonly string[];
  readonly spec: LoadedSpec;
  /** In the newest version of its spec family. */
  readonly current: boolean;
  /** For older-version operations: the newest version that dropped it. */
  readonly droppedIn: string | null;
  used: boolean;
}

export class SpecComparison {
  private readonly ops: IndexedOperation[] = [];

  constructor(readonly specs: readonly LoadedSpec[]) {
    const families = new Map<string, LoadedSpec[]>();
    for (const s of specs) {
      const key = `${[...s.hosts].sort().join(',')}|${s.title}`;
      families.set(key, [...(families.get(key) ?? []), s]);
    }
    for (const family of families.values()) {
      const sorted = [...family].sort((a, b) => compareVersions(a.version, b.version));
      const newest = sorted[sorted.length - 1]!;
      const newestOps = new Set(newest.operations.map((o) => `${o.method} ${shape(o.path)}`));
      for (const s of sorted) {
        const current = s === newest;
        for (const op of s.operations) {
          if (!current && newestOps.has(`${op.method} ${shape(op.path)}`)) continue;
          this.ops.push({
            op,
            segments: splitPath(op.path),
            spec: s,
            current,
            droppedIn: current ? null : newest.version,
            used: false,
          });
        }
      }
    }
  }

  get hasSpecs(): boolean {
    return this.specs.length > 0;
  }

  classify(host: string, method: string, template: string): DocumentationMatch {
    const segs = splitPath(template);
    let deprecated: IndexedOperation | null = null;
    let older: IndexedOperation | null = null;
    let documented: IndexedOperation | null = null;
    for (const io of this.ops) {
      if (io.op.method !== method || !io.spec.hosts.some((h) => h === host || h === '*')) continue;
      if (!matches(io.segments, segs)) continue;
      io.used = true;
      if (io.current && !io.op.deprecated) documented ??= io;
      else if (io.current) deprecated ??= io;
      else older ??= io;
    }
    const ref = (io: IndexedOperation) => ({ file: io.spec.file, title: io.spec.title, version: io.spec.version });
    if (documented) {
      return {
        status: 'documented',
        spec: ref(documented),
        reason: `${documented.op.method} ${documented.op.path} in ${documented.spec.title} ${documented.spec.version}`,
      };
    }
    if (deprecated) {
      return {
        status: 'zombie',
        spec: ref(deprecated),
        reason: `deprecated in ${deprecated.spec.title} ${deprecated.spec.version} but still called`,
      };
    }
    if (older) {
      return {
        status: 'zombie',
        spec: ref(older),
        reason: `only in ${older.spec.title} ${older.spec.version}, removed by ${older.droppedIn}, but still called`,
      };
    }
    return {
      status: 'shadow',
      spec: null,
      reason: this.hasSpecs ? 'in no loaded OpenAPI spec for this host' : 'no OpenAPI spec was loaded',
    };
  }

  /** Operations of newest specs that no classified endpoint matched. Call after classifying all. */
  orphans(): OrphanOperation[] {
    return this.ops
      .filter((io) => io.current && !io.used)
      .map((io) => ({
        hosts: io.spec.hosts,
        method: io.op.method,
        path: io.op.path,
        deprecated: io.op.deprecated,
        spec: { file: io.spec.file, title: io.spec.title, version: io.spec.version },
      }));
  }
}

/** A spec slot matches any segment; a spec literal only itself; an observed slot only a spec slot. */
function matches(spec: readonly string[], observed: readonly string[]): boolean {
  if (spec.length !== observed.length) return false;
  for (let i = 0; i < spec.length; i++) {
    if (isSlot(spec[i]!)) continue;
    if (spec[i] !== observed[i]) return false;
  }
  return true;
}

function shape(path: string): string {
  return path.replace(/\{[^/}]*\}/g, '{}');
}
