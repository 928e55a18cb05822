/**
 * Coordinate descent for the lasso and the elastic net on a linear regression (glmnet; Friedman, Hastie and
 * Tibshirani 2010), on the centred design:
 *   P(w) = (1/2m) ||y - X w||^2 + l1 * sum|w_j| + sum (l2_j / 2) w_j^2
 * One coordinate at a time, in closed form: w_j = S(q_j + a_j w_j, l1) / (a_j + l2_j), with q = X'r/m the
 * correlations of the residual and S the soft-threshold, which gives exact zeros. glmnet's covariance updates:
 * with the Gram matrix G = X'X/m of the fold (computed once, shared by every lambda and with the ridge path),
 * a coordinate update costs O(p) instead of O(m). Cyclic passes over all coordinates (an active-set variant
 * measured no faster here) stop when the duality gap P(w) - D(theta) (theta the residual, scaled to
 * be dual-feasible, as scikit-learn's Lasso) is at most tol * (y'y/m); the KKT conditions are then checked on
 * every coordinate and reported. A warm start (the solution at a larger lambda of the same path) makes a path cheap.
 */
import { softThreshold } from '../../regularizers';
import type { Gram } from './gram';
import type { LinearPenalty } from './penalty';

export interface CdOptions {
  /** Stop when the duality gap is at most tol * (y'y/m). @default 1e-14 */
  readonly tol?: number;
  /** At most this many passes over the coordinates. @default 100000 */
  readonly maxPasses?: number;
}

export interface CdResult {
  readonly w: Float64Array;
  readonly passes: number;
  readonly converged: boolean;
  /** Duality gap at the answer, relative to y'y/m. */
  readonly gap: number;
  /** Largest violation of the KKT conditions, relative to sd(y) (0 at the exact optimum). */
  readonly kkt: number;
}

export function elasticNet(gram: Gram, pen: LinearPenalty, warm?: Float64Array, opts: CdOptions = {}): CdResult {
  const { p, g, c, yy } = gram;
  const tol = (opts.tol ?? 1e-14) * (yy || 1);
  const maxPasses = opts.maxPasses ?? 100000;
  const { l1, l2 } = pen;
  const w = warm ? Float64Array.from(warm) : new Float64Array(p);
  // q = c - G w: the correlations of the residual with each column (over m).
  const q = Float64Array.from(c);
  for (let k = 0; k < p; k++) if (w[k] !== 0) for (let j = 0; j < p; j++) q[j] -= g[k * p + j] * w[k];

  let passes = 0;
  let converged = false;
  while (passes < maxPasses) {
    passes++;
    for (let j = 0; j < p; j++) {
      const row = j * p; // G is symmetric: row j is column j, read contiguously
      const a = g[row + j];
      const denom = a + l2[j];
      const old = w[j];
      const z = q[j] + a * old;
      const next = denom > 0 ? softThreshold(z, l1) / denom : 0;
      const delta = next - old;
      if (delta !== 0) {
        for (let k = 0; k < p; k++) q[k] -= g[row + k] * delta;
        w[j] = next;
      }
    }
    if (dualityGap(gram, pen, w, q) <= tol) {
      converged = true;
      break;
    }
  }
  let kkt = 0;
  for (let j = 0; j < p; j++) {
    kkt = Math.max(kkt, w[j] === 0 ? Math.max(0, Math.abs(q[j]) - l1) : Math.abs(q[j] - l2[j] * w[j] - l1 * Math.sign(w[j])));
  }
  return { w, passes, converged, gap: dualityGap(gram, pen, w, q) / (yy || 1), kkt: kkt / (Math.sqrt(yy) || 1) };
}

/**
 * P(w) - D(theta) with theta = s r/m, s <= 1 the largest scale that keeps |x_j'theta| <= l1 for the
 * coordinates without a ridge term (the conjugate of l1|u| + l2/2 u^2 is max(|v| - l1, 0)^2 / 2 l2). >= 0, and 0
 * exactly at the optimum.
 */
function dualityGap(gram: Gram, pen: LinearPenalty, w: Float64Array, q: Float64Array): number {
  const { p, c, yy } = gram;
  let wc = 0;
  let wq = 0;
  let penalty = 0;
  let worst = 0;
  for (let j = 0; j < p; j++) {
    wc += w[j] * c[j];
    wq += w[j] * q[j];
    penalty += pen.l1 * Math.abs(w[j]) + 0.5 * pen.l2[j] * w[j] * w[j];
    if (pen.l2[j] === 0) worst = Math.max(worst, Math.abs(q[j]));
  }
  // ||r||^2/m = y'y/m - 2 w'c + w'G w, and G w = c - q, so w'G w = w'c - w'q.
  const rr = yy - wc - wq;
  const ry = yy - wc;
  const s = worst > pen.l1 ? pen.l1 / worst : 1;
  let conj = 0;
  for (let j = 0; j < p; j++) {
    if (pen.l2[j] > 0) conj += Math.max(Math.abs(s * q[j]) - pen.l1, 0) ** 2 / (2 * pen.l2[j]);
  }
  const primal = rr / 2 + penalty;
  const dual = s * ry - (s * s * rr) / 2 - conj;
  return Math.max(primal - dual, 0);
}
