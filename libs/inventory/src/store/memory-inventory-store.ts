/**
 * The in-process inventory store (CLI, embedded mode, tests). Same semantics as RedisInventoryStore:
 * counters add up, distinct clients are a HyperLogLog, first/last seen are min/max, merges fold the
 * old endpoints into the promoted one.
 */
import { endpointKey, OVERFLOW_KEY, parseEndpointKey } from '../endpoint-key';
import { HyperLogLog } from '../sketch/hyperloglog';
import type { Promotion } from '../templating/template-resolver';
import {
  compareRecords,
  type EndpointRecord,
  type InventoryDelta,
  type InventorySnapshot,
  type InventoryStore,
  type OverflowRecord,
} from './inventory-store';

interface StoredEndpoint {
  firstSeen: number;
  lastSeen: number;
  readonly counters: Map<string, number>;
  readonly clients: HyperLogLog;
}

interface StoredHost {
  readonly endpoints: Map<string, StoredEndpoint>;
  overflowTemplates: HyperLogLog | null;
  readonly samples: Set<string>;
}

export class MemoryInventoryStore implements InventoryStore {
  private readonly hosts = new Map<string, StoredHost>();
  private readonly promotions = new Map<string, Promotion>();

  async apply(delta: InventoryDelta): Promise<void> {
    for (const d of delta.endpoints) {
      const ep = this.endpoint(d.host, endpointKey(d.method, d.template));
      for (const [field, n] of d.counters) ep.counters.set(field, (ep.counters.get(field) ?? 0) + n);
      for (const c of d.clients) ep.clients.add(c);
      if (d.firstSeen < ep.firstSeen) ep.firstSeen = d.firstSeen;
      if (d.lastSeen > ep.lastSeen) ep.lastSeen = d.lastSeen;
    }
    for (const o of delta.overflow) {
      const h = this.host(o.host);
      const hll = (h.overflowTemplates ??= new HyperLogLog());
      for (const t of o.templates) hll.add(t);
      for (const s of o.samples) h.samples.add(s);
    }
    for (const m of delta.merges) {
      const p = m.promotion;
      const promotionKey = `${p.host} ${p.template}`;
      if (!this.promotions.has(promotionKey)) this.promotions.set(promotionKey, p);
      const h = this.host(p.host);
      for (const fromKey of m.from) {
        const src = h.endpoints.get(fromKey);
        if (!src) continue;
        const dst = this.endpoint(p.host, endpointKey(parseEndpointKey(fromKey).method, p.template));
        for (const [field, n] of src.counters) dst.counters.set(field, (dst.counters.get(field) ?? 0) + n);
        dst.clients.merge(src.clients);
        if (src.firstSeen < dst.firstSeen) dst.firstSeen = src.firstSeen;
        if (src.lastSeen > dst.lastSeen) dst.lastSeen = src.lastSeen;
        h.endpoints.delete(fromKey);
      }
    }
  }

  async snapshot(): Promise<InventorySnapshot> {
    const endpoints: EndpointRecord[] = [];
    const overflow: OverflowRecord[] = [];
    for (const [host, h] of this.hosts) {
      for (const [key, ep] of h.endpoints) {
        const { method, template } = parseEndpointKey(key);
        const record: EndpointRecord = {
          host,
          method,
          template,
          firstSeen: ep.firstSeen,
          lastSeen: ep.lastSeen,
          counters: Object.fromEntries(ep.counters),
          distinctClients: ep.clients.count(),
        };
        if (key === OVERFLOW_KEY) {
          overflow.push({
            ...record,
            distinctTemplates: h.overflowTemplates?.count() ?? 0,
            samples: [...h.samples].sort(),
          });
        } else endpoints.push(record);
      }
    }
    endpoints.sort(compareRecords);
    overflow.sort(compareRecords);
    const promotions = [...this.promotions.values()].sort((a, b) =>
      a.host === b.host ? (a.template < b.template ? -1 : 1) : a.host < b.host ? -1 : 1,
    );
    return { endpoints, overflow, promotions };
  }

  async close(): Promise<void> {}

  private host(name: string): StoredHost {
    let h = this.hosts.get(name);
    if (!h) this.hosts.set(name, (h = { endpoints: new Map(), overflowTemplates: null, samples: new Set() }));
    return h;
  }

  private endpoint(host: string, key: string): StoredEndpoint {
    const h = this.host(host);
    let ep = h.endpoints.get(key);
    if (!ep) {
      ep = {
        firstSeen: Number.POSITIVE_INFINITY,
        lastSeen: Number.NEGATIVE_INFINITY,
        counters: new Map(),
        clients: new HyperLogLog(),
      };
      h.endpoints.set(key, ep);
    }
    return ep;
  }
}
