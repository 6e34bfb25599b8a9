/**
 * One destination's consumer of the alerts topic: a kafkajs consumer group with `eachBatch`,
 * `autoCommit: false` and `eachBatchAutoResolve: false`, where the fetch is delivered *inside*
 * `eachBatch`. Unlike the detector's KafkaRecordSource (which hands batches out and is acknowledged
 * later), this keeps kafkajs's `heartbeat()` within reach: a SIEM that stays down makes one fetch last
 * for minutes of retries, longer than a session timeout, and kafkajs heartbeats only when asked.
 *
 * The handler commits as it goes (`control.commit`, after each send's records are delivered or
 * dead-lettered): offsets are resolved up to the position and committed explicitly. Records after the
 * last commit stay unresolved, so kafkajs fetches them again from there (kafkajs issue 18: stopping
 * without resolving). A commit refused by a rebalance is counted, not fatal: the partition's next owner
 * sends those records again (at least once).
 *
 * Stop: `stopping` turns true and the handler's signal aborts (no new send, no more waiting), the fetch
 * in hand returns and is committed, then kafkajs's disconnect — which waits for `eachBatch` — leaves
 * the group. On an error kafkajs will not retry (a group-protocol error mid-rebalance, as the test
 * broker's SyncGroup race) the consumer is rebuilt, up to `restarts` times, 1 s, 2 s, … apart.
 * https://kafka.js.org/docs/consuming#a-name-each-batch-a-eachbatch
 */
import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs';
import type { SourceRecord } from '@vigil/connectors';

export interface AlertFetch {
  readonly topic: string;
  readonly partition: number;
  /** In offset order. */
  readonly records: readonly SourceRecord[];
  /** The offset after the fetch's last record. */
  readonly nextOffset: number;
  readonly highWatermark: number;
}

export interface FetchControl {
  /** Aborted on stop, or once the group is found rebalancing: finish the send in flight and return. */
  readonly signal: AbortSignal;
  /** Keeps the membership alive (rate-limited by kafkajs to heartbeatInterval); never throws. */
  keepAlive(): Promise<void>;
  /** Commits `offset` (the next record to read after a restart); a refusal by a rebalance is counted. */
  commit(offset: number): Promise<void>;
}

/** Delivers one fetch, committing as it goes. */
export type FetchHandler = (fetch: AlertFetch, control: FetchControl) => Promise<void>;

export interface AlertConsumerOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topic: string;
  readonly consumer: Omit<ConsumerConfig, 'groupId'>;
  readonly handle: FetchHandler;
  readonly onAssigned?: (partitions: readonly number[]) => void;
  readonly onCommitRefused?: (err: Error) => void;
  readonly onRestart?: (err: Error, attempt: number) => void;
  readonly restarts?: number;
}

/** kafkajs's errors when the group moved on (https://kafka.apache.org/protocol#protocol_error_codes). */
const REBALANCE_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'NOT_COORDINATOR',
]);

export function isRebalanceError(err: unknown, depth = 0): boolean {
  const e = err as { type?: string; cause?: unknown } | null;
  if (!e || depth > 5) return false;
  return (e.type !== undefined && REBALANCE_ERRORS.has(e.type)) || isRebalanceError(e.cause, depth + 1);
}

export class AlertConsumer {
  private consumer: Consumer;
  private restartsLeft: number;
  private restartCount = 0;
  private joined = false;
  private stopping = false;
  private readonly stop = new AbortController();
  private onFailure!: (err: Error) => void;
  /** Resolves with the cause once the consumer can no longer consume. */
  readonly whenFailed = new Promise<Error>((resolve) => (this.onFailure = resolve));

  constructor(private readonly o: AlertConsumerOptions) {
    this.restartsLeft = o.restarts ?? 5;
    this.consumer = this.build();
  }

  get isJoined(): boolean {
    return this.joined && !this.stopping;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.o.topic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** Finishes the fetch in hand (its send in flight included), commits it, leaves the group. */
  async close(): Promise<void> {
    this.stopping = true;
    this.stop.abort();
    await this.consumer.disconnect();
  }

  private build(): Consumer {
    const consumer = this.o.kafka.consumer({ ...this.o.consumer, groupId: this.o.groupId });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.joined = true;
      this.o.onAssigned?.(e.payload.memberAssignment[this.o.topic] ?? []);
    });
    consumer.on(consumer.events.REBALANCING, () => (this.joined = false));
    consumer.on(consumer.events.CRASH, (e) => {
      if (e.payload.restart || this.stopping) return;
      this.joined = false;
      if (this.restartsLeft-- > 0) void this.restart(e.payload.error);
      else this.onFailure(e.payload.error);
    });
    return consumer;
  }

  private async restart(error: Error): Promise<void> {
    const attempt = ++this.restartCount;
    this.o.onRestart?.(error, attempt);
    await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    if (this.stopping) return;
    this.consumer = this.build();
    await this.start().catch((err: Error) => this.onFailure(err));
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    if (this.stopping || !isRunning() || isStale() || batch.messages.length === 0) return;
    const records: SourceRecord[] = batch.messages.map((m) => ({
      offset: Number(m.offset),
      key: m.key ?? null,
      value: m.value ?? null,
      headers: {},
      timestamp: Number(m.timestamp),
    }));
    // This fetch's own signal: the consumer's stop, or a rebalance seen by a heartbeat.
    const fetchAbort = new AbortController();
    const onStop = () => fetchAbort.abort();
    this.stop.signal.addEventListener('abort', onStop, { once: true });
    const keepAlive = async () => {
      if (fetchAbort.signal.aborted) return;
      try {
        await heartbeat();
      } catch {
        // A rebalance (this partition may be moving) or a broken connection: commit what is done and let
        // go; kafkajs rejoins or reports the failure on its next request.
        fetchAbort.abort();
      }
    };
    const commit = async (offset: number) => {
      if (offset <= records[0]!.offset) return;
      resolveOffset(String(offset - 1));
      try {
        await commitOffsetsIfNecessary({
          topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(offset) }] }],
        });
      } catch (err) {
        if (!isRebalanceError(err)) throw err;
        this.o.onCommitRefused?.(err as Error);
      }
    };
    try {
      await this.o.handle(
        {
          topic: batch.topic,
          partition: batch.partition,
          records,
          nextOffset: Number(batch.lastOffset()) + 1,
          highWatermark: Number(batch.highWatermark),
        },
        { signal: fetchAbort.signal, keepAlive, commit },
      );
    } finally {
      this.stop.signal.removeEventListener('abort', onStop);
    }
  }
}
