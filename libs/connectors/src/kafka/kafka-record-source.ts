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
}

interface Pending {
  readonly batch: SourceBatch;
}

const CLOSED = Symbol('closed');

export class KafkaRecordSource implements RecordSource {
  readonly consumer: Consumer;
  private readonly queue: Pending[] = [];
  private waiter: ((p: Pending | null) => void) | null = null;
  /** Releases of batches handed out and not yet acknowledged (resolved with CLOSED on close). */
  private readonly unacked = new Set<(v: typeof CLOSED) => void>();
  private failure: Error | null = null;
  private closed = false;
  private started: Promise<void> | null = null;
  private joined = false;

  constructor(private readonly o: KafkaRecordSourceOptions) {
    this.consumer = o.kafka.consumer({ ...o.consumer, groupId: o.groupId });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.joined = true;
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      // kafkajs restarts itself on retriable errors; anything else ends the stream with the cause.
      if (!e.payload.restart) this.fail(e.payload.error);
    });
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
    if ((await released) === CLOSED) return;
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
