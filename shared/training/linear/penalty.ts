/**
 * The penalty of a linear fit, per coefficient: l1 * |w_j| + (l2_j / 2) * w_j^2, with the project's
 * convention J = data term + (lambda/2m) * (rho * sum|w| + (1 - rho) * sum w^2) (rho = l1Ratio), so
 *   l1   = lambda * rho / 2m
 *   l2_j = lambda * (1 - rho) / m  (+ a_j * p / (1 - p) with inverted dropout at rate p on the inputs)
 * Dropout on the inputs of a linear regression has, in expectation over the masks, exactly the objective of
 * ridge with that extra term: E||y - X (d * w) / (1-p)||^2 / 2m = ||y - X w||^2 / 2m + (p / (1-p)) * sum_j a_j w_j^2 / 2,
 * a_j = (1/m) sum_i x_ij^2 (= 1 on standardized columns, so lambda_eff = m * p / (1 - p)); Srivastava et al.
 * 2014, Wager, Wang and Liang 2013.
 */
import type { RegConfig } from '../../search/grid';

export interface LinearPenalty {
  readonly l1: number;
  /** Per-coefficient ridge weight (length p). */
  readonly l2: Float64Array;
  /** The part of l2 that comes from dropout: p / (1 - p) (times a_j). */
  readonly dropout: number;
}

export function linearPenalty(reg: RegConfig, m: number, colSq: Float64Array): LinearPenalty {
  // RegConfig carries lambda 0 for none and dropout, and l1Ratio 1 for l1, 0 for l2 (search/grid.ts).
  const dropout = reg.dropoutRate > 0 ? reg.dropoutRate / (1 - reg.dropoutRate) : 0;
  const ridge = (reg.lambda * (1 - reg.l1Ratio)) / m;
  return { l1: (reg.lambda * reg.l1Ratio) / (2 * m), l2: Float64Array.from(colSq, (a) => ridge + dropout * a), dropout };
}

/** l1 * sum|w| + sum (l2_j / 2) w_j^2 over one column of coefficients. */
export function penaltyValue(pen: LinearPenalty, w: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < w.length; j++) s += pen.l1 * Math.abs(w[j]) + 0.5 * pen.l2[j] * w[j] * w[j];
  return s;
}
