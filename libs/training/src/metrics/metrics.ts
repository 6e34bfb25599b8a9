/**
 * Detection metrics: confusion matrix at a threshold, precision–recall curve, PR-AUC (average precision,
 * ties scored as one step), and the threshold that reaches a target precision with the most recall.
 * `weights` (optional, one per item): what each item counts as — a sampled benign entity stands for
 * 1/rate entities (dataset/row-sampling.ts); without them every item counts 1.
 */
export interface Confusion {
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
}

/** Predicted positive: score ≥ threshold. Precision is 1 when nothing is predicted positive. */
export function confusionAt(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
  weights?: ArrayLike<number>,
): Confusion {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const p = scores[i]! >= threshold;
    const w = weights ? weights[i]! : 1;
    if (labels[i]) {
      if (p) tp += w;
      else fn += w;
    } else if (p) fp += w;
    else tn += w;
  }
  return {
    threshold,
    tp,
    fp,
    tn,
    fn,
    precision: tp + fp ? tp / (tp + fp) : 1,
    recall: tp + fn ? tp / (tp + fn) : 0,
  };
}

export interface PrPoint {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
  readonly tp: number;
  readonly fp: number;
}

/** One point per distinct score, from the highest threshold down. */
export function precisionRecallCurve(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights?: ArrayLike<number>,
): PrPoint[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const weight = (i: number) => (weights ? weights[i]! : 1);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] ? weight(i) : 0;
  const out: PrPoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < idx.length;) {
    const s = scores[idx[k]!]!;
    while (k < idx.length && scores[idx[k]!]! === s) {
      if (labels[idx[k]!]) tp += weight(idx[k]!);
      else fp += weight(idx[k]!);
      k++;
    }
    out.push({ threshold: s, precision: tp / (tp + fp), recall: positives ? tp / positives : 0, tp, fp });
  }
  return out;
}

/** Average precision: Σ (R_k − R_{k−1}) · P_k over distinct thresholds. 0 without positives. */
export function prAuc(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let ap = 0;
  let prevRecall = 0;
  for (const p of precisionRecallCurve(scores, labels, weights)) {
    ap += (p.recall - prevRecall) * p.precision;
    prevRecall = p.recall;
  }
  return ap;
}

export interface ThresholdChoice {
  readonly score: number;
  readonly precision: number;
  readonly recall: number;
  /** False when no threshold reached the target; then the most precise threshold is returned. */
  readonly met: boolean;
}

/**
 * The lowest threshold whose precision is ≥ target (most recall at that precision). `floor`: never return
 * a threshold at or below it (e.g. the highest score any benign trap entity reached).
 */
export function thresholdForPrecision(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  target: number,
  floor = -Infinity,
  weights?: ArrayLike<number>,
): ThresholdChoice {
  let best: ThresholdChoice | null = null;
  let mostPrecise: ThresholdChoice | null = null;
  const curve = precisionRecallCurve(scores, labels, weights);
  // Halfway down to the next lower score: the same cut on this data, less brittle on the next.
  const cut = (k: number): number => {
    const below = curve[k + 1]?.threshold;
    return below === undefined ? curve[k]!.threshold : (curve[k]!.threshold + Math.max(below, floor)) / 2;
  };
  for (let k = 0; k < curve.length; k++) {
    const p = curve[k]!;
    if (p.threshold <= floor) break;
    if (!mostPrecise || p.precision > mostPrecise.precision)
      mostPrecise = { score: cut(k), precision: p.precision, recall: p.recall, met: false };
    if (p.precision >= target) best = { score: cut(k), precision: p.precision, recall: p.recall, met: true };
  }
  if (best) return best;
  if (mostPrecise) return mostPrecise;
  return { score: Math.min(1, Math.max(floor, 0) + 1e-6), precision: 1, recall: 0, met: false };
}
