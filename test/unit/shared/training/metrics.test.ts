/**
 * Classification scores (shared/training/metrics.ts) against scikit-learn's accuracy_score,
 * balanced_accuracy_score, f1_score(average='macro') and roc_auc_score (reference numbers in
 * test/fixtures/sklearn/metrics.json, made by make_metrics.py beside it; no Python runs here), and a few answers
 * worked by hand.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaryRocAuc, classificationScores, probabilitiesFromLogits } from '../../../../shared/training/metrics';

interface Case {
  name: string;
  classes: number;
  labels: number[];
  proba: number[];
  accuracy: number;
  balancedAccuracy: number;
  macroF1: number;
  rocAuc: number | null;
  rocAucError?: string;
}
const sk = JSON.parse(readFileSync(join(__dirname, '../../../fixtures/sklearn/metrics.json'), 'utf8')) as { cases: Case[] };

describe('classificationScores against scikit-learn', () => {
  it.each(sk.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    // Act
    const s = classificationScores(c.labels, c.proba, c.classes);
    // Assess: float64 sums of a few terms, so agreement to 1e-12
    expect(s.accuracy).toBeCloseTo(c.accuracy, 12);
    expect(s.balancedAccuracy).toBeCloseTo(c.balancedAccuracy, 12);
    expect(s.macroF1).toBeCloseTo(c.macroF1, 12);
    if (c.rocAuc === null) {
      expect(s.rocAuc).toBeNull();
      expect(s.rocAucUndefined).toMatch(/ROC AUC is undefined: class(es)? [\d, ]+ ha(s|ve) no row among the \d+ evaluated rows/);
    } else {
      expect(s.rocAuc).toBeCloseTo(c.rocAuc, 12);
      expect(s.rocAucUndefined).toBeUndefined();
    }
  });

  it('covers ties, a missing class and K > 2 one-vs-rest', () => {
    const names = sk.cases.map((c) => c.name).join('\n');
    expect(names).toMatch(/tied/);
    expect(names).toMatch(/absent from the labels/);
    expect(names).toMatch(/neither true nor predicted/);
    expect(sk.cases.some((c) => c.classes > 2 && c.rocAuc !== null)).toBe(true);
  });
});

describe('by hand', () => {
  it('counts a tied positive-negative pair as half a win in ROC AUC', () => {
    // positives .35 .8 .4 .9 against negatives .1 .4 .4 .2: wins 2 + 4 + (2 + 2 halves) + 4 = 13 of 16 pairs
    const y = [0, 0, 1, 1, 0, 1, 1, 0];
    const p = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2];
    expect(binaryRocAuc(y, 1, p)).toBe(13 / 16);
    expect(binaryRocAuc(y, 0, p)).toBe(3 / 16); // the other class's view of the same pairs
  });

  it('leaves a class with no true and no predicted row out of macro F1, and counts an only-predicted class as F1 = 0', () => {
    // class 0: TP 1, FN 1 (F1 2/3); class 1: never seen (left out); class 2: TP 0, FP 1 (F1 0)
    const s = classificationScores([0, 0], [0.9, 0.05, 0.05, 0.1, 0.1, 0.8], 3);
    expect(s.macroF1).toBeCloseTo((2 / 3 + 0) / 2, 15);
    expect(s.balancedAccuracy).toBe(0.5); // recall of class 0 only: class 2 has no true rows
    expect(s.rocAuc).toBeNull();
    expect(s.rocAucUndefined).toMatch(/classes 1, 2 have no row among the 2 evaluated rows/);
  });
});

describe('probabilitiesFromLogits', () => {
  it('gives [1 - p, p] with p the sigmoid of one logit, and the softmax of several', () => {
    const two = probabilitiesFromLogits([0, Math.log(3)], 1);
    expect(Array.from(two)).toEqual([0.5, 0.5, expect.closeTo(0.25, 15), expect.closeTo(0.75, 15)]);
    const three = probabilitiesFromLogits([0, Math.log(2), Math.log(5), 1000, 1000, 1000], 3);
    [1 / 8, 2 / 8, 5 / 8, 1 / 3, 1 / 3, 1 / 3].forEach((p, i) => expect(three[i]).toBeCloseTo(p, 14));
  });

  it('keeps the order of large logits that float32 probabilities would round to a tie (so ROC AUC does not lose it)', () => {
    // sigmoid(20) and sigmoid(25) are both 1 in float32; in float64 they differ, and the positive row ranks first
    expect(Math.fround(1 / (1 + Math.exp(-20)))).toBe(Math.fround(1 / (1 + Math.exp(-25))));
    const proba = probabilitiesFromLogits([20, 25], 1);
    expect(proba[3]).toBeGreaterThan(proba[1]);
    expect(classificationScores([0, 1], proba, 2).rocAuc).toBe(1);
  });
});
