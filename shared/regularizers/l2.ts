/**
 * L2 (ridge): penalty (lambda/2m) sum w^2, weights l1 = 0, l2 = lambda/2m; differentiable, so the SGD trainer adds
 * its gradient 2 l2 w. Ridge never zeroes a coefficient (no lambda_max); at lambda_max/eps (the lasso's
 * lambda_max) its standardized coefficients are at most eps/2, so an exactly solved path starts there, and a
 * path trained by SGD at lambda_max (docs/ARCHITECTURE.md, "Default grid").
 */
import { MLP_DIVISOR } from './lambda-path';
import { separablePenalty } from './separable';
import type { Penalty, ConfigValues } from './types';

const weights = (c: ConfigValues, m: number) => ({ l1: 0, l2: c.lambda / (2 * m) });

export const l2 = {
  name: 'l2',
  aliases: [],
  penalized: true,
  hyperparameters: 1,
  sparse: false,
  l1Ratio: 0,
  fixedLabels: () => [],
  weights,
  kernelPenalty: (c, m) => separablePenalty(weights(c, m)),
  lambdaMax: () => undefined,
  defaultRange: (max, eps, _rho, fit) => (fit === 'exact' ? [max / eps, max * eps] : fit === 'mlp' ? [max / MLP_DIVISOR, max * eps] : [max, max * eps]),
  // one eigendecomposition of the fold's Gram matrix serves every lambda
  exactSolver: (task) => (task === 'regression' ? 'closed-form' : 'proximal-newton'),
} as const satisfies Penalty;
