/**
 * What a store returns for one entity after a batch: its buckets, the few registers features read, the
 * distinct counts of the current hopping windows and the long-memory counts. Both stores build exactly
 * this, and features are computed from it by one function, so they cannot disagree on definitions.
 */
import type { CompiledLayout } from '../registry/compiled-layout';

export interface EntityView {
  readonly compiled: CompiledLayout;
  readonly id: string;
  /** Per ring (layout order): its buckets, in any order. */
  readonly rings: readonly RingBuckets[];
  readonly consecutiveFailures: number;
  readonly failuresBeforeLastSuccess: number;
  /** Event time of the last successful login, or -1. */
  readonly lastSuccessTs: number;
  /** Per dimension (layout order): distinct elements in the current view window. */
  readonly distinct: readonly number[];
  /** Per memory (layout order): members seen within each view span, then members within the TTL. */
  readonly memories: readonly (readonly number[])[];
}

/**
 * Buckets of one ring as a flat list: bucket k is `flat[k * (n + 1)]` (its index), then its n counters in
 * ring order. Buckets outside the view may be present; readers skip them.
 */
export interface RingBuckets {
  readonly count: number;
  readonly flat: ArrayLike<number>;
}

/** Registers, in the order both stores keep them. */
export const REGISTERS = ['lt', 'ls', 'li', 'nl', 'cf', 'fb', 'sx', 'tt', 'ta', 'to', 'tc'] as const;
export type RegisterName = (typeof REGISTERS)[number];
export const REG: Readonly<Record<RegisterName, number>> = Object.fromEntries(
  REGISTERS.map((r, i) => [r, i]),
) as Record<RegisterName, number>;
