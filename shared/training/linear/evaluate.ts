/**
 * The metrics of an exact linear solution on host rows, in float64 from the solver's own coefficients: what
 * `evaluateRows` computes from a tfjs model (train.ts), without building one and running it (a trial of an exact
 * path is a fraction of a millisecond of solving; a model's evaluation on the wasm backend cost several times that).
 *
 * Regression: the mean squared error and R² = 1 - MSE / Var(y) (population variance). Classification: the mean
 * cross-entropy from the logits (log-sum-exp, so no probability rounds to 0), and the scores of the probabilities
 * (metrics.ts).
 */
import type { Task } from '../../search/spec';
import { classificationScores, probabilitiesFromLogits } from '../metrics';
import type { Metrics } from '../train';

/** Logits (or predictions) X W + b: n x K row-major, from `x` (n x p row-major), `weights` (p x K row-major) and `intercepts` (K). */
function linearOutputs(x: ArrayLike<number>, n: number, weights: Float64Array, intercepts: Float64Array): Float64Array {
  const K = intercepts.length;
  const p = weights.length / K;
  const out = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      let z = intercepts[k];
      for (let j = 0; j < p; j++) z += x[i * p + j] * weights[j * K + k];
      out[i * K + k] = z;
    }
  }
  return out;
}

/** The cross-entropy of one row's logits `z` (K of them from `at`) with its label: log-sum-exp minus the label's logit (K = 1: the logistic loss). */
function crossEntropy(z: Float64Array, at: number, K: number, label: number): number {
  if (K === 1) {
    const v = z[at];
    return Math.max(v, 0) - label * v + Math.log1p(Math.exp(-Math.abs(v)));
  }
  let max = -Infinity;
  for (let k = 0; k < K; k++) max = Math.max(max, z[at + k]);
  let sum = 0;
  for (let k = 0; k < K; k++) sum += Math.exp(z[at + k] - max);
  return max + Math.log(sum) - z[at + label];
}

/**
 * Loss and scores of the linear model (`weights` p x K row-major, `intercepts` K) on rows `x` (n x p row-major)
 * with targets `y` (values, or class labels), as `evaluateRows` defines them.
 */
export function evaluateLinear(task: Task, weights: Float64Array, intercepts: Float64Array, x: ArrayLike<number>, y: ArrayLike<number>): Metrics {
  const n = y.length;
  const K = intercepts.length;
  const z = linearOutputs(x, n, weights, intercepts);
  if (task === 'regression') {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += y[i] / n;
    let sse = 0;
    let variance = 0;
    for (let i = 0; i < n; i++) {
      sse += (z[i] - y[i]) ** 2;
      variance += (y[i] - mean) ** 2;
    }
    const loss = sse / n;
    return { loss, r2: 1 - loss / (variance / n) };
  }
  let loss = 0;
  for (let i = 0; i < n; i++) loss += crossEntropy(z, i * K, K, y[i]);
  const classes = Math.max(2, K);
  return { loss: loss / n, ...classificationScores(y, probabilitiesFromLogits(z, K), classes) };
}
