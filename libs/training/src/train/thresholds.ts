/**
 * Choosing a detector's alert and block thresholds on its validation entities, with the evidence for each
 * written down (it goes into the model manifest).
 *
 * - alert: the lowest score at which validation entities reach the alert precision (most recall at it).
 * - block: the same at the block precision, never below the alert threshold, and always above the
 *   highest score any benign look-alike (labeled NAT, partner, crawler, monitor, traveller — in training
 *   or validation) reached, so that the model recommends no block on traffic known to fool naive rules.
 * - floors: a threshold below its floor (alert 0.5, block 0.9 by default) is taken only with evidence —
 *   enough benign validation entities, and a precision whose Wilson lower bound still clears a bar (and,
 *   for block, enough benign look-alikes to have tested the guard); otherwise the floor is used. A 0.004
 *   alert threshold chosen on a handful of entities is how a model alerts on everyone next week.
 * - sampled benign entities (a dataset over its row cap, dataset/row-sampling.ts) count as the entities
 *   they stand for in precision (weight 1/rate), and the precision interval is Wilson's at the Kish
 *   effective size of the flagged entities: ten sampled false positives at rate 0.1 are a hundred, known
 *   no better than ten. Counts of evidence (benign entities for a floor) are of entities actually seen.
 */
import type { EntityScore } from '../metrics/entity-scores';
import { confusionAt, thresholdForPrecision } from '../metrics/metrics';
import { effectiveSize, wilson, type Interval } from '../metrics/wilson';

export interface ThresholdOptions {
  readonly alertPrecision: number;
  readonly blockPrecision: number;
  readonly alertFloor: number;
  readonly blockFloor: number;
  /** Benign validation entities needed before a threshold may go below its floor. */
  readonly minBenignForFloor: number;
  /** Benign look-alike entities needed before the block threshold may go below its floor. */
  readonly minLookalikesForFloor: number;
  /** Wilson lower bound of precision a below-floor threshold must still reach (alert, block). */
  readonly alertEvidencePrecision: number;
  readonly blockEvidencePrecision: number;
}

export const DEFAULT_THRESHOLD_OPTIONS: ThresholdOptions = {
  alertPrecision: 0.99,
  blockPrecision: 0.999,
  alertFloor: 0.5,
  blockFloor: 0.9,
  minBenignForFloor: 200,
  minLookalikesForFloor: 10,
  alertEvidencePrecision: 0.9,
  blockEvidencePrecision: 0.95,
};

/** Above the highest look-alike score by this much. */
export const LOOKALIKE_MARGIN = 0.01;
const MAX_THRESHOLD = 0.999;

export interface ThresholdDecision {
  readonly score: number;
  readonly targetPrecision: number;
  /** Measured at `score` on the validation entities. */
  readonly precision: number;
  readonly recall: number;
  readonly precisionInterval: Interval;
  readonly recallInterval: Interval;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  /** The target precision was reached on validation. */
  readonly met: boolean;
  readonly floor: number;
  /** What set the score: the precision target, the look-alike guard, the alert threshold, or the floor. */
  readonly setBy: 'precision' | 'lookalike-guard' | 'alert-threshold' | 'floor';
  readonly reason: string;
}

export interface LookalikeScore {
  readonly key: string;
  readonly cls: string;
  readonly score: number;
}

export interface ThresholdEvidence {
  readonly validationEntities: {
    readonly positive: number;
    readonly benign: number;
    /** Sampled validation: the benign entities the sample stands for (Σ weights). */
    readonly benignWeighted?: number;
  };
  readonly lookalikes: {
    readonly entities: number;
    readonly byClass: Readonly<Record<string, number>>;
    readonly maxScore: number | null;
    readonly maxClass: string | null;
  };
  readonly alert: ThresholdDecision;
  readonly block: ThresholdDecision;
}

