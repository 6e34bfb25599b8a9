import { DETECTOR_DEFINITIONS } from '../detectors/detector-definitions';
import { newDataset } from './dataset-builder';
import { RowBudgetError, type RowMeta } from './dataset';
import { nextSampleRate, type RowSampling } from './row-sampling';

const SAMPLING: RowSampling = {
  maxBenignRows: 2_000,
  maxLookalikeRows: 1_000,
  maxAttackRows: 5_000,
  refill: 0.8,
  seed: 1,
};

/** Plain benign rows: `entities` customers, `perEntity` decision points each, in time order. */
function* plainRows(entities: number, perEntity: number, from = 0): Generator<RowMeta> {
  for (let t = 0; t < perEntity; t++)
    for (let e = from; e < from + entities; e++) {
      const key = `h|10.${e >> 8}.${e & 255}`;
      yield {
        label: 0,
        entityKey: key,
        at: t,
        campaign: null,
        style: null,
        trap: null,
        splitKey: key,
        origin: 'history',
      };
    }
}

const attackRow = (i: number): RowMeta => ({
  label: 1,
  entityKey: `h|45.0.${i % 200}.1`,
  at: i,
  campaign: `soc:c${i % 7}`,
  style: 'residential_botnet',
  trap: null,
  splitKey: `soc:c${i % 7}`,
  origin: 'history',
});

const lookalikeRow = (i: number, trap = 'carrier_nat', entities = 50): RowMeta => {
  const key = `h|${trap}|100.64.${(i % entities) >> 8}.${(i % entities) & 255}`;
  return { label: 0, entityKey: key, at: i, campaign: null, style: null, trap, splitKey: key, origin: 'history' };
};

function sampledDataset() {
  return newDataset(DETECTOR_DEFINITIONS['credential-stuffing'], undefined, SAMPLING);
}

