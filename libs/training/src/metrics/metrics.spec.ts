import { confusionAt, prAuc, precisionRecallCurve, thresholdForPrecision } from './metrics';

// Scores high → low: 0.9 (+), 0.8 (−), 0.7 (+), 0.6 (+), 0.2 (−)
const scores = [0.9, 0.8, 0.7, 0.6, 0.2];
const labels = [1, 0, 1, 1, 0];

describe('metrics', () => {
  it('counts the confusion matrix at a threshold', () => {
    expect(confusionAt(scores, labels, 0.7)).toEqual({
      threshold: 0.7,
      tp: 2,
      fp: 1,
      tn: 1,
      fn: 1,
      precision: 2 / 3,
      recall: 2 / 3,
    });
    expect(confusionAt(scores, labels, 0.95)).toMatchObject({ tp: 0, fp: 0, precision: 1, recall: 0 });
  });

  it('computes PR-AUC as average precision: (1/3)(1) + (1/3)(2/3) + (1/3)(3/4)', () => {
    expect(prAuc(scores, labels)).toBeCloseTo((1 + 2 / 3 + 3 / 4) / 3, 10);
    expect(prAuc([0.5, 0.4], [1, 1])).toBe(1);
    expect(prAuc([0.5, 0.4], [0, 0])).toBe(0);
  });

  it('treats tied scores as one step', () => {
    // Both at 0.5: one point with precision 1/2 and recall 1.
    expect(precisionRecallCurve([0.5, 0.5], [1, 0])).toEqual([
      { threshold: 0.5, precision: 0.5, recall: 1, tp: 1, fp: 1 },
    ]);
    expect(prAuc([0.5, 0.5], [1, 0])).toBe(0.5);
  });

  it('picks the lowest threshold reaching the precision target, halfway to the next score', () => {
    const t = thresholdForPrecision(scores, labels, 0.75);
    // At 0.6: tp 3, fp 1 → precision 0.75, recall 1; cut halfway to 0.2.
    expect(t).toEqual({ score: 0.4, precision: 0.75, recall: 1, met: true });
    const strict = thresholdForPrecision(scores, labels, 1);
    expect(strict).toEqual({ score: (0.9 + 0.8) / 2, precision: 1, recall: 1 / 3, met: true });
  });

  it('stays above a floor (the highest benign trap score)', () => {
    const t = thresholdForPrecision(scores, labels, 0.5, 0.75);
    expect(t.score).toBeGreaterThan(0.75);
  });
});
