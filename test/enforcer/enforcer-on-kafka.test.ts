/**
 * The enforcer on the decisions topic, end to end with the detector: gateway logs on Kafka → the detector
 * service (Redis windows) → the decisions topic → the enforcer → enforcement points:
 * - Debian's crowdsec-custom-bouncer, unmodified, polling the enforcer's CrowdSec Local API: the address
 *   the detector blocks reaches its add script within one poll interval; revocation and expiry reach its
 *   delete script;
 * - a server-sent-events client, which sees the detector's decision within a second of its publication
 *   and resumes from its cursor after a reconnect without losing a change.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { decisionRecordKey, type Decision } from '@vigil/detection';
import { DETECTOR_TOPICS, startDetectorStack, waitFor, type DetectorStack } from '../detector/detector-fixture';
import { KEYS, decision, startEnforcer, stuffingBurst, type RunningEnforcer } from './enforcer-fixture';

const BOUNCER = '/usr/bin/crowdsec-custom-bouncer';
const POLL_SECONDS = 1;
const ATTACKER = '203.0.113.66';

interface ScriptCall {
  readonly at: number;
  readonly verb: string;
  readonly value: string;
  readonly seconds: number;
  readonly scenario: string;
  readonly json: { id: number; type: string; scope: string; value: string; duration: string; origin: string };
}

/** What the enforcer's push events carry (push.controller.ts). */
interface SseData {
  readonly key?: string;
  readonly cause?: string;
  readonly decision?: { readonly key: string; readonly decision: Decision };
}

