import { Partitioners } from 'kafkajs';
import { keyPartitioner } from './key-partitioner';

describe('keyPartitioner', () => {
  const keys = Array.from({ length: 500 }, (_, i) => `203.0.113.${i % 256}/${i}`);

  it('places keys where kafkajs’s default partitioner does', () => {
    const partitionMetadata = Array.from({ length: 16 }, (_, p) => ({
      partitionId: p,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    }));
    const kafkajs = Partitioners.DefaultPartitioner();
    const ours = keyPartitioner(16);
    for (const key of keys)
      expect(ours(key)).toBe(kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } }));
  });

  it('gives the same partitions past its memo limit, with the memo started again', () => {
    const big = keyPartitioner(16);
    const small = keyPartitioner(16, 7);
    const spread = new Set<number>();
    for (const key of [...keys, ...keys]) {
      expect(small(key)).toBe(big(key));
      spread.add(big(key));
    }
    expect(spread.size).toBe(16);
  });

  it('refuses a partition count that is not a whole number >= 1', () => {
    expect(() => keyPartitioner(0)).toThrow(/whole number >= 1/);
    expect(() => keyPartitioner(2.5)).toThrow(/whole number >= 1/);
  });
});
