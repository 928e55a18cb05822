/**
 * The penalty of a linear fit as the solvers use it, per coefficient: l1 * |w_j| + (l2_j / 2) * w_j^2 (l2_j is
 * the penalty's curvature, what a coordinate update divides by). From the config's weights in the one
 * convention (shared/regularizers: c1 sum|w| + c2 sum w^2, c1 = lambda rho / 2m, c2 = lambda (1 - rho) / 2m):
 *   l1   = c1
 *   l2_j = 2 c2  (+ a_j * p / (1 - p) with inverted dropout at rate p on the inputs: regularizers/dropout.ts)
 * a_j = (1/m) sum_i x_ij^2 (= 1 on standardized columns).
 */
import { dropout as dropoutPart, penaltyWeights, type RegConfig } from '../../regularizers';

export interface LinearPenalty {
  readonly l1: number;
  /** Per-coefficient ridge weight (length p). */
  readonly l2: Float64Array;
  /** The part of l2 that comes from dropout: p / (1 - p) (times a_j). */
  readonly dropout: number;
}

export function linearPenalty(reg: RegConfig, m: number, colSq: Float64Array): LinearPenalty {
  const dropout = dropoutPart.ridgeWeight(reg);
  const { l1, l2 } = penaltyWeights(reg, m);
  const ridge = 2 * l2;
  return { l1, l2: Float64Array.from(colSq, (a) => ridge + dropout * a), dropout };
}

/** l1 * sum|w| + sum (l2_j / 2) w_j^2 over one column of coefficients. */
export function penaltyValue(pen: LinearPenalty, w: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < w.length; j++) s += pen.l1 * Math.abs(w[j]) + 0.5 * pen.l2[j] * w[j] * w[j];
  return s;
}
