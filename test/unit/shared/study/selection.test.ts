import type { RegConfig } from '../../../../shared/search/grid';
import type { ConfigSummary } from '../../../../shared/study/leaderboard';
import { samePath, selectBest } from '../../../../shared/study/selection';
import { configSummary, regConfig } from '../../../support/artifacts';

/** Configs ranked as given (means ascending), each with its own standard error. Means and errors are dyadic so bounds are exact. */
const ranked = (...rows: [RegConfig, number, number][]): ConfigSummary[] => rows.map(([reg, mean, stdErr], i) => configSummary(i + 1, reg, mean, { stdErr }));

/** The same leaderboard on a single holdout: one fold, no standard error. */
const holdout = (configs: ConfigSummary[]) => configs.map((c) => ({ ...c, folds: { succeeded: 1, planned: 1 }, stdErr: 0 }));

describe('selectBest, rule min', () => {
  it('picks the lowest mean (rank 1) even when a more regularized config on its path is within one standard error', () => {
    const configs = ranked([regConfig('l2', 0.1), 0.5, 0.25], [regConfig('l2', 10), 0.625, 0.25]);
    expect(selectBest(configs, 'min').reg).toEqual(regConfig('l2', 0.1));
  });
});

describe('selectBest, rule one-standard-error along the path of the lowest', () => {
  it("picks the largest lambda on the best config's path within one standard error (the bound included); λ 100 is outside", () => {
    // Prepare: best l2 λ=0.1 at 0.5, se 0.25: bound 0.75. On its path: λ 1 (0.625), λ 5 (0.75, at the bound), λ 100 (0.875).
    const configs = ranked(
      [regConfig('l2', 0.1), 0.5, 0.25],
      [regConfig('l2', 1), 0.625, 0.125],
      [regConfig('l2', 5), 0.75, 0.125],
      [regConfig('l2', 100), 0.875, 0.125],
    );
    // Act
    const chosen = selectBest(configs, 'one-standard-error');
    // Assess
    expect(chosen.reg).toEqual(regConfig('l2', 5));
    expect(chosen.rank).toBe(3);
  });

  it('never picks a config of another type, however large its lambda and close its mean', () => {
    // Prepare: l1 λ=1000 and l2+dropout λ=1000 are within the bound 0.75 with larger lambdas; only l2 λ=1 shares the best's path
    const configs = ranked(
      [regConfig('l2', 0.1), 0.5, 0.25],
      [regConfig('l1', 1000), 0.5, 0.125],
      [regConfig('l2+dropout', 1000, 0.5), 0.5625, 0.125],
      [regConfig('elasticnet', 1000), 0.5625, 0.125],
      [regConfig('l2', 1), 0.625, 0.125],
      [regConfig('dropout', 0, 0.5), 0.6875, 0.125],
    );
    // Act
    const chosen = selectBest(configs, 'one-standard-error');
    // Assess
    expect(chosen.reg).toEqual(regConfig('l2', 1));
  });

  it("uses the best config's standard error for the bound, not the candidate's", () => {
    // λ 10 at 0.875 has a huge se of its own but is outside 0.5 + 0.25
    const configs = ranked([regConfig('l2', 0.1), 0.5, 0.25], [regConfig('l2', 1), 0.625, 0], [regConfig('l2', 10), 0.875, 4]);
    expect(selectBest(configs, 'one-standard-error').reg).toEqual(regConfig('l2', 1));
  });

  it('keeps the best when no more regularized config on its path is within the bound (a smaller lambda within it is not more regularized)', () => {
    const configs = ranked([regConfig('l2', 10), 0.5, 0.25], [regConfig('l2', 0.1), 0.5625, 0.125], [regConfig('l2', 100), 1, 0.125]);
    expect(selectBest(configs, 'one-standard-error').reg).toEqual(regConfig('l2', 10));
  });

  it("along an l2+dropout path only lambda varies: the dropout rate stays the best config's", () => {
    const configs = ranked(
      [regConfig('l2+dropout', 1, 0.1), 0.5, 0.25],
      [regConfig('l2+dropout', 100, 0.5), 0.5625, 0.125],
      [regConfig('l2+dropout', 10, 0.1), 0.625, 0.125],
      [regConfig('l2+dropout', 100, 0.1), 1, 0.125],
    );
    expect(selectBest(configs, 'one-standard-error').reg).toEqual(regConfig('l2+dropout', 10, 0.1));
  });

  it("along an elastic net path the l1Ratio stays the best config's", () => {
    const configs = ranked(
      [regConfig('elasticnet', 1, 0, 0.2), 0.5, 0.25],
      [regConfig('elasticnet', 100, 0, 0.8), 0.5625, 0.125],
      [regConfig('elasticnet', 10, 0, 0.2), 0.625, 0.125],
    );
    expect(selectBest(configs, 'one-standard-error').reg).toEqual(regConfig('elasticnet', 10, 0, 0.2));
  });

  it('for the dropout-only type the rate varies along the path: the largest rate within the bound', () => {
    const configs = ranked([regConfig('dropout', 0, 0.1), 0.5, 0.25], [regConfig('dropout', 0, 0.3), 0.625, 0.125], [regConfig('dropout', 0, 0.5), 0.8, 0.125]);
    expect(selectBest(configs, 'one-standard-error').reg).toEqual(regConfig('dropout', 0, 0.3));
  });

  it('when none has the lowest mean, none is chosen (its path is itself)', () => {
    const configs = ranked([regConfig('none'), 0.5, 0.25], [regConfig('l2', 1000), 0.5, 0.125], [regConfig('dropout', 0, 0.5), 0.625, 0.125]);
    expect(selectBest(configs, 'one-standard-error').reg).toEqual(regConfig('none'));
  });

  it('with a single holdout (no standard error) is min, even when a config on the path has exactly the best mean', () => {
    const configs = holdout(ranked([regConfig('l2', 0.1), 0.5, 0], [regConfig('l2', 10), 0.5, 0]));
    expect(selectBest(configs, 'one-standard-error').reg).toEqual(regConfig('l2', 0.1));
  });
});

