/**
 * The main thread's half of the parallel inventory (see parallel-protocol.ts): runs the builder's
 * endpoint identity on each block's (host, method, template, status) in input order and tells the
 * worker which accumulator each event goes to. The figures themselves never reach the main thread
 * until the workers' partials at the end.
 */
import { endpointKey } from '../endpoint-key';
import type { InventoryBuilder } from '../builder/inventory-builder';
import type { EndpointMerge, InventoryDelta } from '../store/inventory-store';
import type { BlockIdentities, BlockTargets } from './parallel-protocol';

export class InventoryCoordinator {
  private readonly ids = new Map<string, number>();
  private readonly defs: (readonly [number, string, string, string])[] = [];
  /** Per worker: how many defs it has been sent. */
  private readonly sent: number[] = [];
  private readonly merges: EndpointMerge[] = [];

  constructor(private readonly builder: InventoryBuilder) {}

  /** Where each event of a block goes; call for the blocks in input order. */
  answer(worker: number, block: BlockIdentities): BlockTargets {
    const { keys, key, status } = block;
    const target = new Int32Array(key.length);
    for (let i = 0; i < key.length; i++) {
      const k = key[i]! * 3;
      const acc = this.builder.route(keys[k]!, keys[k + 1]!, keys[k + 2]!, status[i]!);
      if (acc.targetId < 0) {
        const id = `${acc.host} ${endpointKey(acc.method, acc.template)}`;
        let n = this.ids.get(id);
        if (n === undefined) {
          n = this.defs.length;
          this.ids.set(id, n);
          this.defs.push([n, acc.host, acc.method, acc.template]);
        }
        acc.targetId = n;
      }
      target[i] = acc.targetId;
    }
    const from = this.sent[worker] ?? 0;
    this.sent[worker] = this.defs.length;
    return { defs: this.defs.slice(from), target };
  }

  /**
   * What identity alone adds to the store since the last call: the overflow buckets' templates and
   * samples. Merges of promotions are held back for `finish`, after the workers' partials, so that the
   * figures the workers still hold under a promoted literal template are folded too.
   */
  drainIdentity(): InventoryDelta {
    const d = this.builder.drain();
    this.merges.push(...d.merges);
    return { endpoints: [], overflow: d.overflow, merges: [] };
  }

  /** The held-back merges, to apply after every worker's partial. */
  finish(): InventoryDelta {
    const d = this.drainIdentity();
    const merges = this.merges.splice(0);
    return { ...d, merges };
  }
}
