/**
 * The detector bench's producer, a child process (forked by suites/detector.ts) so that producing costs
 * the measured process nothing but the records it consumes. It produces a Kong log file's lines to one
 * topic (one partition), in one of two modes:
 *  - `credit`: the lines as they are, never past the parent's latest credit (an absolute record count).
 *    The librdkafka mock broker keeps only the last ~5 MiB of a partition, so production must stay just
 *    ahead of consumption; the parent grants credit as the service consumes.
 *  - `paced`: the lines retimed to the wall clock (`started_at` = now) at a steady rate, with a burst of
 *    failed logins from a never-seen address every `burstEveryMs`; each burst's address and the time it
 *    was handed to the producer go to the parent, which matches them to decisions.
 */
import { openInput, readLineBatches } from '@vigil/connectors';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';

export interface CreditJob {
  readonly mode: 'credit';
  readonly file: string;
  readonly brokers: string[];
  readonly topic: string;
  /** Lines to produce (the file's first `count`). */
  readonly count: number;
}

export interface PacedJob {
  readonly mode: 'paced';
  readonly file: string;
  readonly brokers: string[];
  readonly topic: string;
  readonly perSecond: number;
  readonly seconds: number;
  readonly burstEveryMs: number;
  readonly burstSize: number;
  /** No burst starts in the last `quietTailMs` (their batch would close on the idle flush, not in stride). */
  readonly quietTailMs: number;
}

export type ProducerJob = CreditJob | PacedJob;

export type ToProducer =
  { readonly kind: 'job'; readonly job: ProducerJob } | { readonly kind: 'credit'; readonly upTo: number };

export type FromProducer =
  | { readonly kind: 'ready' }
  | { readonly kind: 'burst'; readonly ip: string; readonly producedAt: number }
  | {
      readonly kind: 'done';
      readonly produced: number;
      readonly firstAt: number;
      readonly lastAt: number;
      readonly cpuSeconds: number;
    };

/** Records per produce request: ~0.5 MB of Kong lines, well inside the mock's retention. */
const SEND_LINES = 250;
const TICK_MS = 20;
const MAX_LINE_BYTES = 1024 * 1024;

const send = (m: FromProducer) => process.send!(m);

async function* fileLines(file: string): AsyncGenerator<string> {
  for await (const b of readLineBatches(openInput(file).stream, { maxLineBytes: MAX_LINE_BYTES })) yield* b.lines;
}

async function runCredit(job: CreditJob, credit: { upTo: number; wake: (() => void) | null }): Promise<void> {
  const kafka = new Kafka({ clientId: 'bench-producer', brokers: job.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const cpu0 = process.cpuUsage();
  let produced = 0;
  let firstAt = 0;
  let pending: string[] = [];
  const flush = async () => {
    while (produced + pending.length > credit.upTo) await new Promise<void>((resolve) => (credit.wake = resolve));
    if (!firstAt) firstAt = Date.now();
    await producer.send({
      topic: job.topic,
      compression: CompressionTypes.None,
      messages: pending.map((value) => ({ value })),
    });
    produced += pending.length;
    pending = [];
  };
  for await (const line of fileLines(job.file)) {
    pending.push(line);
    if (pending.length === SEND_LINES || produced + pending.length === job.count) await flush();
    if (produced === job.count) break;
  }
  if (pending.length) await flush();
  const lastAt = Date.now();
  await producer.disconnect();
  const cpu = process.cpuUsage(cpu0);
  send({ kind: 'done', produced, firstAt, lastAt, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
}

const STARTED_AT = /"started_at":\d+/;

/** A failed login from `ip` on a fresh account: a template line from the file, re-addressed. */
function burstLine(template: Record<string, unknown>, ip: string, account: string, ts: number): string {
  const r = structuredClone(template) as {
    client_ip: string;
    started_at: number;
    request: { headers: Record<string, unknown> };
  };
  r.client_ip = ip;
  r.started_at = ts;
  const h = r.request.headers;
  for (const k of Object.keys(h)) if (/forwarded|client-ip|real-ip/.test(k)) delete h[k];
  h['x-login-username'] = account;
  return JSON.stringify(r);
}

async function runPaced(job: PacedJob): Promise<void> {
  let lines = fileLines(job.file);
  let template: Record<string, unknown> | null = null;
  const backlog: string[] = [];
  // The burst template: the file's first failed login (its route and headers are the gateway's own).
  while (!template) {
    const next = await lines.next();
    if (next.done) throw new Error(`${job.file} has no failed login to build bursts from`);
    backlog.push(next.value);
    if (next.value.includes('"status":401') && next.value.includes('login')) template = JSON.parse(next.value);
  }
  const kafka = new Kafka({ clientId: 'bench-producer', brokers: job.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const cpu0 = process.cpuUsage();
  const start = Date.now();
  let produced = 0;
  let bursts = 0;
  let background = 0;
  for (;;) {
    const now = Date.now();
    const elapsed = now - start;
    if (elapsed >= job.seconds * 1000) break;
    const due = Math.floor((elapsed / 1000) * job.perSecond) - background;
    const messages: { value: string }[] = [];
    for (let i = 0; i < due; i++) {
      let line = backlog.shift();
      if (line === undefined) {
        let next = await lines.next();
        // Retimed, the file can simply start over: its users come back.
        if (next.done) next = await (lines = fileLines(job.file)).next();
        if (next.done) throw new Error(`${job.file} is empty`);
        line = next.value;
      }
      messages.push({ value: line.replace(STARTED_AT, `"started_at":${now}`) });
    }
    background += due;
    const burstIp =
      elapsed >= bursts * job.burstEveryMs && elapsed < job.seconds * 1000 - job.quietTailMs
        ? `45.${10 + (bursts % 200)}.${(bursts * 7) & 255}.${1 + (bursts % 250)}`
        : null;
    if (burstIp) {
      for (let k = 0; k < job.burstSize; k++)
        messages.push({ value: burstLine(template, burstIp, `burst${bursts}-${k}@bench.example`, now) });
      bursts++;
    }
    if (messages.length) {
      const producedAt = Date.now();
      await producer.send({ topic: job.topic, compression: CompressionTypes.None, messages });
      produced += messages.length;
      if (burstIp) send({ kind: 'burst', ip: burstIp, producedAt });
    }
    const wait = TICK_MS - (Date.now() - now);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const lastAt = Date.now();
  await producer.disconnect();
  const cpu = process.cpuUsage(cpu0);
  send({ kind: 'done', produced, firstAt: start, lastAt, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
}

if (require.main === module) {
  const credit = { upTo: 0, wake: null as (() => void) | null };
  process.on('message', (m: ToProducer) => {
    if (m.kind === 'credit') {
      credit.upTo = Math.max(credit.upTo, m.upTo);
      credit.wake?.();
      credit.wake = null;
      return;
    }
    const run = m.job.mode === 'credit' ? runCredit(m.job, credit) : runPaced(m.job);
    run
      .then(() => process.disconnect())
      .catch((err: Error) => {
        process.stderr.write(`bench producer: ${err.stack ?? err.message}\n`);
        process.exit(1);
      });
  });
  send({ kind: 'ready' });
}
