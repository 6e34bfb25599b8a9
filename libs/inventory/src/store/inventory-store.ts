/**
 * The inventory's state behind one interface with two implementations that pass one contract suite
 * (test/inventory/inventory-store.contract.ts): MemoryInventoryStore for the CLI and tests, and
 * RedisInventoryStore for the services. A store only adds up what the builder hands it: per-endpoint
 * counters (all of them sums, so merging is addition), distinct clients, first/last seen, and the
 * merges that free-slot promotions ask for. It makes no templating decision of its own.
 */
import type { Promotion } from '../templating/template-resolver';

/**
 * Counter fields (sums), the same names in memory and in Redis hashes:
 *   n requests · sv served (2xx/3xx) · sa served and authenticated · s:<status> · a:<auth type>
 *   x:<exposure> · rc:<route class> · k:<sensitive kind> · q:<query key>:<value kind> · qx requests with
 *   untracked query keys · l:<latency bucket> · b:<bytes-out bucket> · o:cap / o:notFound (overflow only)
 */
export type Counters = ReadonlyMap<string, number>;

export interface EndpointDelta {
  readonly host: string;
  readonly method: string;
  readonly template: string;
  readonly counters: Counters;
  /** Distinct client addresses of this batch. */
  readonly clients: readonly string[];
  readonly firstSeen: number;
  readonly lastSeen: number;
}

export interface OverflowDelta {
  readonly host: string;
  /** Distinct overflowed templates of this batch (counted, not kept). */
  readonly templates: readonly string[];
  /** Templates to keep as examples. */
  readonly samples: readonly string[];
}

export interface EndpointMerge {
  readonly promotion: Promotion;
  /** Endpoint keys (`METHOD /template`) of the host folded into the promoted template, same method. */
  readonly from: readonly string[];
}

export interface InventoryDelta {
  /** Overflow buckets are endpoints too: method `*`, template `{overflow}`. */
  readonly endpoints: readonly EndpointDelta[];
  readonly overflow: readonly OverflowDelta[];
  /** Applied after `endpoints`, so that a batch's own writes to the old templates are folded too. */
  readonly merges: readonly EndpointMerge[];
}

export interface EndpointRecord {
  readonly host: string;
  readonly method: string;
  readonly template: string;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly counters: Readonly<Record<string, number>>;
  readonly distinctClients: number;
}

export interface OverflowRecord extends EndpointRecord {
  readonly distinctTemplates: number;
  readonly samples: readonly string[];
}

export interface InventorySnapshot {
  /** Sorted by host, template, method. */
  readonly endpoints: readonly EndpointRecord[];
  readonly overflow: readonly OverflowRecord[];
  readonly promotions: readonly Promotion[];
}

export interface InventoryStore {
  apply(delta: InventoryDelta): Promise<void>;
  snapshot(): Promise<InventorySnapshot>;
  close(): Promise<void>;
}

export function isEmptyDelta(delta: InventoryDelta): boolean {
  return delta.endpoints.length === 0 && delta.overflow.length === 0 && delta.merges.length === 0;
}

export function compareRecords(a: EndpointRecord, b: EndpointRecord): number {
  return a.host < b.host
    ? -1
    : a.host > b.host
      ? 1
      : a.template < b.template
        ? -1
        : a.template > b.template
          ? 1
          : a.method < b.method
            ? -1
            : a.method > b.method
              ? 1
              : 0;
}
