/** No penalty: the baseline every config is compared with (lambda 0, nothing to solve but least squares). */
import { separablePenalty } from './separable';
import type { Penalty } from './types';

const ZERO = { l1: 0, l2: 0 };

export const none = {
  name: 'none',
  aliases: [],
  penalized: false,
  hyperparameters: 0,
  sparse: false,
  l1Ratio: 0,
  fixedLabels: () => [],
  weights: () => ZERO,
  kernelPenalty: () => separablePenalty(ZERO),
  lambdaMax: () => undefined,
  defaultRange: () => {
    throw new Error('internal: none has no lambda path');
  },
  // least squares from the eigendecomposition (minimum-norm when rank-deficient); unpenalized logistic regression
  exactSolver: (task) => (task === 'regression' ? 'closed-form' : 'proximal-newton'),
} as const satisfies Penalty;
