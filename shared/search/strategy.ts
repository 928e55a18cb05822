/**
 * Search strategies: which trials a sweep runs. A strategy turns the search space (the spec and its resolved
 * grid) into trials, in rungs: the first rung is proposed at plan time, and a strategy that looks at results
 * (successive halving, racing) proposes the next rung from the records of the finished ones, until it says it is
 * done. The grid is the first strategy: every config of the grid on every fold, proposed once.
 *
 * Who asks what: PlanSweep writes the first rung's trials as the manifest and checks `limits.maxTrials`; the cost
 * model prices `worstCase` (nothing stopped early); Aggregate records `describe` in the leaderboard, which the
 * report and the CLI show. Trial ids are hashes of (config, fold, seed) whatever the strategy (grid.ts), so a
 * resumed sweep finds its records and two strategies that propose the same trial share its record.
 */
import { SpecError } from '../errors';
import { SEARCH_STRATEGIES, type SearchStrategyName } from '../vocabulary';
import { EXACT_PATH_COUNT, type ResolvedGrid } from './default-grid';
import { expandConfigs, foldCount, trialItems, type TrialItem } from './grid';
import type { SweepSpec } from './spec';

/** What a strategy searches: the spec (types, folds, seed, limits) and its grid resolved on the data. */
export interface SearchSpace {
  readonly spec: SweepSpec;
  readonly grid: ResolvedGrid;
}

/** What a strategy may read of a finished trial (a trial record of shared/study/records.ts is one). */
export interface TrialResult {
  readonly trialId: string;
  readonly configId: string;
  readonly fold: number;
  readonly status: 'succeeded' | 'failed';
}

/** One rung of trials: what to run now, and whether the strategy will propose more after it. */
export interface Rung {
  /** 0 for the first rung. */
  readonly index: number;
  readonly items: readonly TrialItem[];
  /** True when no rung follows this one, whatever its results. */
  readonly last: boolean;
}

export interface SearchStrategy {
  readonly name: SearchStrategyName;
  /** The first rung (PlanSweep writes it as the manifest). */
  first(space: SearchSpace): Rung;
  /**
   * The rung after `previous`, from the records of every trial run so far; undefined when the search is done.
   * A strategy that proposes once (the grid) always answers undefined.
   */
  next(space: SearchSpace, previous: Rung, records: readonly TrialResult[]): Rung | undefined;
  /** Every trial the search could run if nothing were stopped early: what the cost model prices as its worst case. */
  worstCase(space: SearchSpace): readonly TrialItem[];
  /** One sentence for the leaderboard's notes, the report and `validate`: what was searched, and how. */
  describe(space: SearchSpace): string;
}

/**
 * The exhaustive grid: every config of the resolved grid (grid.ts expandConfigs: `none` added when the spec omits
 * it, each penalized type's paths in order) on every fold, in one rung. Right for exact linear paths, whose whole
 * path costs one decomposition per fold.
 */
export const gridStrategy: SearchStrategy = {
  name: 'grid',
  first(space) {
    return { index: 0, items: withinLimits(space, gridStrategy.worstCase(space)), last: true };
  },
  next() {
    return undefined;
  },
  worstCase(space) {
    return trialItems(space.spec, expandConfigs(space.spec, space.grid));
  },
  describe(space) {
    const configs = expandConfigs(space.spec, space.grid).length;
    const folds = foldCount(space.spec);
    return `grid, every one of ${configs} configs on ${folds === 1 ? 'the holdout' : `all ${folds} folds`} (${configs * folds} trials), proposed once`;
  },
};

const STRATEGIES: Readonly<Record<SearchStrategyName, SearchStrategy>> = { grid: gridStrategy };

/** The strategy a spec names (`search.strategy`, default grid). */
export function strategyOf(spec: SweepSpec): SearchStrategy {
  const s = STRATEGIES[spec.search.strategy] as SearchStrategy | undefined;
  if (!s)
    throw new SpecError(`invalid spec: search.strategy: unknown strategy ${JSON.stringify(spec.search.strategy)}; use one of ${SEARCH_STRATEGIES.join(', ')}`);
  return s;
}

/** The grid's trials: every config on every fold (refused over limits.maxTrials, or when empty). */
export const expandGrid = (spec: SweepSpec, grid: ResolvedGrid): TrialItem[] => [...gridStrategy.first({ spec, grid }).items];

/**
 * A search's trials (its worst case), refused over `limits.maxTrials` with the count (and, for a default λ grid,
 * how to make it smaller), or when the search space is empty.
 */
function withinLimits(space: SearchSpace, items: readonly TrialItem[]): readonly TrialItem[] {
  const { spec } = space;
  if (items.length === 0) throw new SpecError('invalid spec: search: the grid is empty');
  if (items.length > spec.limits.maxTrials) {
    const configs = new Set(items.map((i) => i.configId)).size;
    const hint = space.grid.lambda?.source === 'default' ? ` (the default λ grid has up to ${EXACT_PATH_COUNT} values per path: give search.lambda)` : '';
    throw new SpecError(
      `grid too large: ${configs} configs x ${foldCount(spec)} folds = ${items.length} trials, over limits.maxTrials = ${spec.limits.maxTrials}${hint}`,
    );
  }
  return items;
}
