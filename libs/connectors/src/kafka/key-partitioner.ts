/**
 * The partition a record key gets from the producers Vigil's services use (kafkajs's DefaultPartitioner,
 * Java-compatible murmur2 — what a Java or librdkafka `murmur2_random` producer gives the same key), for
 * tools that must place keys without a broker: `vigil evaluate --partitions`, the scale projection.
 */
import { Partitioners } from 'kafkajs';

/** Keys memoized at most; past it the memo starts again (a long input has millions of distinct addresses). */
const MEMO_LIMIT = 200_000;

/** A function key → partition over `partitions` partitions, memoized per key (up to `memoLimit` keys). */
export function keyPartitioner(partitions: number, memoLimit = MEMO_LIMIT): (key: string) => number {
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new Error(`partitions must be a whole number >= 1, got ${partitions}`);
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, p) => ({
    partitionId: p,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  const memo = new Map<string, number>();
  return (key) => {
    let p = memo.get(key);
    if (p === undefined) {
      p = partitioner({ topic: 'vigil', partitionMetadata, message: { key, value: null } });
      if (memo.size >= memoLimit) memo.clear();
      memo.set(key, p);
    }
    return p;
  };
}
