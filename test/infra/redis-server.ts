import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort } from './free-port';
import { describeExit, spawnOwned, type OwnedProcess } from './owned-process';
import { requireCommand } from './system-packages';

export interface RedisServerOptions {
  /** The redis-server executable; default `redis-server` from PATH. */
  readonly binary?: string;
  /** Extra command-line configuration, e.g. `['--maxmemory', '10mb']`. */
  readonly args?: readonly string[];
  /** How long to wait for the first PONG. */
  readonly startTimeoutMs?: number;
}

export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  readonly pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its working directory. Idempotent. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const PORT_ATTEMPTS = 3;

/**
 * Starts a throwaway redis-server on a free loopback port, with nothing persisted. It never touches the
 * machine's own Redis on 6379. The server dies with the test process (see owned-process.ts).
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  if (options.binary === undefined) requireCommand('redis-server', 'redis-server');
  let lastError: Error | undefined;
  // The free port can be taken between getFreePort() and redis-server's bind: try a fresh one.
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await getFreePort(HOST);
    const dir = await mkdtemp(join(tmpdir(), 'vigil-redis-'));
    try {
      return await startOn(port, dir, options);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      lastError = error as Error;
      if (!/address already in use/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError;
}

async function startOn(port: number, dir: string, options: RedisServerOptions): Promise<RedisServer> {
  const args = [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    ...(options.args ?? []),
  ];
  const server = await spawnOwned('redis-server', options.binary ?? 'redis-server', args);
  try {
    await waitForPong(server, port, options.startTimeoutMs ?? 10_000);
  } catch (error) {
    await server.stop({ graceMs: 1000 });
    throw error;
  }
  return {
    host: HOST,
    port,
    url: `redis://${HOST}:${port}`,
    pid: server.pid,
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPong(server: OwnedProcess, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: string | undefined;
  void server.exited.then((e) => (exit = describeExit(e)));
  while (Date.now() < deadline) {
    if (exit !== undefined) {
      throw new Error(`redis-server on port ${port} ${exit} before answering PING:\n${server.recentOutput()}`);
    }
    if (await answersPing(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms:\n${server.recentOutput()}`);
}

/** One raw RESP round trip: true on `+PONG`; false on refusal, `-LOADING`, or anything else. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}
