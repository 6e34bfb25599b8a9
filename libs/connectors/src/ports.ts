/**
 * The streaming ports: a RecordSource hands out batches of raw records of one (topic, partition) with
 * their offsets, and is told what to commit once a batch's outputs are safe; a RecordSink writes records
 * and resolves only once they are durable (a flushed file, a produce acknowledged by all in-sync
 * replicas). Files (FileRecordSource, NdjsonRecordSink) and Kafka (KafkaRecordSource, KafkaRecordSink)
 * implement both and pass one contract suite (test/connectors/record-stream.contract.ts).
 */

/** One raw record as the source holds it: nothing decoded yet. */
export interface SourceRecord {
  readonly offset: number;
  readonly key: Buffer | null;
  /** Null for a Kafka tombstone. A file line is its UTF-8 bytes without the newline. */
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Record timestamp (ms) where the source has one, else the time it was read. */
  readonly timestamp: number;
}

/** Where to resume: `offset` is the next record to read (Kafka's committed-offset convention). */
export interface CommitPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface SourceBatch {
  readonly topic: string;
  readonly partition: number;
  /** In offset order; offsets may have gaps (compaction, transaction markers). */
  readonly records: readonly SourceRecord[];
  /** The offset after this batch: commit it once every record of the batch is processed. */
  readonly nextOffset: number;
  /** Offset after the partition's last record when the batch was fetched, when the source knows it. */
  readonly highWatermark: number | null;
  /**
   * Hands the batch back: commits `commit` (if given) and lets the source fetch the next batch. Resolves
   * once the commit is durable. Every batch must be acknowledged before the next one is asked for.
   */
  ack(commit: CommitPosition | null): Promise<void>;
}

export interface RecordSource {
  /** Batches in offset order per partition; ends when the source is closed (or a file is read). */
  batches(): AsyncIterable<SourceBatch>;
  /** Commits positions outside a batch (an idle flush): between batches, never during one. */
  commit(positions: readonly CommitPosition[]): Promise<void>;
  /** Stops fetching: an unacknowledged batch is not committed and is delivered again on the next start. */
  close(): Promise<void>;
}

export interface RecordSink<T> {
  /** Resolves once every record is durable where it went; records keep their order. */
  write(records: readonly T[]): Promise<void>;
  close(): Promise<void>;
}
