import { spawn, type ChildProcess, type StdioPipe } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * A child process that a test owns: it is killed when the owner stops it, when the Node process exits
 * (normally or by an uncaught error), and, where `setpriv` exists, by the kernel when the owning process
 * dies by a signal (PR_SET_PDEATHSIG), so a crashed Jest worker leaves no servers behind.
 */
export interface OwnedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves once the process has exited and been reaped. Never rejects. */
  readonly exited: Promise<ProcessExit>;
  /** The last few KiB of what the process wrote to the captured streams, for error messages. */
  recentOutput(): string;
  /**
   * Stops the process: runs `requestExit` (default: send SIGTERM), waits up to `graceMs`, then SIGKILLs.
   * Idempotent; resolves once the process is gone.
   */
  stop(options?: StopOptions): Promise<void>;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly spawnError?: Error;
}

export interface StopOptions {
  readonly requestExit?: (child: ChildProcess) => void;
  readonly graceMs?: number;
}

export interface SpawnOwnedOptions {
  /** Keep stdin open as a pipe (for line protocols); otherwise it is /dev/null. */
  readonly stdinPipe?: boolean;
  /** Leave stdout to the caller (not captured in recentOutput). */
  readonly stdoutToCaller?: boolean;
  /** The child's environment (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
}

const RECENT_OUTPUT_BYTES = 8192;
const SETPRIV = '/usr/bin/setpriv';
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAllOnExit(): void {
  for (const child of live) child.kill('SIGKILL');
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous; kill() is. Signals that kill Node outright are covered by pdeathsig.
  process.on('exit', killAllOnExit);
}

export function spawnOwned(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOwnedOptions = {},
): Promise<OwnedProcess> {
  installExitHook();
  const [file, argv] =
    process.platform === 'linux' && existsSync(SETPRIV)
      ? [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args]]
      : [command, [...args]];
  const stdio: [StdioPipe | 'ignore', StdioPipe, StdioPipe] = [options.stdinPipe ? 'pipe' : 'ignore', 'pipe', 'pipe'];
  const child = spawn(file, argv, { stdio, env: options.env });

  let recent = '';
  const capture = (chunk: Buffer): void => {
    recent = (recent + chunk.toString('utf8')).slice(-RECENT_OUTPUT_BYTES);
  };
  child.stderr?.on('data', capture);
  if (!options.stdoutToCaller) child.stdout?.on('data', capture);

  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
    child.once('error', (spawnError) => {
      // 'error' without a pid means the spawn itself failed and no 'exit' will follow.
      if (child.pid === undefined) resolve({ code: null, signal: null, spawnError });
    });
  });

  return new Promise((resolve, reject) => {
    child.once('spawn', () => {
      live.add(child);
      let stopping: Promise<void> | undefined;
      const stop = (stopOptions: StopOptions = {}): Promise<void> => {
        stopping ??= stopChild(child, exited, stopOptions);
        return stopping;
      };
      resolve({ child, pid: child.pid as number, exited, recentOutput: () => recent, stop });
    });
    child.once('error', (error) => {
      if (child.pid === undefined) reject(new Error(`cannot start ${name} (${command}): ${error.message}`));
    });
  });
}

async function stopChild(child: ChildProcess, exited: Promise<ProcessExit>, options: StopOptions): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const { requestExit = (c: ChildProcess) => c.kill('SIGTERM'), graceMs = 5000 } = options;
  requestExit(child);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  const outcome = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Describes how a process ended, for error messages. */
export function describeExit(exit: ProcessExit): string {
  if (exit.spawnError) return `failed to spawn: ${exit.spawnError.message}`;
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${String(exit.code)}`;
}
