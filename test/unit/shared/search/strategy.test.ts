/** The search-strategy seam (shared/search/strategy.ts) and its first strategy, the grid. */
import { resolveGrid } from '../../../../shared/search/default-grid';
import { expandConfigs, trialId, trialSeed } from '../../../../shared/search/grid';
import { parseSpec } from '../../../../shared/search/spec';
import { gridStrategy, strategyOf, type TrialResult } from '../../../../shared/search/strategy';
import { buildLeaderboard, studySettings } from '../../../../shared/study/leaderboard';
import { LeaderboardSchema } from '../../../../shared/study/leaderboard-schema';
import { SpecError } from '../../../../shared/errors';
import { specInput, succeededTrial } from '../../../support/artifacts';

const spaceOf = (search: Record<string, unknown>, validation: Record<string, unknown> = { folds: 3 }) => {
  const spec = parseSpec(specInput(search as never, { validation }));
  return { spec, grid: resolveGrid(spec) };
};

describe('strategyOf', () => {
  it('is the grid when the spec names none, and the spec names it search.strategy', () => {
    const { spec } = spaceOf({ types: ['l2'], lambda: [1] });
    expect(spec.search.strategy).toBe('grid');
    expect(strategyOf(spec)).toBe(gridStrategy);
  });

  it('refuses an unknown strategy, naming the field and the ones there are', () => {
    expect(() => parseSpec(specInput({ types: ['l2'], lambda: [1], strategy: 'bayes' as never }))).toThrow(SpecError);
    expect(() => parseSpec(specInput({ types: ['l2'], lambda: [1], strategy: 'bayes' as never }))).toThrow(
      /search\.strategy: unknown strategy "bayes"; use one of grid/,
    );
  });
});

describe('the grid strategy', () => {
  it('proposes every config on every fold in one last rung, with the stable trial ids', () => {
    const space = spaceOf({ types: ['none', 'l1', 'l2+dropout'], lambda: [0.1, 1], dropout: [0.2, 0.5] });

    const rung = gridStrategy.first(space);

    const configs = expandConfigs(space.spec, space.grid);
    expect(configs).toHaveLength(1 + 2 + 4);
    expect(rung).toMatchObject({ index: 0, last: true });
    expect(rung.items).toHaveLength(configs.length * 3);
    const expected = configs.flatMap((c) => [0, 1, 2].map((fold) => trialId(c, fold, trialSeed(space.spec, fold))));
    expect(new Set(rung.items.map((i) => i.trialId))).toEqual(new Set(expected));
  });

  it('proposes once: nothing after the first rung, whatever the records say', () => {
    const space = spaceOf({ types: ['l2'], lambda: [1, 10] });
    const rung = gridStrategy.first(space);
    const records: TrialResult[] = rung.items.map((i) => ({ trialId: i.trialId, configId: i.configId, fold: i.fold, status: 'succeeded' }));

    expect(gridStrategy.next(space, rung, records)).toBeUndefined();
    expect(gridStrategy.next(space, rung, [])).toBeUndefined();
  });

  it('prices the same trials it runs: its worst case is its one rung', () => {
    const space = spaceOf({ types: ['l1', 'elasticnet'], lambda: [0.1, 1, 10], l1Ratio: [0.3, 0.7] });
    expect(gridStrategy.worstCase(space).map((i) => i.trialId)).toEqual(gridStrategy.first(space).items.map((i) => i.trialId));
  });

  it('refuses a search over limits.maxTrials with its size, before anything runs', () => {
    const spec = parseSpec(specInput({ types: ['l2'], lambda: { min: 0.01, max: 10, count: 40 } }, { validation: { folds: 5 }, limits: { maxTrials: 100 } }));
    expect(() => gridStrategy.first({ spec, grid: resolveGrid(spec) })).toThrow(/41 configs x 5 folds = 205 trials, over limits.maxTrials = 100/);
  });

  it('describes itself in one sentence with the counts, which the leaderboard carries', () => {
    const space = spaceOf({ types: ['l2'], lambda: [1, 10] }, { folds: 2 });
    const description = gridStrategy.describe(space);
    expect(description).toBe('grid, every one of 3 configs on all 2 folds (6 trials), proposed once');

    const items = gridStrategy.first(space).items;
    const records = items.map((i) => succeededTrial(i, 1 + i.reg.lambda / 100 + i.fold / 1000));
    const board = LeaderboardSchema.parse(buildLeaderboard('s-1', items, records, studySettings(space.spec, space.grid)));
    expect(board.search).toEqual({ strategy: 'grid', description, rungs: 1 });
  });
});