/** An SSE reader over fetch: events with their id, and a way to close the stream. */
function sseClient(url: string, headers: Record<string, string>) {
  const events: { event: string; id: string | null; data: SseData; at: number }[] = [];
  const abort = new AbortController();
  const done = (async () => {
    const res = await fetch(url, { headers, signal: abort.signal });
    if (res.status !== 200) throw new Error(`SSE answered ${res.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = 'message';
        let id: string | null = null;
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('id: ')) id = line.slice(4);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (data) events.push({ event, id, data: JSON.parse(data) as SseData, at: Date.now() });
      }
    }
  })().catch((err: Error) => {
    if (err.name !== 'AbortError') throw err;
  });
  return { events, close: () => (abort.abort(), done) };
}

describe('enforcer on the decisions topic, with the detector upstream', () => {
  let stack: DetectorStack;
  let enforcer: RunningEnforcer;
  let bouncer: ChildProcess | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-enforcer-'));
  const calls = join(dir, 'calls.log');
  const decisionsTopic = (): KafkaMessage[] => stack.outputs.decisions;

  const scriptCalls = (): ScriptCall[] =>
    existsSync(calls)
      ? readFileSync(calls, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => {
            const [at, verb, value, seconds, scenario, ...json] = line.split('\t');
            return {
              at: Number(at),
              verb: verb!,
              value: value!,
              seconds: Number(seconds),
              scenario: scenario!,
              json: JSON.parse(json.join('\t')),
            };
          })
      : [];

  beforeAll(async () => {
    stack = await startDetectorStack();
    enforcer = await startEnforcer({
      kafka: {
        brokers: stack.broker.brokers,
        topic: DETECTOR_TOPICS.decisions,
        deadLetters: DETECTOR_TOPICS.deadLetters,
        idempotentProducer: false,
      },
    });
    await waitFor(
      'the enforcer to be ready',
      async () => (await fetch(`${enforcer.url}/ready`)).status === 200,
      20_000,
    );
    // The bouncer's script records every call: time (ms), verb, value, duration (s), scenario, JSON.
    const script = join(dir, 'record.sh');
    writeFileSync(
      script,
      `#!/bin/sh\nprintf '%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$(date +%s%3N)" "$1" "$2" "$3" "$4" "$5" >> ${calls}\n`,
    );
    chmodSync(script, 0o755);
    const config = join(dir, 'bouncer.yaml');
    writeFileSync(
      config,
      [
        `bin_path: ${script}`,
        'feed_via_stdin: false',
        'total_retries: 0',
        `piddir: ${dir}/`,
        `update_frequency: ${POLL_SECONDS}s`,
        'cache_retention_duration: 1s',
        'daemonize: false',
        'log_mode: file',
        `log_dir: ${dir}/`,
        'log_level: debug',
        `api_url: ${enforcer.url}/`,
        `api_key: ${KEYS.bouncer}`,
        'prometheus:',
        '  enabled: false',
        '  listen_addr: 127.0.0.1',
        '  listen_port: 0',
        '',
      ].join('\n'),
    );
    bouncer = spawn(BOUNCER, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    bouncer.stderr!.on('data', (d: Buffer) => process.stderr.write(`[bouncer] ${d.toString()}`));
  }, 60_000);

  afterAll(async () => {
    bouncer?.kill('SIGKILL');
    const t0 = Date.now();
    await enforcer?.stop();
    const t1 = Date.now();
    await stack?.stop();
    process.stdout.write(`stop: enforcer ${t1 - t0} ms, stack ${Date.now() - t1} ms\n`);
  }, 60_000);

  it('refuses a request without a valid key as CrowdSec does', async () => {
    const res = await enforcer.get('/v1/decisions/stream?startup=true', 'not-a-key');
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: 'access forbidden' });
    // A key with another role is no bouncer key either.
    expect((await enforcer.get('/v1/decisions?ip=1.2.3.4', KEYS.push)).status).toBe(403);
  });

  it('delivers the detector’s block to a push client within a second, and to the bouncer’s add script within one poll', async () => {
    const sse = sseClient(`${enforcer.url}/v1/push/sse`, { 'x-api-key': KEYS.push });
    await waitFor('the SSE snapshot', () => sse.events.some((e) => e.event === 'synced'), 10_000);
    await stack.produce(
      DETECTOR_TOPICS.kong,
      stuffingBurst(ATTACKER).map((value) => ({ value })),
    );

    await waitFor(
      'the detector’s decision on the topic',
      () => decisionsTopic().some((m) => m.key?.toString() === `ip:${ATTACKER}`),
      30_000,
    );
    const record = decisionsTopic().find((m) => m.key?.toString() === `ip:${ATTACKER}`)!;
    const published = Number(record.timestamp);
    const blocked = JSON.parse(record.value!.toString()) as Decision;
    expect(blocked).toMatchObject({ action: 'block', scope: 'ip', value: ATTACKER, shadow: false });

    await waitFor(
      'the push client to see it',
      () => sse.events.some((e) => e.event === 'added' && e.data.decision?.key === `ip:${ATTACKER}`),
      5_000,
    );
    const pushed = sse.events.find((e) => e.event === 'added' && e.data.decision?.key === `ip:${ATTACKER}`)!;
    const pushLatency = pushed.at - published;
    expect(pushed.data.decision!.decision.id).toBe(blocked.id);
    expect(pushLatency).toBeLessThan(1000);

    await waitFor(
      'the bouncer’s add script',
      () => scriptCalls().some((c) => c.verb === 'add' && c.value === ATTACKER),
      10_000,
    );
    const add = scriptCalls().find((c) => c.verb === 'add' && c.value === ATTACKER)!;
    // Enforcer applied it at most ~100 ms after publication; the bouncer polls every POLL_SECONDS.
    const bouncerLatency = add.at - published;
    expect(bouncerLatency).toBeLessThan(POLL_SECONDS * 1000 + 750);
    expect(add.json).toMatchObject({ scope: 'Ip', value: ATTACKER, type: 'ban', origin: 'vigil' });
    expect(add.scenario).toBe('vigil/credential-stuffing');
    expect(add.seconds).toBeGreaterThan(blocked.ttlSeconds - 10);
    expect(add.seconds).toBeLessThanOrEqual(blocked.ttlSeconds);
    process.stdout.write(
      `enforcer latency: push ${pushLatency} ms, bouncer add ${bouncerLatency} ms after publication\n`,
    );
    // CrowdSec's lookup answers for the address and a range around it, and null elsewhere.
    const lookup = await (await enforcer.get(`/v1/decisions?ip=${ATTACKER}`, KEYS.bouncer)).json();
    expect(lookup).toEqual([expect.objectContaining({ value: ATTACKER, type: 'ban', scope: 'Ip' })]);
    expect(await (await enforcer.get('/v1/decisions?ip=192.0.2.99', KEYS.bouncer)).json()).toBeNull();
    expect(
      await (await enforcer.get('/v1/decisions?range=203.0.113.0/24&contains=false', KEYS.bouncer)).json(),
    ).toHaveLength(1);
    await sse.close();
  }, 60_000);

  it('reaches the delete script when a decision is revoked, and when one expires', async () => {
    const res = await enforcer.get(`/v1/admin/decisions?key=ip:${ATTACKER}`, KEYS.admin, { method: 'DELETE' });
    expect(res.status).toBe(202);
    await waitFor(
      'the bouncer’s del script after revocation',
      () => scriptCalls().some((c) => c.verb === 'del' && c.value === ATTACKER),
      10_000,
    );

    const shortLived = decision({ value: '198.51.100.200', ttlSeconds: 3 });
    await stack.produce(DETECTOR_TOPICS.decisions, [
      { key: decisionRecordKey(shortLived), value: JSON.stringify(shortLived) },
    ]);
    await waitFor(
      'add of the short-lived decision',
      () => scriptCalls().some((c) => c.verb === 'add' && c.value === '198.51.100.200'),
      10_000,
    );
    await waitFor(
      'del at its expiry',
      () => scriptCalls().some((c) => c.verb === 'del' && c.value === '198.51.100.200'),
      10_000,
    );
    const add = scriptCalls().find((c) => c.verb === 'add' && c.value === '198.51.100.200')!;
    const del = scriptCalls().find((c) => c.verb === 'del' && c.value === '198.51.100.200')!;
    expect(del.at - add.at).toBeGreaterThanOrEqual(1500);
    expect(del.at - add.at).toBeLessThan(3000 + POLL_SECONDS * 1000 + 1500);
  }, 40_000);

  it('never serves shadow, monitor or non-address decisions to a bouncer that asks for addresses', async () => {
    const shadow = decision({ value: '198.51.100.201', shadow: true });
    const monitor = decision({ value: '198.51.100.202', action: 'monitor' });
    const principal = decision({ scope: 'principal', value: 'a1b2c3d4e5f6a1b2c3d4e5f6', action: 'step_up' });
    const marker = decision({ value: '198.51.100.203' });
    await stack.produce(
      DETECTOR_TOPICS.decisions,
      [shadow, monitor, principal, marker].map((d) => ({ key: decisionRecordKey(d), value: JSON.stringify(d) })),
    );
    await waitFor(
      'the marker decision at the bouncer',
      () => scriptCalls().some((c) => c.verb === 'add' && c.value === '198.51.100.203'),
      10_000,
    );
    const values = scriptCalls().map((c) => c.value);
    expect(values).not.toContain('198.51.100.201');
    expect(values).not.toContain('198.51.100.202');
    expect(values).not.toContain('a1b2c3d4e5f6a1b2c3d4e5f6');
    // A bouncer that asks for the principal scope gets it, under Vigil's own scope name.
    const res = await enforcer.get('/v1/decisions/stream?startup=true&scopes=principal', KEYS.bouncer);
    const stream = (await res.json()) as { new: unknown[] };
    expect(stream.new).toEqual([
      expect.objectContaining({ scope: 'principal', type: 'step_up', value: principal.value }),
    ]);
  }, 30_000);

  it('dead-letters a record that is not a decision, and goes on', async () => {
    await stack.produce(DETECTOR_TOPICS.decisions, [
      { key: 'ip:198.51.100.9', value: '{"not":"a decision"' },
      { key: 'ip:198.51.100.10', value: JSON.stringify({ ...decision({ value: '198.51.100.10' }), action: 'nuke' }) },
    ]);
    await waitFor('two dead letters', () => stack.outputs.deadLetters.length >= 2, 10_000);
    const reasons = stack.outputs.deadLetters.map((m) => m.headers?.['vigil-dead-letter-reason']?.toString());
    expect(reasons).toEqual(['malformed_json', 'invalid_decision']);
    expect((await fetch(`${enforcer.url}/health`)).status).toBe(200);
  }, 20_000);

  it('resumes a push client from its cursor after a reconnect, losing nothing', async () => {
    const first = sseClient(`${enforcer.url}/v1/push/sse`, { 'x-api-key': KEYS.push });
    await waitFor('synced', () => first.events.some((e) => e.event === 'synced'), 5_000);
    const cursor = first.events.find((e) => e.event === 'synced')!.id!;
    await first.close();
    // While it is away: two new decisions and a revocation.
    const a = decision({ value: '192.0.2.10' });
    const b = decision({ value: '192.0.2.11', action: 'throttle' });
    await stack.produce(DETECTOR_TOPICS.decisions, [
      { key: decisionRecordKey(a), value: JSON.stringify(a) },
      { key: decisionRecordKey(b), value: JSON.stringify(b) },
      { key: 'ip:198.51.100.203', value: null },
    ]);
    await waitFor(
      'the enforcer to apply them',
      () => enforcer.app.enforcer.feed.decisions.get('ip:198.51.100.203') === undefined,
      5_000,
    );
    const second = sseClient(`${enforcer.url}/v1/push/sse`, { 'x-api-key': KEYS.push, 'last-event-id': cursor });
    await waitFor('the missed changes', () => second.events.length >= 3, 5_000);
    expect(second.events.map((e) => `${e.event}:${e.data.key ?? e.data.decision?.key}`)).toEqual([
      'added:ip:192.0.2.10',
      'added:ip:192.0.2.11',
      'removed:ip:198.51.100.203',
    ]);
    expect(second.events[2]!.data.cause).toBe('revoked');
    // Long-polling from the same cursor gives the same changes.
    const poll = (await (await enforcer.get(`/v1/push/poll?cursor=${cursor}&timeout=0`, KEYS.push)).json()) as {
      reset: boolean;
      changes: unknown[];
    };
    expect(poll.reset).toBe(false);
    expect(poll.changes).toHaveLength(3);
    await second.close();
  }, 30_000);
});
