/**
 * Choosing the config that generalizes best from configs ranked by mean validation loss: `min` (the lowest
 * mean) or `one-standard-error` (the most regularized config whose mean is within one standard error of the
 * best; more regularized = larger lambda, then larger dropout). Ties break toward the simpler config. Selection
 * never sees the test split.
 */
import type { RegConfig } from '../search/grid';
import { REG_TYPES } from '../search/spec';
import type { ConfigSummary, SelectionRule } from './leaderboard';

const typeOrder = (t: RegConfig['type']) => REG_TYPES.indexOf(t);
/** Number of hyperparameters a config's type adds: simpler configs win ties. */
const complexity = (r: RegConfig) => (r.type === 'none' ? 0 : r.type.split('+').length + (r.type.startsWith('elasticnet') ? 1 : 0));

/** Simpler first: fewer hyperparameters, then type order, then smaller lambda and dropout. */
export function compareSimplicity(a: RegConfig, b: RegConfig): number {
  return (
    complexity(a) - complexity(b) || typeOrder(a.type) - typeOrder(b.type) || a.lambda - b.lambda || a.dropoutRate - b.dropoutRate || a.l1Ratio - b.l1Ratio
  );
}

/** More regularized first: larger lambda, then larger dropout. */
export function compareRegularization(a: RegConfig, b: RegConfig): number {
  return b.lambda - a.lambda || b.dropoutRate - a.dropoutRate;
}

/** Apply the selection rule to configs ranked by mean validation loss. */
export function selectBest(ranked: readonly ConfigSummary[], rule: SelectionRule): ConfigSummary {
  const best = ranked[0];
  if (rule === 'min') return best;
  const bound = best.meanValLoss + best.stdErr;
  const within = ranked.filter((c) => c.meanValLoss <= bound);
  return [...within].sort((a, b) => compareRegularization(a.reg, b.reg) || compareSimplicity(a.reg, b.reg))[0];
}
