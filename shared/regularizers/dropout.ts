/**
 * Inverted dropout at rate p: each unit of a hidden layer's output (the inputs of a linear model) is kept with
 * probability 1 - p and scaled by 1/(1 - p) during training; the identity at inference (training/model.ts draws
 * the masks). Dropout combines with any penalty (`l2+dropout`); alone it is the `dropout` type, whose path
 * varies the rate.
 *
 * On a linear regression its expected objective over the masks is exactly ridge's: with a_j = (1/m) sum_i x_ij^2
 * (1 on standardized columns), E||y - X (d * w) / (1-p)||^2 / 2m = ||y - X w||^2 / 2m + (p / (1-p)) sum_j a_j w_j^2 / 2,
 * i.e. lambda_eff = m p / (1 - p) added to any L2 term (Srivastava et al. 2014; Wager, Wang and Liang 2013), so
 * the exact solvers fit it. A classifier's expected objective has no closed form: masked SGD.
 */
import type { FitTask, ConfigValues } from './types';

export const dropout = {
  name: 'dropout',
  /** The rate is one more hyperparameter. */
  hyperparameters: 1,
  /** The value shown in a label: `p=0.3`. */
  label: (c: ConfigValues) => `p=${c.dropoutRate}`,
  /** Whether an exact linear solver can fit it: its expectation is ridge for the squared loss only. */
  exactFor: (task: FitTask) => task === 'regression',
  /** The ridge weight its expectation adds per coefficient, per a_j: p / (1 - p) (0 without dropout). */
  ridgeWeight: (c: ConfigValues) => (c.dropoutRate > 0 ? c.dropoutRate / (1 - c.dropoutRate) : 0),
  /** lambda_eff = m p / (1 - p), in lambda's units (what the fit's notice reports). */
  lambdaEff: (c: ConfigValues, m: number) => (m * c.dropoutRate) / (1 - c.dropoutRate),
} as const;