export function chooseThresholds(
  validation: readonly EntityScore[],
  lookalikes: readonly LookalikeScore[],
  o: ThresholdOptions = DEFAULT_THRESHOLD_OPTIONS,
): ThresholdEvidence {
  const scores = validation.map((e) => e.score);
  const ys = validation.map((e) => e.label);
  const weights = validation.some((e) => e.weight !== 1) ? validation.map((e) => e.weight) : undefined;
  const positives = ys.reduce((a, b) => a + b, 0);
  const benign = ys.length - positives;
  const measure = (score: number) => {
    const c = confusionAt(scores, ys, score, weights);
    let precisionInterval = wilson(c.tp, c.tp + c.fp);
    if (weights) {
      const n = effectiveSize(weights.filter((_, i) => scores[i]! >= score));
      precisionInterval = wilson(c.precision * n, n);
    }
    return {
      precision: c.precision,
      recall: c.recall,
      tp: c.tp,
      fp: c.fp,
      fn: c.fn,
      precisionInterval,
      recallInterval: wilson(c.tp, c.tp + c.fn),
    };
  };

  // Alert.
  const a = thresholdForPrecision(scores, ys, o.alertPrecision, -Infinity, weights);
  let alertScore = a.score;
  let alertSetBy: ThresholdDecision['setBy'] = 'precision';
  let alertReason = a.met
    ? `lowest score with validation precision ≥ ${o.alertPrecision}`
    : `precision ${o.alertPrecision} not reached on validation: the most precise score`;
  if (alertScore < o.alertFloor) {
    const m = measure(alertScore);
    const missing = lacking([
      [benign, o.minBenignForFloor, 'benign validation entities'],
      [m.precisionInterval.low, o.alertEvidencePrecision, 'as the precision lower bound (95 %)'],
    ]);
    if (!missing.length)
      alertReason += `; below the floor ${o.alertFloor} on evidence (${benign} benign entities, precision ≥ ${m.precisionInterval.low.toFixed(3)} at 95 %)`;
    else {
      alertReason = `the floor: ${alertScore.toFixed(4)} was below ${o.alertFloor} without evidence (${missing.join('; ')})`;
      alertScore = o.alertFloor;
      alertSetBy = 'floor';
    }
  }
  const alertM = measure(alertScore);
  const alert: ThresholdDecision = {
    score: alertScore,
    targetPrecision: o.alertPrecision,
    ...alertM,
    met: alertM.precision >= o.alertPrecision && alertM.tp > 0,
    floor: o.alertFloor,
    setBy: alertSetBy,
    reason: alertReason,
  };

  // Block.
  let maxLook: LookalikeScore | null = null;
  const byClass: Record<string, Set<string>> = {};
  for (const l of lookalikes) {
    (byClass[l.cls] ??= new Set()).add(l.key);
    if (!maxLook || l.score > maxLook.score) maxLook = l;
  }
  const lookCount = Object.values(byClass).reduce((n, s) => n + s.size, 0);
  const guard = maxLook ? Math.min(maxLook.score + LOOKALIKE_MARGIN, MAX_THRESHOLD) : -Infinity;
  // Unconstrained, then above the guard: when the guard moved the choice, the guard set it.
  const free = thresholdForPrecision(scores, ys, o.blockPrecision, -Infinity, weights);
  const b = guard > free.score ? thresholdForPrecision(scores, ys, o.blockPrecision, guard, weights) : free;
  let blockScore = b.score;
  let blockSetBy: ThresholdDecision['setBy'] = 'precision';
  let blockReason = b.met
    ? `lowest score with validation precision ≥ ${o.blockPrecision}`
    : `precision ${o.blockPrecision} not reached on validation: the most precise score`;
  if (guard > free.score) {
    blockScore = Math.max(blockScore, guard);
    blockSetBy = 'lookalike-guard';
    blockReason = `above every benign look-alike: ${maxLook!.cls} ${maxLook!.score.toFixed(4)} + ${LOOKALIKE_MARGIN}`;
  }
  if (alertScore > blockScore) {
    blockScore = alertScore;
    blockSetBy = 'alert-threshold';
    blockReason = 'not below the alert threshold';
  }
  if (blockScore < o.blockFloor) {
    const m = measure(blockScore);
    const missing = lacking([
      [lookCount, o.minLookalikesForFloor, 'benign look-alike entities'],
      [benign, o.minBenignForFloor, 'benign validation entities'],
      [m.precisionInterval.low, o.blockEvidencePrecision, 'as the precision lower bound (95 %)'],
    ]);
    if (!missing.length)
      blockReason += `; below the floor ${o.blockFloor} on evidence (${lookCount} benign look-alikes, ${benign} benign entities, precision ≥ ${m.precisionInterval.low.toFixed(3)} at 95 %)`;
    else {
      blockReason = `the floor: ${blockScore.toFixed(4)} was below ${o.blockFloor} without evidence (${missing.join('; ')})`;
      blockScore = o.blockFloor;
      blockSetBy = 'floor';
    }
  }
  blockScore = Math.min(Math.max(blockScore, alertScore), 1);
  const blockM = measure(blockScore);
  const block: ThresholdDecision = {
    score: blockScore,
    targetPrecision: o.blockPrecision,
    ...blockM,
    met: blockM.precision >= o.blockPrecision && blockM.tp > 0,
    floor: o.blockFloor,
    setBy: blockSetBy,
    reason: blockReason,
  };
  return {
    validationEntities: {
      positive: positives,
      benign,
      ...(weights ? { benignWeighted: weights.reduce((a, w, i) => a + (ys[i] ? 0 : w), 0) } : {}),
    },
    lookalikes: {
      entities: lookCount,
      byClass: Object.fromEntries(Object.entries(byClass).map(([k, v]) => [k, v.size])),
      maxScore: maxLook ? round(maxLook.score) : null,
      maxClass: maxLook?.cls ?? null,
    },
    alert,
    block,
  };
}

const round = (x: number) => Number(x.toFixed(4));

/** The evidence that falls short: `12 benign validation entities, needs 200`. */
function lacking(checks: readonly [number, number, string][]): string[] {
  return checks
    .filter(([have, need]) => have < need)
    .map(([have, need, what]) => `${Number.isInteger(have) ? have : have.toFixed(3)} ${what}, needs ${need}`);
}
