/**
 * The main thread's loop of the parallel inventory (parallel-protocol.ts) over a decode pool with the
 * inventory's worker aggregator (structurally @vigil/connectors' DecodePool; this lib does not depend
 * on the connectors): answer each block in input order, store the overflow templates as they come, and
 * at the end the workers' partials, then the promotions' merges.
 */
import type { Readable } from 'node:stream';
import type { InventoryBuilder } from '../builder/inventory-builder';
import type { InventoryDelta, InventoryStore } from '../store/inventory-store';
import { InventoryCoordinator } from './inventory-coordinator';
import type { BlockIdentities } from './parallel-protocol';

export interface AggregatedBatch {
  readonly aggregate?: unknown;
  readonly worker?: number;
  readonly eventCount: number;
  readonly deadLetters: readonly unknown[];
  readonly bytesRead: number;
}

export interface AggregatingPool<B extends AggregatedBatch> {
  read(input: Readable): AsyncIterable<B>;
  answer(batch: B, message: unknown): void;
  drain(): Promise<unknown[]>;
}

export async function addInParallel<B extends AggregatedBatch>(
  pool: AggregatingPool<B>,
  input: Readable,
  builder: InventoryBuilder,
  store: InventoryStore,
  onBatch?: (batch: B) => void,
): Promise<void> {
  const coordinator = new InventoryCoordinator(builder);
  for await (const batch of pool.read(input)) {
    const identities = batch.aggregate as BlockIdentities | undefined;
    // Blocks whose keys the worker had all settled ask nothing.
    if (identities && identities.key.length > 0) {
      pool.answer(batch, coordinator.answer(batch.worker!, identities));
    }
    await store.apply(coordinator.drainIdentity());
    onBatch?.(batch);
  }
  for (const partial of await pool.drain()) await store.apply(partial as InventoryDelta);
  await store.apply(coordinator.finish());
}
