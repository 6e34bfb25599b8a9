/**
 * Entity-level view of row scores: an entity is flagged when any of its decision points scores at or above
 * the threshold. A positive entity's score is the highest over its in-campaign rows (an alert before the
 * campaign started is not a detection); a benign entity's is the highest over all its rows. An entity's
 * weight is the entities it stands for: 1, or 1/rate for a plain benign entity of a sampled dataset
 * (every entity with a row that is never sampled — an attacker, a look-alike — weighs 1).
 */
import type { Dataset } from '../dataset/dataset';

export interface EntityScore {
  readonly key: string;
  readonly label: number;
  readonly score: number;
  readonly campaign: string | null;
  readonly style: string | null;
  readonly trap: string | null;
  readonly weight: number;
  /** Rows (decision points) of this entity: (time, score) in row order. */
  readonly points: { at: number; score: number }[];
}

export function entityScores(ds: Dataset, scores: Float32Array): EntityScore[] {
  const byKey = new Map<
    string,
    {
      label: number;
      score: number;
      campaign: string | null;
      style: string | null;
      trap: string | null;
      weight: number;
      points: { at: number; score: number }[];
    }
  >();
  for (let r = 0; r < ds.rows; r++) {
    const key = ds.entityKey(r);
    let e = byKey.get(key);
    if (!e)
      byKey.set(
        key,
        (e = { label: 0, score: -1, campaign: null, style: null, trap: null, weight: Infinity, points: [] }),
      );
    // Sampled rows of one entity all weigh alike; one row that is never sampled makes the entity certain.
    e.weight = Math.min(e.weight, ds.weight(r));
    const s = scores[r]!;
    const label = ds.labels[r]!;
    if (label === 1 && e.label === 0) {
      // The first in-campaign row makes it a positive entity: earlier benign rows stop counting.
      e.label = 1;
      e.score = -1;
      e.campaign = ds.campaign(r);
      e.style = ds.style(r);
    }
    if (label === e.label) {
      if (s > e.score) e.score = s;
      e.points.push({ at: ds.at[r]!, score: s });
    }
    e.trap ??= ds.trap(r);
  }
  return [...byKey].map(([key, e]) => ({ key, ...e, trap: e.label ? null : e.trap }));
}