describe('Dataset row store with benign sampling', () => {
  it('holds no more plain benign rows than its cap however many it is fed, and every attack row', () => {
    const ds = sampledDataset();
    const values = new Float32Array(ds.width);
    let fed = 0;
    let bytesAtCap = 0;
    // 40 × 2,000 plain rows (40 times the cap), with attacks and look-alikes arriving throughout.
    for (const m of plainRows(2_000, 40)) {
      ds.push(values, 0, m);
      if (++fed % 100 === 0) ds.push(values, 0, attackRow(fed / 100));
      if (fed % 160 === 0) ds.push(values, 0, lookalikeRow(fed / 160));
      if (fed === 10_000) bytesAtCap = ds.bytes;
      if (fed % 500 === 0) expect(ds.status().benignRowsKept).toBeLessThanOrEqual(SAMPLING.maxBenignRows);
    }
    const s = ds.status();
    expect(s.benignRowsSeen).toBe(80_000);
    expect(s.benignRate).toBeLessThan(0.05);
    expect(s.compactions).toBeGreaterThan(1);
    // Memory stopped growing once the cap was reached, four times earlier in the feed.
    expect(ds.bytes).toBe(bytesAtCap);
    const caps = SAMPLING.maxBenignRows + SAMPLING.maxLookalikeRows + SAMPLING.maxAttackRows + 2;
    expect(ds.bytes).toBeLessThanOrEqual(caps * (4 * ds.width + 31));
    // Every attack row is there, and every look-alike row (500, under their cap).
    expect(ds.positives()).toBe(800);
    expect(s.attackRows).toBe(800);
    expect(ds.column('trap').filter((t) => t === 'carrier_nat')).toHaveLength(500);
    expect(s.lookalikes).toEqual({ carrier_nat: { rows: 500, seen: 500, rate: 1 } });
  });

  it('thins the largest look-alike class first, keeping every entity of a small one', () => {
    const ds = sampledDataset();
    const values = new Float32Array(ds.width);
    // A carrier's NAT pool of 300 addresses and five monitors, 20 decision points each.
    for (let i = 0; i < 6_000; i++) ds.push(values, 0, lookalikeRow(i, 'carrier_nat', 300));
    for (let i = 0; i < 100; i++) ds.push(values, 0, lookalikeRow(i, 'uptime_monitor', 5));
    const s = ds.status();
    expect(s.lookalikeRows).toBeLessThanOrEqual(SAMPLING.maxLookalikeRows);
    expect(s.lookalikes['uptime_monitor']).toEqual({ rows: 100, seen: 100, rate: 1 });
    const nat = s.lookalikes['carrier_nat']!;
    expect(nat.seen).toBe(6_000);
    expect(nat.rate).toBeLessThan(0.2);
    // Whole addresses: every NAT address kept has its 20 rows, weighing 1/rate each.
    const rows = new Map<string, number>();
    let natRow = -1;
    for (let r = 0; r < ds.rows; r++) {
      if (ds.trap(r) !== 'carrier_nat') continue;
      rows.set(ds.entityKey(r), (rows.get(ds.entityKey(r)) ?? 0) + 1);
      natRow = r;
    }
    expect([...rows.values()].every((n) => n === 20)).toBe(true);
    expect(ds.weight(natRow)).toBeCloseTo(1 / nat.rate, 9);
  });

  it('keeps whole plain entities, each with the weight of the entities it stands for', () => {
    const ds = sampledDataset();
    const values = new Float32Array(ds.width);
    for (const m of plainRows(1_000, 12)) ds.push(values, 0, m);
    const perEntity = new Map<string, number>();
    for (let r = 0; r < ds.rows; r++) perEntity.set(ds.entityKey(r), (perEntity.get(ds.entityKey(r)) ?? 0) + 1);
    // Every entity in the sample has all 12 of its rows, from the first tick to the last.
    expect([...perEntity.values()].every((n) => n === 12)).toBe(true);
    const rate = ds.status().benignRate;
    expect(perEntity.size).toBeLessThanOrEqual(SAMPLING.maxBenignRows / 12);
    // The rate is the share of entities kept (a hash is uniform): 1,000 × rate, give or take.
    expect(Math.abs(perEntity.size - 1_000 * rate)).toBeLessThan(40);
    expect(ds.weight(0)).toBeCloseTo(1 / rate, 9);
    expect(ds.sampled).toBe(true);
    // A split copies the rate: its rows weigh what they weighed.
    const half = ds.filter((r) => r % 2 === 0);
    expect(half.weight(0)).toBe(ds.weight(0));
  });

  it('keeps every row, each weighing 1, below the cap', () => {
    const ds = sampledDataset();
    const values = new Float32Array(ds.width);
    for (const m of plainRows(100, 10)) ds.push(values, 0, m);
    expect(ds.rows).toBe(1_000);
    expect(ds.sampled).toBe(false);
    expect(ds.weight(999)).toBe(1);
    expect(ds.meta(999)).toEqual([...plainRows(100, 10)][999]);
  });

  it('refuses more attack rows than its cap, naming the detector and the cap', () => {
    const ds = newDataset(DETECTOR_DEFINITIONS['credential-stuffing'], undefined, { ...SAMPLING, maxAttackRows: 10 });
    const values = new Float32Array(ds.width);
    for (let i = 0; i < 10; i++) ds.push(values, 0, attackRow(i));
    ds.push(values, 0, lookalikeRow(0));
    expect(() => ds.push(values, 0, attackRow(10))).toThrow(RowBudgetError);
    expect(() => ds.push(values, 0, attackRow(11))).toThrow(
      /credential-stuffing: more than 10 rows of attack campaigns/,
    );
  });
});

describe('nextSampleRate', () => {
  it('lowers the rate to the hash of the first entity that would overflow the target', () => {
    const entities = [
      { hash: 0.1, rows: 3 },
      { hash: 0.5, rows: 4 },
      { hash: 0.3, rows: 2 },
      { hash: 0.7, rows: 1 },
    ];
    // By hash: 0.1 (3), 0.3 (5), 0.5 (9) > 6 → the rate is 0.5, entities 0.1 and 0.3 stay.
    expect(nextSampleRate(entities, 6, 1)).toBe(0.5);
    expect(nextSampleRate(entities, 9, 1)).toBe(0.7);
    expect(nextSampleRate(entities, 2, 1)).toBe(0.1);
    // Entities at or above the current rate are already out.
    expect(nextSampleRate(entities, 100, 0.6)).toBe(0.6);
  });
});
