/**
 * The detector killed with SIGKILL at random points mid-stream, five times, and restarted each time,
 * ends with the same window state in Redis and the same decisions and alerts as a detector that was
 * never killed, reading the same topic at the same time (its own group, key prefix and output topics).
 * That is exactly-once where it matters: no event lost or counted twice in the windows (the state is
 * equal key by key), no decision lost, none made differently. A decision may be produced twice (the
 * batch in flight when the kill came); its id is the same, and the test counts those repeats.
 *
 * The traffic is the bundled sample (every attack class), produced steadily while both consume, because
 * the mock broker keeps only the last few MB of a partition.
 *
 * Run twice: with the windows computed in Redis by scripts (`redis.windows: scripts`, the default), and
 * computed in the process per partition with Redis as their bulk-written durable copy (`partition`,
 * issue #20) — where the state compared is each partition's hash of packed entities and its meta.
 */
import { Redis } from 'ioredis';
import type { Alert, Decision } from '@vigil/detection';
import { startRedisServer, type RedisServer } from '../infra/redis-server';
import {
  distinctRecords,
  outputTopics,
  produceSteadily,
  runConfig,
  sampleLines,
  sleep,
  startDetectorProcess,
  startRunsStack,
  waitFor,
  waitForCommitted,
  windowState,
  type RunsStack,
} from './detector-runs';

const RAW = 'raw.kong';
/** The whole sample at most; the stream ends a few seconds after the last kill. */
const LINES = 14_800;
const PER_SECOND = 150;
const KILLS = 5;

describe.each([['scripts'], ['partition']] as const)('detector crash recovery, windows: %s', (windows) => {
  let stack: RunsStack<RedisServer>;
  const ref = outputTopics('ref');
  const crash = outputTopics('crash');

  beforeAll(async () => {
    stack = await startRunsStack({
      name: 'crash',
      raw: [{ name: RAW, partitions: 1 }],
      runs: ['ref', 'crash'],
      redis: () => startRedisServer(),
    });
  }, 60_000);

  afterAll(() => stack?.stop(), 60_000);

  it('killed five times mid-stream, ends with the windows and decisions of a run never killed', async () => {
    const { broker, redis, kafka, reader, running, dir } = stack;
    const seed = Date.now() % 100_000;
    let random = seed;
    const next = () => (random = (random * 16807) % 2147483647) / 2147483647;
    const config = (run: string) =>
      runConfig({
        brokers: broker.brokers,
        rawTopic: RAW,
        run,
        redis: { url: redis.url },
        keyPrefix: `${run}:`,
        windows,
      });

    const reference = await startDetectorProcess('ref', config('ref'), dir);
    running.push(reference);
    let victim = await startDetectorProcess('crash-0', config('crash'), dir);
    running.push(victim);
    let producing = true;
    let killsDone = false;
    let linesAtLastKill = 0;
    let producedSoFar = 0;
    const produced = produceSteadily(kafka, RAW, sampleLines(LINES), PER_SECOND, undefined, (n) => {
      producedSoFar = n;
      return killsDone && n >= linesAtLastKill + 5 * PER_SECOND;
    }).finally(() => {
      producing = false;
    });

    const kills: string[] = [];
    for (let k = 1; k <= KILLS; k++) {
      // Each incarnation gets some of the stream done, then dies at a random point of its work.
      const p = victim;
      await waitFor(`${p.name} to consume`, async () => (await p.eventsConsumed()) > 0, 60_000);
      await sleep(150 + next() * 1500);
      expect(producing).toBe(true); // mid-stream: more is still coming
      const consumed = await p.eventsConsumed();
      p.process.child.kill('SIGKILL');
      const exit = await p.process.exited;
      expect(exit.signal).toBe('SIGKILL');
      kills.push(`${p.name} after ${consumed} events`);
      victim = await startDetectorProcess(`crash-${k}`, config('crash'), dir);
      running.push(victim);
    }
    linesAtLastKill = producedSoFar;
    killsDone = true;
    const total = await produced;

    await waitForCommitted(kafka, ['vigil-ref', 'vigil-crash'], RAW);
    // Both runs' last batch closed on the idle flush; let the reader see every output.
    await sleep(3000);

    const client = new Redis(redis.url);
    try {
      const [expected, recovered] = await Promise.all([windowState(client, 'ref:'), windowState(client, 'crash:')]);
      expect(expected.size).toBeGreaterThan(1000);
      expect([...recovered.keys()]).toEqual([...expected.keys()]);
      const differing = [...expected].filter(([k, v]) => recovered.get(k) !== v).map(([k]) => k);
      expect(differing).toEqual([]);
    } finally {
      client.disconnect();
    }

    const refDecisions = reader.of<Decision>(ref.decisions);
    const crashDecisions = reader.of<Decision>(crash.decisions);
    expect(refDecisions.length).toBeGreaterThan(20);
    const expectedDecisions = distinctRecords(refDecisions);
    const recoveredDecisions = distinctRecords(crashDecisions);
    expect([...recoveredDecisions.keys()].sort()).toEqual([...expectedDecisions.keys()].sort());
    for (const [k, v] of expectedDecisions) expect(recoveredDecisions.get(k)).toBe(v);
    const expectedAlerts = distinctRecords(reader.of<Alert>(ref.alerts));
    const recoveredAlerts = distinctRecords(reader.of<Alert>(crash.alerts));
    expect([...recoveredAlerts.keys()].sort()).toEqual([...expectedAlerts.keys()].sort());
    for (const [k, v] of expectedAlerts) expect(recoveredAlerts.get(k)).toBe(v);
    // What the kills cost: outputs of batches in flight, produced again under the same ids.
    process.stdout.write(
      `crash test (seed ${seed}, ${total} lines): ${kills.join('; ')}; ${refDecisions.length} decisions, ` +
        `${crashDecisions.length - refDecisions.length} produced again after kills\n`,
    );
  }, 300_000);
});
