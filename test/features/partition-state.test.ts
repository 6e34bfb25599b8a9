/**
 * The memory store's state export and import (state/entity-codec.ts, store/partition-state.ts), without
 * Redis: for any cut point, exporting every entity, importing into a fresh store and applying the rest
 * gives byte for byte the vectors of the uninterrupted store; and upserting each batch's changed entities
 * into a map (deleting the evicted) reproduces the full export.
 */
import fc from 'fast-check';
import type { AccessEvent } from '@vigil/events';
import {
  MemoryWindowStore,
  type ApplyResult,
  type MemoryWindowStoreOptions,
  type PackedWindowState,
} from '@vigil/features';
import { T0, batches, event, mixedTraffic } from './fixtures/access-events';
import { simulatorEvents } from './fixtures/simulator-events';

const TOPIC = 'access';
const PARTITION = 3;

/** A batch's vectors as bytes: entity, id, time and the doubles themselves (so -0, NaN payloads count). */
function vectorBytes(r: ApplyResult): string[] {
  return r.vectors.map(
    (v) =>
      `${v.entity}\0${v.id}\0${v.at}\0${Buffer.from(v.values.buffer, v.values.byteOffset, v.values.byteLength).toString('hex')}`,
  );
}

function apply(store: MemoryWindowStore, batch: readonly AccessEvent[], offset: number): ApplyResult {
  return store.applyNow(batch, { topic: TOPIC, partition: PARTITION, firstOffset: offset });
}

/** Every batch's vectors through one store; and, from batch `cut` on, through a store restored there. */
function uninterruptedAndRestored(
  events: readonly AccessEvent[],
  size: number,
  cut: number,
  options: MemoryWindowStoreOptions,
): { uninterrupted: string[][]; restored: string[][]; exported: PackedWindowState } {
  const parts = batches(events, size);
  const one = new MemoryWindowStore(options);
  let first = new MemoryWindowStore(options);
  const uninterrupted: string[][] = [];
  const restored: string[][] = [];
  let exported: PackedWindowState | undefined;
  let offset = 0;
  for (let b = 0; b < parts.length; b++) {
    if (b === cut) {
      exported = first.exportState();
      first = new MemoryWindowStore(options);
      first.importState(exported.meta, exported.entities);
    }
    // Beside the vectors, what the bounds did: entities held and evicted (TTL sweeps, cap) after each batch.
    const bounds = (store: MemoryWindowStore) => {
      const st = store.stats();
      return `held ${store.size}, ttl ${st.evictedByTtl}, cap ${st.evictedByCap}`;
    };
    uninterrupted.push([...vectorBytes(apply(one, parts[b]!, offset)), bounds(one)]);
    const r = apply(first, parts[b]!, offset);
    if (b >= cut) restored.push([...vectorBytes(r), bounds(first)]);
    offset += parts[b]!.length;
  }
  if (!exported) exported = first.exportState();
  return { uninterrupted: uninterrupted.slice(cut), restored, exported };
}

/** Upserts each batch's changes into a map; after each batch it must equal the full export. */
function checkChangesReproduceExport(events: readonly AccessEvent[], size: number, options: MemoryWindowStoreOptions) {
  const store = new MemoryWindowStore({ ...options, trackChanges: true });
  const copy = new Map<string, string>();
  let meta = '';
  let offset = 0;
  let removed = 0;
  for (const batch of batches(events, size)) {
    apply(store, batch, offset);
    offset += batch.length;
    const changes = store.takeChanges();
    for (const e of changes.entities) copy.set(e.key, e.value.toString('hex'));
    for (const key of changes.removed) copy.delete(key);
    removed += changes.removed.length;
    meta = changes.meta.toString('utf8');
    const full = store.exportState();
    expect(meta).toBe(full.meta.toString('utf8'));
    expect(copy.size).toBe(full.entities.length);
    for (const e of full.entities)
      if (copy.get(e.key) !== e.value.toString('hex'))
        expect([e.key, copy.get(e.key)]).toEqual([e.key, e.value.toString('hex')]);
  }
  return { removed, entities: copy.size };
}

