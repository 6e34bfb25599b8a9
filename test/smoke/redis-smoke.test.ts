import Redis from 'ioredis';
import { startRedisServer, type RedisServer } from '../infra/redis-server';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

describe('throwaway redis-server', () => {
  let server: RedisServer | undefined;
  let client: Redis | undefined;

  afterEach(async () => {
    client?.disconnect();
    await server?.stop();
  });

  it('serves a pipeline on its own port and is gone after stop', async () => {
    server = await startRedisServer();
    expect(server.port).not.toBe(6379);
    client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();

    const results = await client
      .pipeline()
      .set('login:failed:{acct-1}', '0')
      .incrby('login:failed:{acct-1}', 3)
      .pfadd('ips:{acct-1}', '10.0.0.1', '10.0.0.2', '10.0.0.1')
      .pfcount('ips:{acct-1}')
      .pexpire('login:failed:{acct-1}', 60_000)
      .config('GET', 'save')
      .exec();

    expect(results).toEqual([
      [null, 'OK'],
      [null, 3],
      [null, 1],
      [null, 2],
      [null, 1],
      [null, ['save', '']],
    ]);

    client.disconnect();
    client = undefined;
    const { pid } = server;
    await server.stop();
    server = undefined;
    expect(isRunning(pid)).toBe(false);
  });

  it('gives each server its own port and data', async () => {
    const [first, second] = await Promise.all([startRedisServer(), startRedisServer()]);
    const [a, b] = [new Redis(first.url), new Redis(second.url)];
    try {
      expect(first.port).not.toBe(second.port);
      await a.set('owner', 'first');
      expect(await b.get('owner')).toBeNull();
    } finally {
      a.disconnect();
      b.disconnect();
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});