describe('samePath', () => {
  it.each<[string, RegConfig, RegConfig, boolean]>([
    ['l2 at two lambdas', regConfig('l2', 1), regConfig('l2', 10), true],
    ['l2 and l1', regConfig('l2', 1), regConfig('l1', 1), false],
    ['l2 and l2+dropout', regConfig('l2', 1), regConfig('l2+dropout', 1, 0.1), false],
    ['l2+dropout at two rates', regConfig('l2+dropout', 1, 0.1), regConfig('l2+dropout', 10, 0.3), false],
    ['elastic net at two l1Ratios', regConfig('elasticnet', 1, 0, 0.2), regConfig('elasticnet', 1, 0, 0.8), false],
    ['dropout at two rates', regConfig('dropout', 0, 0.1), regConfig('dropout', 0, 0.5), true],
  ])('%s', (_name, a, b, same) => {
    expect(samePath(a, b)).toBe(same);
  });
});

describe('selectBest by a classification score (higher is better)', () => {
  /** Configs ranked by a score, best first: the score's mean and standard error in `score` (their losses play no part). */
  const byScore = (...rows: [RegConfig, number, number][]): ConfigSummary[] =>
    rows.map(([reg, mean, stdErr], i) => configSummary(i + 1, reg, 1 - i / 8, { score: { mean, stdErr } }));
  // l2 λ=0.1 has the highest balanced accuracy 0.8125, se 0.0625: bound 0.75. On its path: λ 1 (0.78125), λ 5 (0.75, at the
  // bound), λ 100 (0.6875, below). Dyadic numbers, so the bound is exact.
  const configs = byScore(
    [regConfig('l2', 0.1), 0.8125, 0.0625],
    [regConfig('l2', 1), 0.78125, 0.03125],
    [regConfig('l2', 5), 0.75, 0.03125],
    [regConfig('l2', 100), 0.6875, 0.03125],
  );

  it('min picks the highest mean score', () => {
    expect(selectBest(configs, 'min', 'balancedAccuracy').reg).toEqual(regConfig('l2', 0.1));
  });

  it('one-standard-error picks the most regularized config on the path whose score is at least the best minus its standard error', () => {
    expect(selectBest(configs, 'one-standard-error', 'balancedAccuracy').reg).toEqual(regConfig('l2', 5));
  });
});
