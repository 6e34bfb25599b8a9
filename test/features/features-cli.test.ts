/**
 * `vigil features` end to end on a small simulator corpus: the memory and Redis stores write the same
 * bytes, and a second run into the same Redis adds nothing (every entity update is recognised by its offsets).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeFeatures } from '../../apps/cli/src/commands/features';
import { FEATURE_REGISTRY } from '@vigil/features';
import { generateBenchCorpus } from '@vigil/simulator';
import { startRedisServer, type RedisServer } from '../infra/redis-server';

let dir: string;
let server: RedisServer;
let corpus: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-features-cli-'));
  corpus = join(dir, 'kong.ndjson');
  [server] = await Promise.all([
    startRedisServer(),
    generateBenchCorpus(corpus, { format: 'kong', records: 3000, seed: 11 }),
  ]);
});
afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const base = {
  source: 'kong',
  input: '',
  batch: '500',
  allowedLatenessMs: '60000',
  maxEntities: '500000',
  progress: false,
};

it('writes identical vectors with the memory and the Redis store, and a re-run into Redis adds nothing', async () => {
  const run = (name: string, extra: object) =>
    computeFeatures({ ...base, input: corpus, out: join(dir, `${name}.ndjson`), store: 'memory', ...extra });
  const mem = await run('mem', {});
  const redis = await run('redis', { store: 'redis', redisUrl: server.url });
  const again = await run('again', { store: 'redis', redisUrl: server.url });
  const [a, b] = await Promise.all([
    readFile(join(dir, 'mem.ndjson'), 'utf8'),
    readFile(join(dir, 'redis.ndjson'), 'utf8'),
  ]);
  expect(b).toBe(a);
  expect(mem.vectors).toBeGreaterThan(mem.events);
  expect(redis.roundTripsPerBatch).toBeLessThanOrEqual(2);
  expect(again.replayedEntities).toBe(again.vectors);

  const first = JSON.parse(a.split('\n')[0]!) as { entity: 'ip'; registry: number; features: Record<string, number> };
  expect(first.registry).toBe(FEATURE_REGISTRY.version);
  expect(Object.keys(first.features)).toEqual(FEATURE_REGISTRY.byEntity[first.entity].map((d) => d.name));
}, 60_000);
