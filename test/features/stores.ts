/** Harnesses that build each WindowStore implementation for the contract and equivalence tests. */
import Redis, { Cluster } from 'ioredis';
import {
  MemoryWindowStore,
  PartitionWindowStore,
  RedisWindowStore,
  type PartitionWindowStoreOptions,
  type WindowStore,
} from '@vigil/features';
import type { StoreHarness } from './window-store.contract';

let namespace = 0;
const prefix = () => `t${process.pid}-${++namespace}:`;

export const memoryHarness: StoreHarness = {
  durable: false,
  create: async (options) => new MemoryWindowStore({ allowedLatenessMs: options?.allowedLatenessMs }),
  reopen: async (store) => store,
};

/** Each store gets its own key prefix, so tests share one server without flushing it. */
export function redisHarness(client: () => Redis | Cluster): StoreHarness {
  const prefixes = new WeakMap<WindowStore, { keyPrefix: string; allowedLatenessMs?: number }>();
  const open = (keyPrefix: string, allowedLatenessMs?: number) => {
    const store = new RedisWindowStore({ client: client(), keyPrefix, allowedLatenessMs, ownsClient: false });
    prefixes.set(store, { keyPrefix, allowedLatenessMs });
    return store;
  };
  return {
    durable: true,
    create: async (options) => open(prefix(), options?.allowedLatenessMs),
    reopen: async (store) => {
      const p = prefixes.get(store)!;
      return open(p.keyPrefix, p.allowedLatenessMs);
    },
  };
}

/**
 * PartitionWindowStore over partition 0 of `access`, each store its own key prefix; reopen() restores a
 * new instance from the hash the first one flushed to (a new owner after a restart).
 */
export function partitionHarness(client: () => Redis | Cluster, flushEveryBatches = 1): StoreHarness {
  const options = new WeakMap<WindowStore, PartitionWindowStoreOptions>();
  const open = async (o: PartitionWindowStoreOptions) => {
    const store = await PartitionWindowStore.open(o);
    options.set(store, o);
    return store;
  };
  return {
    durable: true,
    create: async (o) =>
      open({
        client: client(),
        keyPrefix: prefix(),
        topic: 'access',
        partition: 0,
        allowedLatenessMs: o?.allowedLatenessMs,
        flushEveryBatches,
        ownsClient: false,
      }),
    reopen: async (store) => {
      await (store as PartitionWindowStore).flush();
      return open(options.get(store)!);
    },
  };
}
