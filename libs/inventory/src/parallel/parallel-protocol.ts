/**
 * The inventory on decode workers, as a map-reduce that gives exactly the single-threaded result:
 *
 *   worker  block(events)  → BlockIdentities: per event only host, method, route template and status
 *   main    InventoryCoordinator.answer → InventoryBuilder.route for each event, in input order (admission,
 *           cap, free-slot promotions, overflow samples: everything order-dependent) → BlockTargets
 *   worker  answer(targets) → adds each event's figures to its endpoint's accumulator (the costly part:
 *           statuses, auth, exposure, quantile buckets, clients, sensitive kinds, query keys)
 *   main    at the end: every worker's partial counters, then the overflow templates and the merges of
 *           promotions, into the store. Every counter is a sum and clients are a set, so the order of
 *           the partials does not matter.
 *
 * One exception, documented: an endpoint's tracked query keys (`templates.maxQueryKeys`, first come
 * first tracked) are chosen per worker, so beyond that many distinct keys on one endpoint which keys are
 * named, and the `qx` count, may differ from a single-threaded run.
 */
import type { InventoryConfig } from '../config';

export interface InventoryWorkerOptions {
  readonly config: InventoryConfig;
}

export interface BlockIdentities {
  /** Distinct (host, method, route template) of the block, flattened: host, method, template, host, … */
  readonly keys: readonly string[];
  /** Per event: index of its key (in triples) in `keys`. */
  readonly key: Int32Array;
  readonly status: Uint16Array;
}

export interface BlockTargets {
  /** Endpoints (and overflow buckets) this worker has not been told about yet: id, host, method, template. */
  readonly defs: readonly (readonly [number, string, string, string])[];
  /** Per event: the id of the accumulator its figures go to. */
  readonly target: Int32Array;
}
