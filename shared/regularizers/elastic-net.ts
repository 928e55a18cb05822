/**
 * Elastic net: penalty (lambda/2m) (rho sum|w| + (1 - rho) sum w^2), rho = l1Ratio in (0, 1) from the spec (one
 * path per ratio), weights l1 = lambda rho / 2m, l2 = lambda (1 - rho) / 2m. Its L1 weight is rho times the
 * lasso's, so its lambda_max is the lasso's / rho (glmnet) and its default path runs from there down to
 * lambda_max * eps / rho.
 */
import { MLP_DIVISOR } from './lambda-path';
import { separablePenalty } from './separable';
import type { Penalty, ConfigValues } from './types';

const weights = (c: ConfigValues, m: number) => ({ l1: (c.lambda * c.l1Ratio) / (2 * m), l2: (c.lambda * (1 - c.l1Ratio)) / (2 * m) });

export const elasticNet = {
  name: 'elasticnet',
  aliases: ['elastic', 'enet'],
  penalized: true,
  hyperparameters: 2,
  sparse: true,
  l1Ratio: undefined,
  fixedLabels: (c) => [`l1Ratio=${c.l1Ratio}`],
  weights,
  kernelPenalty: (c, m) => separablePenalty(weights(c, m)),
  lambdaMax: (lassoMax, rho) => lassoMax / rho,
  defaultRange: (max, eps, rho, fit) => {
    if (fit !== 'mlp') return [max / rho, (max * eps) / rho];
    const scale = max / rho;
    return [scale / MLP_DIVISOR, scale * eps];
  },
  exactSolver: (task, c) => (task === 'classification' ? 'proximal-newton' : c.lambda > 0 ? 'coordinate-descent' : 'closed-form'),
} as const satisfies Penalty;
