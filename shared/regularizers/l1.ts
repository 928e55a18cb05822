/**
 * L1 (the lasso): penalty (lambda/2m) sum|w|, weights l1 = lambda/2m, l2 = 0. Not differentiable at 0: the SGD
 * trainer applies it as a proximal step (soft-thresholding), which gives exact zeros. Its lambda_max is the
 * lasso's (training/linear/lambda-max.ts); its default path runs from there down to lambda_max * eps.
 */
import { MLP_DIVISOR } from './lambda-path';
import { separablePenalty } from './separable';
import type { Penalty, ConfigValues } from './types';

const weights = (c: ConfigValues, m: number) => ({ l1: c.lambda / (2 * m), l2: 0 });

export const l1 = {
  name: 'l1',
  aliases: [],
  penalized: true,
  hyperparameters: 1,
  sparse: true,
  l1Ratio: 1,
  fixedLabels: () => [],
  weights,
  kernelPenalty: (c, m) => separablePenalty(weights(c, m)),
  lambdaMax: (lassoMax) => lassoMax,
  // an MLP's penalty covers every layer: its path starts ten times lower
  defaultRange: (max, eps, _rho, fit) => (fit === 'mlp' ? [max / MLP_DIVISOR, max * eps] : [max, max * eps]),
  // coordinate descent on the fold's Gram matrix; at lambda 0 it is least squares (the closed form)
  exactSolver: (task, c) => (task === 'classification' ? 'proximal-newton' : c.lambda > 0 ? 'coordinate-descent' : 'closed-form'),
} as const satisfies Penalty;
