import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { getFreePort } from './free-port';
import { startRedisServer, type RedisServer } from './redis-server';
import { requireCommand } from './system-packages';

const run = promisify(execFile);

export interface RedisClusterNode {
  readonly host: string;
  readonly port: number;
}

export interface RedisCluster {
  readonly nodes: RedisClusterNode[];
  /** Stops every node and removes their working directories. Idempotent. */
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  /** Masters (no replicas); default 3, the smallest cluster redis-cli accepts. */
  readonly masters?: number;
  readonly startTimeoutMs?: number;
}

/**
 * Starts a throwaway Redis Cluster of `masters` redis-server processes on free loopback ports
 * (`--cluster-enabled yes`, the bus on its own free port since port+10000 may be out of range), joins them
 * with `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes`, and waits until every node
 * reports `cluster_state:ok` and knows all slots. Nothing is persisted; nodes die with the test process.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  requireCommand('redis-cli', 'redis-tools');
  const servers: RedisServer[] = [];
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= Promise.all(servers.map((s) => s.stop())).then(() => undefined);
    return stopped;
  };
  try {
    for (let i = 0; i < masters; i++) {
      const busPort = await getFreePort();
      servers.push(
        await startRedisServer({
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '5000',
            '--cluster-port',
            String(busPort),
          ],
        }),
      );
    }
    const addresses = servers.map((s) => `${s.host}:${s.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: 30_000,
    });
    await waitForClusterOk(servers, options.startTimeoutMs ?? 20_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: servers.map((s) => ({ host: s.host, port: s.port })), stop };
}

async function waitForClusterOk(servers: readonly RedisServer[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const infos = await Promise.all(
      servers.map((s) =>
        run('redis-cli', ['-h', s.host, '-p', String(s.port), 'cluster', 'info'], { timeout: 5000 }).then(
          (r) => r.stdout,
          (e: Error) => e.message,
        ),
      ),
    );
    if (infos.every((i) => /cluster_state:ok/.test(i) && /cluster_slots_ok:16384/.test(i))) return;
    last = infos.join('\n---\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis cluster not ok within ${timeoutMs} ms:\n${last}`);
}
