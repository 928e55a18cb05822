import type { RegConfig } from '../../../../shared/search/grid';
import type { ConfigSummary } from '../../../../shared/study/leaderboard';
import { selectBest } from '../../../../shared/study/selection';
import { configSummary, regConfig } from '../../../support/artifacts';

/** Configs ranked as given (means ascending), each with its own standard error. Means and errors are dyadic so bounds are exact. */
const ranked = (...rows: [RegConfig, number, number][]): ConfigSummary[] => rows.map(([reg, mean, stdErr], i) => configSummary(i + 1, reg, mean, { stdErr }));

describe('selectBest, rule min', () => {
  it('picks the lowest mean (rank 1) even when a more regularized config is within one standard error', () => {
    const configs = ranked([regConfig('l2', 0.1), 0.5, 0.25], [regConfig('l2', 10), 0.625, 0.25]);
    expect(selectBest(configs, 'min').reg).toEqual(regConfig('l2', 0.1));
  });
});

describe('selectBest, rule one-standard-error', () => {
  it('picks the largest lambda among configs within one standard error of the best (the bound included)', () => {
    // Prepare: best mean 0.5, se 0.25: bound 0.75. Within: λ 0.1, 1, 5 (at the bound) and dropout (λ 0); λ 100 is not.
    const configs = ranked(
      [regConfig('l2', 0.1), 0.5, 0.25],
      [regConfig('dropout', 0, 0.5), 0.5625, 0.125],
      [regConfig('l2', 1), 0.625, 0.125],
      [regConfig('l1', 5), 0.75, 0.125],
      [regConfig('l2', 100), 0.875, 0.125],
    );
    // Act
    const chosen = selectBest(configs, 'one-standard-error');
    // Assess
    expect(chosen.reg).toEqual(regConfig('l1', 5));
    expect(chosen.rank).toBe(4);
  });

  it("uses the best config's standard error for the bound, not the candidate's", () => {
    // λ 10 at 0.875 has a huge se of its own but is outside 0.5 + 0.25
    const configs = ranked([regConfig('l2', 0.1), 0.5, 0.25], [regConfig('l2', 1), 0.625, 0], [regConfig('l2', 10), 0.875, 4]);
    expect(selectBest(configs, 'one-standard-error').reg).toEqual(regConfig('l2', 1));
  });

  it('breaks a lambda tie toward the larger dropout rate', () => {
    const configs = ranked(
      [regConfig('l2+dropout', 1, 0.1), 0.5, 0.25],
      [regConfig('l2+dropout', 1, 0.5), 0.625, 0.125],
      [regConfig('l2+dropout', 1, 0.3), 0.6875, 0.125],
    );
    expect(selectBest(configs, 'one-standard-error').reg).toEqual(regConfig('l2+dropout', 1, 0.5));
  });

  it.each<[string, RegConfig, RegConfig]>([
    ['l2 over elastic net (no l1Ratio to choose)', regConfig('elasticnet', 1), regConfig('l2', 1)],
    ['l2 over l2+dropout with p = 0', regConfig('l2+dropout', 1, 0), regConfig('l2', 1)],
    ['none over dropout with p = 0', regConfig('dropout', 0, 0), regConfig('none')],
  ])('breaks a full tie (same lambda and dropout) toward the simpler config: %s', (_name, complex, simple) => {
    // the complex config has the lower mean, the simple one is within a standard error of it
    const configs = ranked([complex, 0.5, 0.25], [simple, 0.625, 0.125]);
    expect(selectBest(configs, 'one-standard-error').reg).toEqual(simple);
  });

  it('with a standard error of 0 (one fold) keeps the best unless another config has exactly its mean', () => {
    expect(selectBest(ranked([regConfig('l2', 0.1), 0.5, 0], [regConfig('l2', 10), 0.5000001, 0]), 'one-standard-error').reg).toEqual(regConfig('l2', 0.1));
    expect(selectBest(ranked([regConfig('l2', 0.1), 0.5, 0], [regConfig('l2', 10), 0.5, 0]), 'one-standard-error').reg).toEqual(regConfig('l2', 10));
  });
});
