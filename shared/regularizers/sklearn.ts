/**
 * The lambda convention against scikit-learn (docs/ARCHITECTURE.md, "The maths"; the fixtures of
 * test/fixtures/sklearn/make_fixtures.py): the estimator and parameters that solve the same problem as a linear
 * model of regsweep, features standardized with the training rows' population std and the target in its own
 * units (population std s_y). A regression is solved on its standardized target, so, in y's units, its objective
 * is (1/2m) RSS + A sum|w| + (B/2) sum w^2 with A = s_y l1 and B = 2 l2 + p/(1 - p) (the config's weights,
 * registry.ts; dropout's expectation adds p/(1 - p)). Classification is not scaled: m J is sum log-loss +
 * m (l1 sum|w| + l2 sum w^2), scikit-learn's LogisticRegression with C and l1_ratio.
 */
import { dropout } from './dropout';
import { penaltyWeights, regularizerOf } from './registry';
import type { FitTask, RegConfig, SklearnEquivalent } from './types';

export function sklearnEquivalent(task: FitTask, c: RegConfig, m: number, targetStd = 1): SklearnEquivalent {
  const w = penaltyWeights(c, m);
  if (task === 'classification') {
    if (regularizerOf(c.type).dropout && c.dropoutRate > 0) throw new Error('internal: dropout on a classifier has no scikit-learn equivalent');
    const [a, b] = [m * w.l1, m * w.l2]; // m J = sum log-loss + a |w|_1 + b |w|^2
    if (a === 0 && b === 0) return { estimator: 'LogisticRegression', params: { penalty: null } };
    // sklearn: C sum log-loss + r |w|_1 + (1 - r)/2 |w|^2  =  C (sum log-loss + a |w|_1 + b |w|^2)
    const C = 1 / (a + 2 * b);
    const r = C * a;
    if (b === 0) return { estimator: 'LogisticRegression', params: { penalty: 'l1', C } };
    if (a === 0) return { estimator: 'LogisticRegression', params: { penalty: 'l2', C } };
    return { estimator: 'LogisticRegression', params: { penalty: 'elasticnet', C, l1_ratio: r } };
  }
  const A = targetStd * w.l1;
  const B = 2 * w.l2 + dropout.ridgeWeight(c);
  if (A === 0 && B === 0) return { estimator: 'LinearRegression', params: {} };
  if (A === 0) return { estimator: 'Ridge', params: { alpha: m * B } }; // sum RSS + alpha |w|^2
  if (B === 0) return { estimator: 'Lasso', params: { alpha: A } };
  return { estimator: 'ElasticNet', params: { alpha: A + B, l1_ratio: A / (A + B) } };
}
