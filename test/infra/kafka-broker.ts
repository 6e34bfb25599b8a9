import { execFile } from 'node:child_process';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { describeExit, spawnOwned, type OwnedProcess } from './owned-process';
import { missingPackageError, requireCommand } from './system-packages';

const run = promisify(execFile);

/** The C source of the mock broker and the binary compiled from it (git-ignored). */
export const MOCK_BROKER_SOURCE = resolve(__dirname, 'kafka-mock', 'mock-broker.c');
export const MOCK_BROKER_BINARY = resolve(__dirname, '..', '.artifacts', 'mock-broker');

export interface KafkaTopicSpec {
  readonly name: string;
  readonly partitions: number;
}

export interface KafkaMockOptions {
  /** Number of brokers in the mock cluster (ids 1..n); default 1. */
  readonly brokers?: number;
  /** Topics created before the bootstrap address is returned. */
  readonly topics?: readonly KafkaTopicSpec[];
  readonly startTimeoutMs?: number;
}

export interface KafkaMock {
  /** Comma-separated bootstrap list, `127.0.0.1:PORT,...`. */
  readonly bootstrap: string;
  /** The same list split, ready for kafkajs `brokers`. */
  readonly brokers: string[];
  readonly pid: number;
  /** Creates a topic (the mock serves no CreateTopics admin API). Rejects if it exists. */
  createTopic(name: string, partitions: number): Promise<void>;
  /** Closes the broker's stdin (it exits on EOF), SIGKILL after 5 s. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Compiles mock-broker.c unless the binary is newer than the source. Safe to call from parallel Jest
 * workers: each compiles to its own temporary name and renames it into place atomically, so a reader
 * sees either no binary or a complete one. globalSetup calls it once so workers normally find it built.
 * A missing gcc, pkg-config, librdkafka-dev or libc6-dev is reported by its Debian package name.
 */
export async function ensureMockBrokerBinary(): Promise<string> {
  const [source, binary] = await Promise.all([stat(MOCK_BROKER_SOURCE), stat(MOCK_BROKER_BINARY).catch(() => null)]);
  if (binary && binary.mtimeMs >= source.mtimeMs) return MOCK_BROKER_BINARY;

  const gcc = requireCommand('gcc', 'gcc');
  const flags = await rdkafkaFlags();
  await mkdir(dirname(MOCK_BROKER_BINARY), { recursive: true });
  const temporary = join(
    dirname(MOCK_BROKER_BINARY),
    `.mock-broker.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`,
  );
  try {
    await run(gcc, ['-O2', '-Wall', '-Wextra', '-std=c11', '-o', temporary, MOCK_BROKER_SOURCE, ...flags]);
    await rename(temporary, MOCK_BROKER_BINARY);
  } catch (error) {
    await rm(temporary, { force: true });
    const stderr = (error as { stderr?: string }).stderr ?? '';
    // gcc without libc6-dev finds no standard headers (or crt1.o / -lc when linking).
    if (/stdio\.h|stdlib\.h|crt1\.o|cannot find -lc\b/.test(stderr)) {
      throw missingPackageError('the C library headers (stdio.h)', 'libc6-dev');
    }
    if (/rdkafka\.h|cannot find -lrdkafka/.test(stderr)) throw missingPackageError('librdkafka', 'librdkafka-dev');
    throw new Error(
      `cannot compile ${MOCK_BROKER_SOURCE} (needs gcc and librdkafka-dev): ${(error as Error).message}\n${stderr}`,
    );
  }
  return MOCK_BROKER_BINARY;
}

async function rdkafkaFlags(): Promise<string[]> {
  const pkgConfig = requireCommand('pkg-config', 'pkg-config');
  try {
    const { stdout } = await run(pkgConfig, ['--cflags', '--libs', 'rdkafka']);
    return stdout.trim().split(/\s+/).filter(Boolean);
  } catch {
    // pkg-config knows rdkafka through librdkafka-dev's rdkafka.pc.
    throw missingPackageError('librdkafka (pkg-config rdkafka)', 'librdkafka-dev');
  }
}

/**
 * Starts librdkafka's mock cluster in a child process (see kafka-mock/mock-broker.c for what it serves
 * and its consumer-group timings). Each call is an independent cluster on its own free ports.
 */
export async function startKafkaMock(options: KafkaMockOptions = {}): Promise<KafkaMock> {
  const brokerCount = options.brokers ?? 1;
  if (!Number.isInteger(brokerCount) || brokerCount < 1) throw new Error(`invalid broker count ${brokerCount}`);
  const topicArgs = (options.topics ?? []).map((topic) => {
    validateTopic(topic.name, topic.partitions);
    return `${topic.name}:${topic.partitions}`;
  });

  const binary = await ensureMockBrokerBinary();
  const broker = await spawnOwned('kafka mock broker', binary, [String(brokerCount), ...topicArgs], {
    stdinPipe: true,
    stdoutToCaller: true,
  });
  const lines = new LineChannel(broker);
  let bootstrap: string;
  try {
    bootstrap = await lines.next(options.startTimeoutMs ?? 10_000);
  } catch (error) {
    await broker.stop({ graceMs: 1000 });
    throw error;
  }

  // Commands are answered in order; chaining keeps one in flight so answers cannot be mismatched.
  let queue: Promise<unknown> = Promise.resolve();
  const command = (text: string): Promise<string> => {
    const answer = queue.then(() => {
      broker.child.stdin?.write(`${text}\n`);
      return lines.next(10_000);
    });
    queue = answer.catch(() => undefined);
    return answer;
  };

  return {
    bootstrap,
    brokers: bootstrap.split(','),
    pid: broker.pid,
    createTopic: async (name, partitions) => {
      validateTopic(name, partitions);
      const answer = await command(`create ${name} ${partitions}`);
      if (answer !== 'ok') throw new Error(`cannot create topic ${name}: ${answer.replace(/^error /, '')}`);
    },
    stop: () => broker.stop({ requestExit: (child) => child.stdin?.end() }),
  };
}

function validateTopic(name: string, partitions: number): void {
  // Kafka's own rule for topic names; it also keeps the line protocol unambiguous.
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(name)) throw new Error(`invalid topic name ${JSON.stringify(name)}`);
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`invalid partition count ${partitions}`);
}

/** Hands out stdout lines one at a time; fails waiters when the process exits. */
class LineChannel {
  private readonly buffered: string[] = [];
  private readonly waiting: { resolve(line: string): void; reject(error: Error): void }[] = [];
  private ended: Error | undefined;

  constructor(private readonly broker: OwnedProcess) {
    if (!broker.child.stdout) throw new Error('mock broker stdout is not a pipe');
    const reader = createInterface({ input: broker.child.stdout });
    reader.on('line', (line) => {
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(line);
      else this.buffered.push(line);
    });
    void broker.exited.then((exit) => {
      this.ended = new Error(`kafka mock broker ${describeExit(exit)}:\n${broker.recentOutput()}`);
      for (const waiter of this.waiting.splice(0)) waiter.reject(this.ended);
    });
  }

  next(timeoutMs: number): Promise<string> {
    const line = this.buffered.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(new Error(`kafka mock broker did not answer within ${timeoutMs} ms:\n${this.broker.recentOutput()}`));
      }, timeoutMs);
      const waiter = {
        resolve: (value: string) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiting.push(waiter);
    });
  }
}
