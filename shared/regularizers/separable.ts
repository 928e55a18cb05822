/**
 * The maths of a separable penalty l1 * sum|w| + l2 * sum w^2 (the one convention: types.ts PenaltyWeights), shared
 * by none, l1, l2 and elastic net: its value, the smooth part's gradient, and proximal steps.
 */
import type { KernelPenalty, PenaltyWeights } from './types';

/** The prox of t*|.| at z (soft-thresholding): sign(z) * max(|z| - t, 0), which gives exact zeros. */
export const softThreshold = (z: number, t: number): number => (z > t ? z - t : z < -t ? z + t : 0);

/** l1 * sum|w| + l2 * sum w^2 over the first `n` entries of w. */
export function separableValue(pen: PenaltyWeights, w: ArrayLike<number>, n = w.length): number {
  let s = 0;
  for (let j = 0; j < n; j++) s += pen.l1 * Math.abs(w[j]) + pen.l2 * w[j] * w[j];
  return s;
}

/**
 * The prox of the whole penalty with step t at v, one coordinate: argmin_u (u - v)^2 / 2t + l1|u| + l2 u^2
 * = S(v, t l1) / (1 + 2 t l2) (skglm's prox_1d of L1_plus_L2).
 */
export const separableProx1d = (pen: PenaltyWeights, v: number, t: number): number => softThreshold(v, t * pen.l1) / (1 + 2 * t * pen.l2);

/**
 * The penalty as the SGD trainer applies it (forward-backward splitting): the L2 term is differentiated
 * (gradient 2 l2 w), the L1 term is a proximal step after the update (soft-thresholding by step * l1).
 */
export function separablePenalty(pen: PenaltyWeights): KernelPenalty {
  const { l1 } = pen;
  const twoL2 = 2 * pen.l2;
  return {
    value: (w, n) => separableValue(pen, w, n),
    addGradient(theta, grad, n) {
      if (twoL2 > 0) for (let i = 0; i < n; i++) grad[i] += twoL2 * theta[i];
    },
    prox(theta, n, step) {
      if (!(l1 > 0)) return;
      if (typeof step === 'number') for (let i = 0; i < n; i++) theta[i] = softThreshold(theta[i], l1 * step);
      else for (let i = 0; i < n; i++) theta[i] = softThreshold(theta[i], l1 * step[i]);
    },
  };
}
