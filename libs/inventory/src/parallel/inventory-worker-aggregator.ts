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
import { admissionStatus, OVERFLOW_TEMPLATE } from '../endpoint-key';
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

/** Settled keys remembered per worker; beyond this the map starts again (costs only questions). */
const SETTLED_CAP = 50_000;

export class InventoryWorkerAggregator {
  private readonly exposure: ExposureClassifier;
  private readonly maxQueryKeys: number;
  /** Per block waiting for its answer: the events asked about and their keys. */
  private readonly pending = new Map<number, { events: AccessEvent[]; keys: string[]; key: Int32Array }>();
  private readonly targets: Target[] = [];
  /**
   * `host method routeTemplate` → the endpoint the main thread once routed it to. Admission is
   * monotone (an admitted endpoint stays admitted) and a template only ever moves by being folded into
   * a promotion (folded at the end too), so every later event of a settled key goes there without asking:
   * in steady state nothing is held and nothing is asked.
   */
  private settled = new Map<string, number>();

  constructor(options: InventoryWorkerOptions) {
    this.exposure = new ExposureClassifier(options.config.exposure);
    this.maxQueryKeys = options.config.templates.maxQueryKeys;
  }

  block(seq: number, events: readonly AccessEvent[]): BlockIdentities {
    const index = new Map<string, number>();
    const keys: string[] = [];
    const flat: string[] = [];
    const asked: AccessEvent[] = [];
    const key: number[] = [];
    const status: number[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const k = `${e.host} ${e.method} ${e.routeTemplate}`;
      const t = this.settled.get(k);
      if (t !== undefined) {
        this.add(t, e);
        continue;
      }
      let n = index.get(k);
      if (n === undefined) {
        n = keys.length;
        index.set(k, n);
        keys.push(k);
        flat.push(e.host, e.method, e.routeTemplate);
      }
      asked.push(e);
      key.push(n);
      status.push(admissionStatus(e));
    }
    const identities = { keys: flat, key: Int32Array.from(key), status: Uint16Array.from(status) };
    if (asked.length) this.pending.set(seq, { events: asked, keys, key: identities.key });
    return identities;
  }

  answer(seq: number, message: unknown): void {
    const { defs, target } = message as BlockTargets;
    for (const [id, host, method, template] of defs) {
      const overflow = template === OVERFLOW_TEMPLATE;
      this.targets[id] = { host, method, template, queryKeys: overflow ? null : new Set(), acc: null };
    }
    const p = this.pending.get(seq);
    if (!p) throw new Error(`inventory worker: an answer for block ${seq}, which it does not hold`);
    this.pending.delete(seq);
    if (this.settled.size >= SETTLED_CAP) this.settled = new Map();
    for (let i = 0; i < p.events.length; i++) {
      const id = target[i]!;
      this.add(id, p.events[i]!);
      if (this.targets[id]!.queryKeys !== null) this.settled.set(p.keys[p.key[i]!]!, id);
    }
  }

  private add(id: number, e: AccessEvent): void {
    const t = this.targets[id]!;
    const acc = (t.acc ??= new EndpointAccumulator(t.host, t.method, t.template, t.queryKeys));
    acc.add(e, this.exposure.classify(e.clientIp), this.maxQueryKeys);
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
