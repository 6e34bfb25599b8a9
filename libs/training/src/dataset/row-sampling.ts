/**
 * How a dataset stays within a stated size, whatever the history's length: benign down-sampling by
 * entity, in strata, the rarest rows never.
 *
 * - Attack rows (a campaign's, and its entities' other rows, grouped with the campaign) are never
 *   sampled: they are what a model learns attacks from, and recall is measured on them. Above
 *   `maxAttackRows` the build stops and names the cap.
 * - Benign look-alike rows (labeled NATs, partners, crawlers, monitors, travellers: the hard negatives,
 *   and the block threshold's guard) are all kept up to `maxLookalikeRows`; beyond it the largest class
 *   is sampled by entity first, so a carrier's NAT pool is thinned while every monitor and crawler stays.
 *   The guard is then "above every sampled look-alike": the rates are recorded beside it.
 * - Plain benign rows (no label of any kind), the majority, are kept up to `maxBenignRows`, then sampled
 *   by entity.
 * - Sampling by entity: an entity is in the sample when a seeded hash of its key is below its stratum's
 *   rate, with all of its rows, from every hour. A rate starts at 1 and is lowered each time its stratum
 *   outgrows its cap, to the hash that keeps `refill` of it (a bottom-k sketch over entities), and the
 *   rows of entities above it are dropped. Every entity of a stratum, early or late, busy or quiet, ends
 *   in the sample with the same probability: the final rate. Whole entities, so that entity-level
 *   precision and the split by entity mean what they meant; seeded, so a rerun keeps the same entities.
 * - A kept row of a sampled stratum stands for 1/rate rows: the loss and the precision thresholds are
 *   chosen at count it so (importance weights), so sampling thins the data without moving what it
 *   estimates.
 */
import { hashString } from '@vigil/simulator';

export interface RowSampling {
  /** Plain benign rows held per detector, at most. */
  readonly maxBenignRows: number;
  /** Benign look-alike rows held per detector, at most (all classes together). */
  readonly maxLookalikeRows: number;
  /** Attack rows held per detector; more stops the build. */
  readonly maxAttackRows: number;
  /** The share of `maxBenignRows` a resampling keeps (the rest is room before the next). */
  readonly refill: number;
  readonly seed: number;
}

export const DEFAULT_ROW_SAMPLING: RowSampling = {
  maxBenignRows: 300_000,
  maxLookalikeRows: 300_000,
  maxAttackRows: 1_000_000,
  refill: 0.8,
  seed: 1,
};

/**
 * An entity's place in the sample, uniform in [0, 1): FNV-1a of the seeded key, then murmur3's 32-bit
 * finalizer — FNV alone keeps keys that differ in their last characters (10.0.0.1, 10.0.0.2, …) close
 * in its high bits, and would keep 16 % of a run of addresses at rate 0.1. Rounded to float32, as stored.
 */
export function samplingHash(seed: number, entityKey: string): number {
  let h = hashString(`${seed}:${entityKey}`);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return Math.fround((h >>> 0) / 0x1_0000_0000);
}

/** What a dataset holds and what it has seen (progress lines, the manifest's sampling record). */
export interface SamplingStatus {
  readonly rows: number;
  /** Bytes of the row store (capacity). */
  readonly bytes: number;
  /** Rows never sampled: attacks and their entities' other rows. */
  readonly attackRows: number;
  readonly benignRowsSeen: number;
  readonly benignRowsKept: number;
  /** Share of plain benign entities in the sample (1: all of them). */
  readonly benignRate: number;
  readonly lookalikeRows: number;
  /** Per look-alike class: rows held, rows offered, the share of its entities kept. */
  readonly lookalikes: Readonly<
    Record<string, { readonly rows: number; readonly seen: number; readonly rate: number }>
  >;
  readonly compactions: number;
}

/**
 * The highest rate below `current` at which the entities' rows add up to at most `target`: entities
 * by hash, lowest first, until the next would overflow; the rate is that entity's hash (excluded).
 */
export function nextSampleRate(
  entities: readonly { readonly hash: number; readonly rows: number }[],
  target: number,
  current: number,
): number {
  const sorted = [...entities].sort((a, b) => a.hash - b.hash);
  let total = 0;
  for (const e of sorted) {
    if (e.hash >= current) break;
    if (total + e.rows > target) return e.hash;
    total += e.rows;
  }
  // Everything below the current rate fits (rows were dropped elsewhere): keep the rate.
  return current;
}
