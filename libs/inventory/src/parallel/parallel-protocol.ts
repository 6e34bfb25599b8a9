/**
 * The inventory on decode workers, as a map-reduce that gives exactly the single-threaded result:
 *
 *   worker  block(events)  → adds at once the figures of events whose key (host, method, route template)
 *           the main thread already routed to an endpoint ("settled": admission is monotone), and sends
 *           BlockIdentities for the others: host, method, route template and status only
 *   main    InventoryCoordinator.answer → InventoryBuilder.route for each asked event, in input order
 *           (admission, cap, free-slot promotions, overflow samples: everything order-dependent; a
 *           settled key's events change none of it) → BlockTargets
 *   worker  answer(targets) → adds the asked events' figures to their accumulators (the costly part:
 *           statuses, auth, exposure, quantile buckets, clients, sensitive kinds, query keys) and
 *           settles their keys
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
  /** Per asked event (settled ones are not asked): index of its key (in triples) in `keys`. */
  readonly key: Int32Array;
  readonly status: Uint16Array;
}

export interface BlockTargets {
  /** Endpoints (and overflow buckets) this worker has not been told about yet: id, host, method, template. */
  readonly defs: readonly (readonly [number, string, string, string])[];
  /** Per event: the id of the accumulator its figures go to. */
  readonly target: Int32Array;
}
