/**
 * The built notifier (`apps/notifier/dist/main.js`) as a child process, stopped twice mid-stream and
 * restarted, delivering to a signed webhook in sends of 5 alerts:
 *
 *  1. SIGKILL at the worst moment: the receiver kills the process right after answering 200 to its third
 *     send, before the notifier can commit it;
 *  2. SIGTERM (a graceful stop, as Kubernetes does) right after the second send of the next process;
 *  3. a third process finishes the stream; more alerts are produced between the stops.
 *
 * Proves what the notifier guarantees across restarts: every alert is delivered; the graceful stop
 * repeats nothing (the send in flight finishes and is committed before the process leaves); the SIGKILL
 * repeats at most the one send it interrupted — the same 5 alerts, under the same X-Vigil-Delivery id,
 * so a receiver that remembers delivery ids (or alert ids) drops them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { committedOffsets, endOffsets } from '../detector/detector-runs';
import {
  alertOf,
  kafkaSection,
  NOTIFIER_TOPICS,
  startNotifierBroker,
  startNotifierProcess,
  waitFor,
  type NotifierBroker,
  type NotifierProcess,
} from './notifier-fixture';
import { webhookReceiver } from './siem-receivers';

const SECRET = 'restart-secret-0123456789';
const GROUP = 'notifier-restart';
const BATCH = 5;

describe('notifier restarts', () => {
  let kafka: NotifierBroker;
  const receiver = webhookReceiver(SECRET);
  const running: NotifierProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'vigil-notifier-restart-'));

  beforeAll(async () => {
    kafka = await startNotifierBroker();
    await receiver.start();
  }, 30_000);

  afterAll(async () => {
    await Promise.all(running.map((p) => p.process.stop({ graceMs: 5000 })));
    await receiver.stop();
    await kafka?.stop();
  }, 30_000);

  it('delivers every alert: nothing repeated after SIGTERM, at most the interrupted send after SIGKILL', async () => {
    const config = {
      logLevel: 'info',
      // The mock expires a SIGKILLed member after its session: the shortest it takes (see mock-broker.c).
      kafka: { ...kafkaSection(kafka.broker, GROUP), sessionTimeoutMs: 5000 },
      destinations: [
        {
          name: 'hook',
          format: 'ecs',
          maxBatch: BATCH,
          retry: { maxAttempts: 5, initialBackoffMs: 50, maxBackoffMs: 200 },
          transport: { type: 'webhook', url: receiver.url },
        },
      ],
    };
    const env = { VIGIL_NOTIFIER_HOOK_SECRET: SECRET };
    const start = async (name: string) => {
      const p = await startNotifierProcess(name, config, dir, env);
      running.push(p);
      return p;
    };
    const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `n${from + i}`);
    const accepted = () => receiver.accepted.map((d) => (d as { vigil: { alert_id: string } }).vigil.alert_id);
    await kafka.produce(ids(0, 30).map((id) => alertOf(id)));

    // 1. SIGKILL right after the third send was answered 200: delivered, not yet committed.
    const first = await start('notifier-1');
    let killedAfter: string[] = [];
    receiver.afterAnswer = (r) => {
      if (r.status !== 200 || receiver.deliveries.length !== 3) return;
      first.process.child.kill('SIGKILL');
      killedAfter = (JSON.parse(r.body.toString()) as { vigil: { alert_id: string } }[]).map((d) => d.vigil.alert_id);
      receiver.afterAnswer = null;
    };
    expect((await first.process.exited).signal).toBe('SIGKILL');
    expect(killedAfter).toHaveLength(BATCH);
    const deliveredBeforeKill = accepted().length;
    await kafka.produce(ids(30, 45).map((id) => alertOf(id)));

    // 2. SIGTERM right after the next process's second send: it commits what it sent, then exits 0.
    const second = await start('notifier-2');
    const base = receiver.deliveries.length;
    receiver.afterAnswer = (r) => {
      if (r.status !== 200 || receiver.deliveries.length !== base + 2) return;
      second.process.child.kill('SIGTERM');
      receiver.afterAnswer = null;
    };
    const exit = await second.process.exited;
    expect([exit.code, exit.signal]).toEqual([0, null]);
    expect(second.process.recentOutput()).toContain('"msg":"notifier stopped"');
    expect(accepted().length).toBeGreaterThan(deliveredBeforeKill);
    await kafka.produce(ids(45, 60).map((id) => alertOf(id)));

    // 3. A third process finishes the stream.
    await start('notifier-3');
    const [end] = await endOffsets(kafka.kafka, NOTIFIER_TOPICS.alerts);
    await waitFor(
      'the whole topic committed',
      async () => (await committedOffsets(kafka.kafka, `${GROUP}.hook`, NOTIFIER_TOPICS.alerts))[0] === end,
      40_000,
    );

    const all = ids(0, 60);
    const got = accepted();
    expect([...new Set(got)].sort()).toEqual([...all].sort());
    const counts = new Map<string, number>();
    for (const id of got) counts.set(id, (counts.get(id) ?? 0) + 1);
    const repeated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    // Only the send the SIGKILL interrupted may come twice: nothing the graceful stop's process sent.
    expect(repeated.every((id) => killedAfter.includes(id))).toBe(true);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
    // A resent batch carries the delivery id it had the first time.
    const deliveryCounts = new Map<string, number>();
    for (const d of receiver.deliveries) deliveryCounts.set(d, (deliveryCounts.get(d) ?? 0) + 1);
    expect([...deliveryCounts.values()].filter((n) => n > 1)).toHaveLength(repeated.length > 0 ? 1 : 0);
    process.stdout.write(
      `notifier restart test: ${got.length} deliveries of ${all.length} alerts; ` +
        `${repeated.length} repeated after the SIGKILL (the interrupted send of ${BATCH}), 0 after the SIGTERM\n`,
    );
  }, 90_000);
});