describe('memory store state export and import', () => {
  it('gives byte-identical vectors after an export and import at any cut point (mixed traffic)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 30, max: 600 }),
        fc.integer({ min: 0, max: 60 }),
        (seed, size, cutAt) => {
          const events = mixedTraffic(2500, seed);
          const cut = cutAt % Math.ceil(events.length / size);
          const { uninterrupted, restored } = uninterruptedAndRestored(events, size, cut, {});
          expect(restored).toEqual(uninterrupted);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps TTL sweeps and cap evictions on schedule across an import (3 h of traffic, caps from tight to loose)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        // Down to batches of under a minute of event time, so a sweep is not due at every batch.
        fc.integer({ min: 5, max: 400 }),
        fc.integer({ min: 0, max: 60 }),
        // Up to the ~1,500 entities the stream makes: from heavy eviction to a few per batch.
        fc.integer({ min: 40, max: 1600 }),
        (seed, size, cutAt, maxEntities) => {
          // Three hours: IPs idle past their 70 min TTL are swept; the cap evicts all along.
          const events = mixedTraffic(3000, seed, 3 * 3_600_000);
          const cut = cutAt % Math.ceil(events.length / size);
          const { uninterrupted, restored } = uninterruptedAndRestored(events, size, cut, { maxEntities });
          expect(restored).toEqual(uninterrupted);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('gives byte-identical vectors after an import on the simulator corpus, at several cuts', () => {
    const events = simulatorEvents(12_000, 7);
    for (const [size, cut] of [
      [1000, 1],
      [1000, 6],
      [512, 17],
    ] as const) {
      const { uninterrupted, restored, exported } = uninterruptedAndRestored(events, size, cut, {});
      expect(exported.entities.length).toBeGreaterThan(1000);
      expect(restored).toEqual(uninterrupted);
    }
  });

  it('evicts the least recently touched first after an import, as the uninterrupted store does', () => {
    // 100 IPs touched in order, one per event; then 10 new ones push 10 out; then the first 20 come back.
    const ips = (from: number, to: number, t: number) =>
      Array.from({ length: to - from }, (_, i) =>
        event({ ts: T0 + t + i, ip: `198.18.0.${from + i}`, asn: null, country: null }),
      );
    const parts = [ips(0, 100, 0), ips(100, 110, 1000), ips(0, 20, 2000)];
    // ip + subnet + route + user agent entities: 100 IPs, one subnet, one route… capped just above the first batch.
    const options = { maxEntities: 105 };
    const run = (cut: boolean) => {
      let store = new MemoryWindowStore(options);
      const out: string[][] = [];
      parts.forEach((p, b) => {
        if (cut && b === 1) {
          const state = store.exportState();
          store = new MemoryWindowStore(options);
          store.importState(state.meta, state.entities);
        }
        out.push(vectorBytes(apply(store, p, b * 1000)));
      });
      return { out, store };
    };
    const whole = run(false);
    const restored = run(true);
    expect(restored.out).toEqual(whole.out);
    expect(restored.store.stats().evictedByCap).toBe(whole.store.stats().evictedByCap);
    expect(whole.store.stats().evictedByCap).toBeGreaterThanOrEqual(10);
  });

  it('exports the same bytes again from an imported store', () => {
    const events = mixedTraffic(3000, 99, 2 * 3_600_000);
    const store = new MemoryWindowStore({ maxEntities: 300 });
    batches(events, 250).forEach((b, i) => apply(store, b, i * 250));
    const first = store.exportState();
    const again = new MemoryWindowStore({ maxEntities: 300 });
    again.importState(first.meta, first.entities);
    const second = again.exportState();
    expect(second.meta.toString()).toBe(first.meta.toString());
    const hex = (s: PackedWindowState) => new Map(s.entities.map((e) => [e.key, e.value.toString('hex')]));
    expect(hex(second)).toEqual(hex(first));
  });

  it('reproduces the full export from the changed entities of each batch (mixed traffic, evictions)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 50, max: 500 }),
        fc.integer({ min: 40, max: 2000 }),
        (seed, size, maxEntities) => {
          const events = mixedTraffic(2000, seed, 3 * 3_600_000);
          checkChangesReproduceExport(events, size, { maxEntities });
        },
      ),
      { numRuns: 20 },
    );
  });

  it('reproduces the full export from the changed entities of each batch (simulator corpus, a cap)', () => {
    const { removed, entities } = checkChangesReproduceExport(simulatorEvents(8000, 5), 500, { maxEntities: 1500 });
    expect(removed).toBeGreaterThan(0);
    expect(entities).toBeLessThanOrEqual(1500);
  });

  it('refuses to import into a store that has applied a batch, and state of another layout', () => {
    const store = new MemoryWindowStore();
    apply(store, mixedTraffic(50, 1), 0);
    const state = store.exportState();
    expect(() => store.importState(state.meta, state.entities)).toThrow(/fresh store/);
    const foreign = Buffer.from(state.meta.toString().replace(/"registry":"[^"]+"/, '"registry":"0000"'));
    expect(() => new MemoryWindowStore().importState(foreign, [])).toThrow(/feature layout 0000/);
  });
});
