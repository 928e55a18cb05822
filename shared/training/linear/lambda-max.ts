/**
 * glmnet's lambda_max in the project's convention: the smallest lambda at which the L1 path on the given rows is
 * all zeros. With the rows' features standardized (columns x_j, centred) and the targets t as the solvers see
 * them (a regression's target standardized; a classifier's labels, one 0/1 column per logit), the coefficients
 * stay at zero while no coordinate's gradient at the null model beats the L1 weight lambda/2m:
 *   |(1/m) sum_i x_ij (t_ik - mean_k(t))| <= lambda / 2m   for every j, k,
 * so lambda_max = 2 max_jk |sum_i x_ij (t_ik - mean_k(t))|. For a regression this is 2m times the largest
 * |correlation| between a feature and the target. An elastic net's L1 weight is lambda*rho/2m: its lambda_max
 * is lambda_max / rho.
 */
import type { Dataset } from '../../data/parse';
import { fitStandardizer, fitTargetScale } from '../../data/standardize';
import { designOf } from './design';

export function lambdaMax(ds: Dataset, rows: readonly number[]): number {
  const design = designOf(ds.x, rows, fitStandardizer(ds.x, rows));
  const targets: Float64Array[] = [];
  if (ds.task === 'regression') {
    const { mean, std } = fitTargetScale(ds.y, rows, ds.target);
    targets.push(Float64Array.from(rows, (r) => (ds.y[r] - mean) / std));
  } else {
    const classes = ds.classes ?? 2;
    // Two classes: one logit on the label; more: one logit per class on its indicator.
    for (let k = classes === 2 ? 1 : 0; k < classes; k++) targets.push(Float64Array.from(rows, (r) => (ds.y[r] === k ? 1 : 0)));
  }
  let worst = 0;
  for (const col of design.cols) {
    for (const t of targets) {
      // col is centred, so sum_i col_i t_i = sum_i col_i (t_i - mean(t)).
      let s = 0;
      for (let i = 0; i < col.length; i++) s += col[i] * t[i];
      worst = Math.max(worst, Math.abs(s));
    }
  }
  return 2 * worst;
}
