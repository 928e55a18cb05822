/**
 * Choosing the config that generalizes best from configs ranked by the selection metric's mean over folds (the
 * validation loss unless the spec's selection.metric names a classification score, where higher is better):
 * `min` (the best mean) or `one-standard-error` along a path: take the config with the best mean; among the
 * configs on its own path (same type, dropout rate and l1Ratio, lambda varying; for the dropout-only type, the
 * rate varying), the most regularized whose mean is within one standard error of it. Lambdas are never compared across types:
 * their scales are unrelated. With a single holdout there is no standard error and the rule is `min`. Selection
 * never sees the test split.
 */
import { compareSimplicity, pathOf, samePath, type RegConfig } from '../regularizers';
import type { SelectionMetric, SelectionRule } from '../vocabulary';
import type { ConfigSummary } from './leaderboard-schema';

// Simplicity (ties) and paths are the regularizers' (shared/regularizers: compareSimplicity, pathOf, samePath).
export { compareSimplicity, samePath };

/**
 * The value that varies along a config's path: lambda for a type with a penalty, the dropout rate for the
 * dropout-only type; `none` is a path of one config (0).
 */
export const pathValue = (r: RegConfig): number => pathOf(r).value;

/** The name of that value: `λ` or `p` (empty for `none`, which has none). */
export const pathValueName = (r: RegConfig): string => pathOf(r).axis?.symbol ?? '';

/** Whether the rule can use standard errors: more than one fold. With a single holdout `one-standard-error` is `min`. */
export const hasStdErr = (c: ConfigSummary) => c.folds.planned > 1;

/** Whether a larger value of the metric is better: every classification score; not the loss. */
export const higherIsBetter = (metric: SelectionMetric): boolean => metric !== 'loss';

/** A config's mean and standard error over folds of the selection metric (its `score` when that is not the loss). */
export function metricStats(c: ConfigSummary, metric: SelectionMetric): { mean: number; stdErr: number } {
  if (metric === 'loss') return { mean: c.meanValLoss, stdErr: c.stdErr };
  if (!c.score) throw new Error(`internal: config ${c.label} has no mean ${metric}`);
  return c.score;
}

/** Whether a mean lies within one standard error of the best mean, on the best's side of better (the bound included). */
export function withinOneStdErr(mean: number, best: { mean: number; stdErr: number }, metric: SelectionMetric): boolean {
  return higherIsBetter(metric) ? mean >= best.mean - best.stdErr : mean <= best.mean + best.stdErr;
}

/**
 * Apply the selection rule to configs ranked by the metric's mean over folds (rank 1 first: the lowest loss, or
 * the highest score). `one-standard-error` bounds the path by the best's mean plus (loss) or minus (a score) its
 * standard error.
 */
export function selectBest(ranked: readonly ConfigSummary[], rule: SelectionRule, metric: SelectionMetric = 'loss'): ConfigSummary {
  const best = ranked[0];
  if (rule === 'min' || !hasStdErr(best)) return best;
  const bound = metricStats(best, metric);
  return ranked
    .filter((c) => samePath(c.reg, best.reg) && withinOneStdErr(metricStats(c, metric).mean, bound, metric))
    .reduce((chosen, c) => (pathValue(c.reg) > pathValue(chosen.reg) ? c : chosen), best);
}
