/**
 * Kafka topics as a RecordSource: a kafkajs consumer group with `eachBatch`, `autoCommit: false` and
 * `eachBatchAutoResolve: false`. Each fetched batch (one topic-partition) is handed to the reader through
 * `batches()`, and `eachBatch` waits until the reader acknowledges it. Only then are the batch's offsets
 * resolved (so kafkajs fetches on from there) and the position the reader names committed — which may
 * lie before the batch's end, when the reader still holds some of its records (a detection batch that
 * spans fetches): those are read again after a restart, never lost.
 *
 * kafkajs is unmaintained since 2023: it is used only here and behind the RecordSource port.
 * https://kafka.js.org/docs/consuming#a-name-each-batch-a-eachbatch
 */
import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs';
import type { CommitPosition, RecordSource, SourceBatch, SourceRecord } from '../ports';

export interface KafkaRecordSourceOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group without committed offsets starts; default the beginning (a detector must see it all). */
  readonly fromBeginning?: boolean;
  /** Passed to kafkajs (sessionTimeout, heartbeatInterval, maxWaitTimeInMs, maxBytesPerPartition, ...). */
  readonly consumer?: Omit<ConsumerConfig, 'groupId'>;
  /** The group is rebalancing: until `onAssigned`, partitions held may be moving to another member. */
  readonly onRebalancing?: () => void;
  /** Joined (or rejoined) the group with these partitions, by topic. */
  readonly onAssigned?: (assignment: Readonly<Record<string, readonly number[]>>) => void;
  /**
   * Times the consumer is rebuilt and rejoins after kafkajs gives up on an error it deems final (default
   * 5, with 1 s, 2 s, … between): a group-protocol error during a rebalance is final to kafkajs but not
   * to the group. Past the budget the stream ends with the error.
   */
  readonly restarts?: number;
  readonly onRestart?: (error: Error, attempt: number) => void;
}

/** An acknowledgement that came after the consumer was rebuilt: nothing was committed, nothing is lost. */
export class SourceRestartedError extends Error {
  override readonly name = 'SourceRestartedError';
}

interface Pending {
  readonly batch: SourceBatch;
}

const CLOSED = Symbol('closed');

export class KafkaRecordSource implements RecordSource {
  private consumer: Consumer;
  private restartsLeft: number;
  private restartCount = 0;
  private readonly queue: Pending[] = [];
  private waiter: ((p: Pending | null) => void) | null = null;
  /** Releases of batches handed out and not yet acknowledged (resolved with CLOSED on close or restart). */
  private readonly unacked = new Set<(v: typeof CLOSED) => void>();
  private failure: Error | null = null;
  private closed = false;
  private started: Promise<void> | null = null;
  private joined = false;

  constructor(private readonly o: KafkaRecordSourceOptions) {
    this.restartsLeft = o.restarts ?? 5;
    this.consumer = this.newConsumer();
  }

  private newConsumer(): Consumer {
    const consumer = this.o.kafka.consumer({ ...this.o.consumer, groupId: this.o.groupId });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.joined = true;
      this.o.onAssigned?.(e.payload.memberAssignment);
    });
    consumer.on(consumer.events.REBALANCING, () => this.o.onRebalancing?.());
    consumer.on(consumer.events.CRASH, (e) => {
      // kafkajs restarts itself on retriable errors; on a final one it has disconnected: rebuild and
      // rejoin within the budget, else end the stream with the cause.
      if (e.payload.restart || this.closed) return;
      if (this.restartsLeft-- > 0) void this.restart(e.payload.error);
      else this.fail(e.payload.error);
    });
    return consumer;
  }

  private async restart(error: Error): Promise<void> {
    const attempt = ++this.restartCount;
    this.joined = false;
    this.o.onRestart?.(error, attempt);
    for (const release of this.unacked) release(CLOSED);
    this.unacked.clear();
    await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    if (this.closed) return;
    this.consumer = this.newConsumer();
    this.started = null;
    try {
      await this.start();
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /** True once the consumer has joined its group (and so has partitions, or knows it has none). */
  get isJoined(): boolean {
    return this.joined && !this.closed && this.failure === null;
  }

  /** Connects, subscribes and starts fetching; `batches()` calls it too. */
  start(): Promise<void> {
    this.started ??= (async () => {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [...this.o.topics], fromBeginning: this.o.fromBeginning ?? true });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.onBatch(payload),
      });
    })();
    return this.started;
  }

  async *batches(): AsyncGenerator<SourceBatch> {
    await this.start();
    for (;;) {
      const next = await this.next();
      if (!next) return;
      yield next.batch;
    }
  }

  async commit(positions: readonly CommitPosition[]): Promise<void> {
    if (!positions.length) return;
    await this.consumer.commitOffsets(
      positions.map((p) => ({ topic: p.topic, partition: p.partition, offset: String(p.offset) })),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const release of this.unacked) release(CLOSED);
    this.unacked.clear();
    this.wake(null);
    await this.consumer.disconnect();
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale } = payload;
    if (this.closed || !isRunning() || isStale() || batch.messages.length === 0) return;
    const records: SourceRecord[] = batch.messages.map((m) => ({
      offset: Number(m.offset),
      key: m.key ?? null,
      value: m.value ?? null,
      headers: headersOf(m.headers),
      timestamp: Number(m.timestamp),
    }));
    let commit: CommitPosition | null = null;
    let done!: (err?: Error) => void;
    const finished = new Promise<void>((resolve, reject) => {
      done = (err) => (err ? reject(err) : resolve());
    });
    // A batch released unacknowledged (restart, close) may never be acked: its rejection is nobody's.
    finished.catch(() => undefined);
    const released = new Promise<typeof CLOSED | 'acked'>((resolve) => {
      const release = (v: typeof CLOSED) => resolve(v);
      this.unacked.add(release);
      this.queue.push({
        batch: {
          topic: batch.topic,
          partition: batch.partition,
          records,
          nextOffset: Number(batch.lastOffset()) + 1,
          highWatermark: Number(batch.highWatermark),
          ack: (c) => {
            commit = c;
            this.unacked.delete(release);
            resolve('acked');
            return finished;
          },
        },
      });
      this.wake(this.queue.shift()!);
    });
    if ((await released) === CLOSED) {
      done(new SourceRestartedError('the consumer was rebuilt before this batch was acknowledged; nothing committed'));
      return;
    }
    try {
      // Resolved up to the batch's end: kafkajs fetches on from there. The commit is what the reader says.
      resolveOffset(batch.lastOffset());
      const c = commit as CommitPosition | null;
      if (c) {
        await commitOffsetsIfNecessary({
          topics: [{ topic: c.topic, partitions: [{ partition: c.partition, offset: String(c.offset) }] }],
        });
      }
      await heartbeat();
      done();
    } catch (err) {
      done(err as Error);
      throw err;
    }
  }

  private next(): Promise<Pending | null> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.resolve(null);
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      this.waiter = (p) => (this.failure ? reject(this.failure) : resolve(p));
    });
  }

  private wake(p: Pending | null): void {
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w(p);
    } else if (p) this.queue.unshift(p);
  }

  private fail(err: Error): void {
    this.failure = err;
    this.wake(null);
  }
}

function headersOf(h: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? String(v[v.length - 1]) : String(v);
  }
  return out;
}
