/**
 * The decode worker's half of the parallel inventory (see parallel-protocol.ts): holds each decoded
 * block until the main thread has said where every event goes, then adds the figures. Loaded by the
 * DecodePool's worker from INVENTORY_WORKER_AGGREGATOR; satisfies @vigil/connectors' WorkerAggregator.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessEvent } from '@vigil/events';
import { EndpointAccumulator } from '../builder/endpoint-accumulator';
import { toDelta } from '../builder/inventory-builder';
import { OVERFLOW_TEMPLATE } from '../endpoint-key';
import { ExposureClassifier } from '../exposure';
import type { EndpointDelta, InventoryDelta } from '../store/inventory-store';
import type { BlockIdentities, BlockTargets, InventoryWorkerOptions } from './parallel-protocol';

/** Compiled module path for DecodePool's `aggregator.module` (from dist/ when the sources run under Jest). */
export const INVENTORY_WORKER_AGGREGATOR = ((): string => {
  const here = join(__dirname, 'inventory-worker-aggregator.js');
  return existsSync(here) ? here : join(__dirname, '..', '..', 'dist', 'parallel', 'inventory-worker-aggregator.js');
})();

interface Target {
  readonly host: string;
  readonly method: string;
  readonly template: string;
  readonly queryKeys: Set<string> | null;
  acc: EndpointAccumulator | null;
}

export class InventoryWorkerAggregator {
  private readonly exposure: ExposureClassifier;
  private readonly maxQueryKeys: number;
  private readonly pending = new Map<number, readonly AccessEvent[]>();
  private readonly targets: Target[] = [];

  constructor(options: InventoryWorkerOptions) {
    this.exposure = new ExposureClassifier(options.config.exposure);
    this.maxQueryKeys = options.config.templates.maxQueryKeys;
  }

  block(seq: number, events: readonly AccessEvent[]): BlockIdentities {
    this.pending.set(seq, events);
    const index = new Map<string, number>();
    const keys: string[] = [];
    const key = new Int32Array(events.length);
    const status = new Uint16Array(events.length);
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const k = `${e.host} ${e.method} ${e.routeTemplate}`;
      let n = index.get(k);
      if (n === undefined) {
        n = keys.length / 3;
        index.set(k, n);
        keys.push(e.host, e.method, e.routeTemplate);
      }
      key[i] = n;
      status[i] = e.status;
    }
    return { keys, key, status };
  }

  answer(seq: number, message: unknown): void {
    const { defs, target } = message as BlockTargets;
    for (const [id, host, method, template] of defs) {
      const overflow = template === OVERFLOW_TEMPLATE;
      this.targets[id] = { host, method, template, queryKeys: overflow ? null : new Set(), acc: null };
    }
    const events = this.pending.get(seq);
    if (!events) throw new Error(`inventory worker: an answer for block ${seq}, which it does not hold`);
    this.pending.delete(seq);
    for (let i = 0; i < events.length; i++) {
      const t = this.targets[target[i]!]!;
      const acc = (t.acc ??= new EndpointAccumulator(t.host, t.method, t.template, t.queryKeys));
      const e = events[i]!;
      acc.add(e, this.exposure.classify(e.clientIp), this.maxQueryKeys);
    }
  }

  /** This worker's figures since the last drain, as endpoint deltas (no overflow templates, no merges). */
  drain(): InventoryDelta {
    const endpoints: EndpointDelta[] = [];
    for (const t of this.targets) {
      if (t?.acc) {
        endpoints.push(toDelta(t.acc));
        t.acc = null;
      }
    }
    return { endpoints, overflow: [], merges: [] };
  }
}

export function createWorkerAggregator(options: unknown): InventoryWorkerAggregator {
  return new InventoryWorkerAggregator(options as InventoryWorkerOptions);
}
