/**
 * TF.js backend selection. In order: `@tensorflow/tfjs-node` (native libtensorflow) when it can be
 * required — it is deliberately not a dependency, since its install downloads libtensorflow and fails
 * offline; then `@tensorflow/tfjs` on the WASM backend (the .wasm binaries ship inside the npm package
 * and are loaded from node_modules, never fetched); then the pure-JS CPU backend. The active backend and
 * why the others were skipped are reported, for logs, `/health` and metrics.
 */
import { dirname, join } from 'node:path';
import type * as TfNamespace from '@tensorflow/tfjs';

export type Tf = typeof TfNamespace;
export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendAttempt {
  readonly backend: BackendName;
  readonly ok: boolean;
  /** Why it was skipped. */
  readonly reason?: string;
}

export interface TfRuntime {
  readonly tf: Tf;
  readonly backend: BackendName;
  readonly tfjsVersion: string;
  readonly attempts: readonly BackendAttempt[];
}

/** One way to bring up a backend: resolves to the TF.js namespace running on it, or throws why not. */
export interface BackendCandidate {
  readonly backend: BackendName;
  readonly init: () => Promise<Tf>;
}

/** Tries candidates in order; the first that initialises wins. Throws only if none does. */
export async function selectBackend(candidates: readonly BackendCandidate[]): Promise<TfRuntime> {
  const attempts: BackendAttempt[] = [];
  for (const c of candidates) {
    try {
      const tf = await c.init();
      attempts.push({ backend: c.backend, ok: true });
      return { tf, backend: c.backend, tfjsVersion: tf.version.tfjs, attempts };
    } catch (err) {
      attempts.push({ backend: c.backend, ok: false, reason: oneLine(err) });
    }
  }
  throw new Error(`no TF.js backend could start: ${attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ')}`);
}

function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.slice(0, 300);
}

export type ModuleLoader = (id: string) => unknown;

// A plain `require` the bundler/type checker does not follow: tfjs-node is optional and untyped here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const defaultLoader: ModuleLoader = (id) => require(id);

async function activate(tf: Tf, name: BackendName): Promise<Tf> {
  // PROD: skips debug checks and the "install tfjs-node" banner the CPU backend prints in Node.
  tf.env().set('PROD', true);
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`backend is ${tf.getBackend()} after setBackend('${name}')`);
  return tf;
}

export interface BackendOptions {
  /** Skip backends: `VIGIL_TF_BACKEND=cpu` in the CLI maps to prefer: 'cpu'. */
  readonly prefer?: BackendName;
  readonly load?: ModuleLoader;
  readonly resolve?: (id: string) => string;
}

/** The default candidates, in order; `prefer` starts the list at that backend. */
export function defaultCandidates(options: BackendOptions = {}): BackendCandidate[] {
  const load = options.load ?? defaultLoader;
  const resolve = options.resolve ?? ((id: string) => require.resolve(id));
  const all: BackendCandidate[] = [
    {
      backend: 'tensorflow',
      init: () => activate(load('@tensorflow/tfjs-node') as Tf, 'tensorflow'),
    },
    {
      backend: 'wasm',
      init: async () => {
        const tf = load('@tensorflow/tfjs') as Tf;
        const wasm = load('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string): void };
        // The binaries sit next to the package's main file (dist/); a trailing slash makes it a prefix.
        wasm.setWasmPaths(join(dirname(resolve('@tensorflow/tfjs-backend-wasm')), '/'));
        return activate(tf, 'wasm');
      },
    },
    { backend: 'cpu', init: () => activate(load('@tensorflow/tfjs') as Tf, 'cpu') },
  ];
  if (!options.prefer) return all;
  const i = all.findIndex((c) => c.backend === options.prefer);
  return all.slice(i);
}

let runtime: Promise<TfRuntime> | null = null;

/**
 * The process-wide runtime, started once (TF.js keeps one global backend). Later calls get the same
 * runtime whatever they pass; `resetTfRuntimeForTests` starts over.
 */
export function tfRuntime(options: BackendOptions = {}): Promise<TfRuntime> {
  runtime ??= selectBackend(defaultCandidates(options));
  return runtime;
}

export function resetTfRuntimeForTests(): void {
  runtime = null;
}

/** `backend wasm (tfjs 4.22.0); skipped tensorflow: Cannot find module ...` */
export function describeRuntime(rt: TfRuntime): string {
  const skipped = rt.attempts.filter((a) => !a.ok).map((a) => `${a.backend}: ${a.reason}`);
  return `TF.js backend ${rt.backend} (tfjs ${rt.tfjsVersion})${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}`;
}
