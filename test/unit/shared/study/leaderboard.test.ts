import { configId, configLabel } from '../../../../shared/search/grid';
import { buildLeaderboard, LeaderboardSchema, NoResultsError, type Leaderboard } from '../../../../shared/study/leaderboard';
import type { TrialRecord } from '../../../../shared/study/records';
import { failedTrial, plannedTrials, regConfig, study, succeededTrial } from '../../../support/artifacts';

// Three configs on three folds, with validation losses whose mean and standard error are known by hand:
//   l2 λ=0.1  1, 2, 3        mean 2    sample sd 1    se 1/√3 ≈ 0.57735
//   l2 λ=10   2, 2.5, 3      mean 2.5  sample sd 0.5  se 0.5/√3 ≈ 0.28868
//   none      3, 3, 3        mean 3    se 0
const WEAK = regConfig('l2', 0.1);
const STRONG = regConfig('l2', 10);
const NONE = regConfig('none');
const LOSSES: [typeof WEAK, number[]][] = [
  [WEAK, [1, 2, 3]],
  [STRONG, [2, 2.5, 3]],
  [NONE, [3, 3, 3]],
];

function sweep() {
  const items = LOSSES.flatMap(([reg]) => plannedTrials(reg, 3));
  const records: TrialRecord[] = LOSSES.flatMap(([reg, losses]) => plannedTrials(reg, 3).map((item, fold) => succeededTrial(item, losses[fold])));
  return { items, records };
}

describe('buildLeaderboard over complete configs', () => {
  it('ranks by mean validation loss with the standard error sample sd / √k, and min picks the lowest mean', () => {
    // Prepare: records in reverse plan order (order must not matter)
    const { items, records } = sweep();
    // Act
    const board = buildLeaderboard('unit-sweep', items, [...records].reverse(), study('min'));
    // Assess
    expect(board.configs.map((c) => [c.rank, c.label])).toEqual([
      [1, 'l2 λ=0.1'],
      [2, 'l2 λ=10'],
      [3, 'none'],
    ]);
    expect(board.configs.map((c) => c.meanValLoss)).toEqual([2, 2.5, 3]);
    expect(board.configs[0].stdErr).toBeCloseTo(0.57735, 5);
    expect(board.configs[1].stdErr).toBeCloseTo(0.28868, 5);
    expect(board.configs[2].stdErr).toBe(0);
    expect(board.best.configId).toBe(configId(WEAK));
    expect(board.trials).toEqual({ planned: 9, succeeded: 9, failed: 0, missing: 0 });
    expect(board.incomplete).toEqual([]);
    expect(board.task).toBe('regression');
    expect(board.backend).toBe('cpu');
  });

  it('one-standard-error picks λ=10: within 2 + 0.577 of the best and more regularized; none (3) is outside', () => {
    const { items, records } = sweep();
    const board = buildLeaderboard('unit-sweep', items, records, study('one-standard-error'));
    expect(board.best.configId).toBe(configId(STRONG));
    expect(board.best.rank).toBe(2);
    expect(board.rule).toBe('one-standard-error');
  });

  it('averages train loss, gap, R², best epoch and keeps only the features selected in every fold', () => {
    // Prepare: one config, train losses 0.5, 1, 1.5 under validation losses 1, 2, 3
    const items = plannedTrials(WEAK, 3);
    const selected = [
      ['a', 'b'],
      ['a', 'c'],
      ['a', 'b', 'c'],
    ];
    const records = items.map((item, f) =>
      succeededTrial(item, f + 1, {
        train: { loss: (f + 1) / 2 },
        validation: { loss: f + 1, r2: [0.2, 0.4, 0.9][f] },
        bestEpoch: [10, 20, 60][f],
        selectedFeatures: selected[f],
        sparsity: [0, 0.5, 1][f],
      }),
    );
    // Act
    const [row] = buildLeaderboard('unit-sweep', items, records, study('min')).configs;
    // Assess
    expect(row.meanTrainLoss).toBeCloseTo(1, 12);
    expect(row.meanGap).toBeCloseTo(1, 12); // (0.5 + 1 + 1.5) / 3
    expect(row.meanR2).toBeCloseTo(0.5, 12);
    expect(row.meanBestEpoch).toBe(30);
    expect(row.meanSparsity).toBe(0.5);
    expect(row.selectedFeatures).toEqual(['a']);
    expect(row.folds).toEqual({ succeeded: 3, planned: 3 });
  });

  it('gives a one-fold config a standard error of 0', () => {
    const items = plannedTrials(WEAK, 1);
    const board = buildLeaderboard('unit-sweep', items, [succeededTrial(items[0], 4)], study('one-standard-error'));
    expect(board.configs[0].stdErr).toBe(0);
    expect(board.configs[0].meanValLoss).toBe(4);
  });

  it('ranks equal means toward the simpler config', () => {
    const items = [...plannedTrials(STRONG, 1), ...plannedTrials(NONE, 1)];
    const board = buildLeaderboard(
      'unit-sweep',
      items,
      items.map((i) => succeededTrial(i, 1)),
      study('min'),
    );
    expect(board.configs.map((c) => c.label)).toEqual(['none', 'l2 λ=10']);
    expect(board.best.label).toBe('none');
  });
});

/** A sweep of these configs with these validation losses per fold (train loss 0.1 lower). */
function sweepOf(losses: [ReturnType<typeof regConfig>, number[]][]) {
  const items = losses.flatMap(([reg, l]) => plannedTrials(reg, l.length));
  const records: TrialRecord[] = losses.flatMap(([reg, l]) => plannedTrials(reg, l.length).map((item, fold) => succeededTrial(item, l[fold])));
  return { items, records };
}

describe('buildLeaderboard: the paired comparison with none', () => {
  it("gives every config its per-fold difference from none: mean, standard error, share of none's loss, folds won", () => {
    // Prepare: differences from none (3, 3, 3): λ=0.1: -2, -1, 0 (mean -1, sd 1); λ=10: -1, -0.5, 0 (mean -0.5, sd 0.5)
    const { items, records } = sweep();
    // Act
    const board = buildLeaderboard('unit-sweep', items, [...records].reverse(), study('min'));
    // Assess
    const [weak, strong, none] = board.configs;
    expect(weak.vsNone).toMatchObject({ meanDiff: -1, relDiff: -1 / 3, foldsWon: 2, folds: 3, beyondNoise: false });
    expect(weak.vsNone!.stdErr).toBeCloseTo(1 / Math.sqrt(3), 12);
    expect(weak.vsNone!.relStdErr).toBeCloseTo(1 / 3 / Math.sqrt(3), 12);
    expect(strong.vsNone).toMatchObject({ meanDiff: -0.5, foldsWon: 2, folds: 3, beyondNoise: false });
    expect(strong.vsNone!.stdErr).toBeCloseTo(0.5 / Math.sqrt(3), 12);
    expect(none.reg.type).toBe('none');
    expect(none.vsNone).toBeUndefined();
    expect(board.notes).toEqual([]);
  });

  it("pairs by fold: a config that wins every fold by 0.5 is beyond noise although its mean is within one standard error of none's", () => {
    // Prepare: none 3, 2, 1 (mean 2, se 0.577); the config 2.5, 1.5, 0.5 (mean 1.5): the differences are -0.5 on every fold (se 0)
    const PAIRED = regConfig('l1', 1);
    const { items, records } = sweepOf([
      [NONE, [3, 2, 1]],
      [PAIRED, [2.5, 1.5, 0.5]],
    ]);
    // Act
    const board = buildLeaderboard('unit-sweep', items, records, study('min'));
    // Assess
    expect(board.best.reg).toEqual(PAIRED);
    expect(board.best.vsNone).toEqual({ meanDiff: -0.5, stdErr: 0, relDiff: -0.25, relStdErr: 0, foldsWon: 3, folds: 3, beyondNoise: true });
  });

  it('calls a difference beyond noise only when its mean is more than two standard errors below zero', () => {
    // λ=1: -1, -0.75, -0.5: mean -0.75, se 0.1443: beyond. λ=100: -1.5, 0, +0.5: mean -1/3, se 0.60: not beyond noise (1 fold of 3 won).
    const { items, records } = sweepOf([
      [NONE, [3, 3, 3]],
      [regConfig('l2', 1), [2, 2.25, 2.5]],
      [regConfig('l2', 100), [1.5, 3, 3.5]],
    ]);
    const board = buildLeaderboard('unit-sweep', items, records, study('min'));
    const byLambda = (l: number) => board.configs.find((c) => c.reg.type === 'l2' && c.reg.lambda === l)!.vsNone!;
    expect(byLambda(1)).toMatchObject({ meanDiff: -0.75, foldsWon: 3, beyondNoise: true });
    expect(byLambda(100)).toMatchObject({ foldsWon: 1, beyondNoise: false });
    expect(byLambda(100).meanDiff).toBeCloseTo(-1 / 3, 12);
  });

  it('without a complete none, has no paired differences and says why; says when the grid added none', () => {
    const items = [...plannedTrials(WEAK, 2), ...plannedTrials(NONE, 2)];
    const records = [
      ...plannedTrials(WEAK, 2).map((i) => succeededTrial(i, 1)),
      failedTrial(plannedTrials(NONE, 2)[0]),
      succeededTrial(plannedTrials(NONE, 2)[1], 2),
    ];
    const board = buildLeaderboard('unit-sweep', items, records, study('min', { types: ['l2'] }));
    expect(board.configs.map((c) => c.vsNone)).toEqual([undefined]);
    expect(board.notes).toEqual([
      'none (no regularization) was added as the baseline: the spec did not list it',
      'no paired comparison with no regularization: none has no result on every fold',
    ]);
  });

  it('on a single holdout, says one-standard-error is min and that no difference can be called beyond noise', () => {
    const { items, records } = sweepOf([
      [NONE, [3]],
      [WEAK, [1]],
    ]);
    const board = buildLeaderboard('unit-sweep', items, records, study('one-standard-error'));
    expect(board.best.vsNone).toMatchObject({ meanDiff: -2, stdErr: 0, foldsWon: 1, folds: 1, beyondNoise: false });
    expect(board.notes).toEqual([
      'a single holdout has no standard error: the rule one-standard-error is min, and no difference from none can be called beyond noise',
    ]);
  });
});

describe('buildLeaderboard with failed and missing trials', () => {
  it('lists a config with a failed or missing fold as incomplete, never ranks it, and counts both', () => {
    // Prepare: STRONG fold 1 failed, fold 2 missing; the others complete
    const { items, records } = sweep();
    const [, strong1, strong2] = plannedTrials(STRONG, 3);
    const kept = records.filter((r) => r.trialId !== strong1.trialId && r.trialId !== strong2.trialId);
    const withFailure = [...kept, failedTrial(strong1, { name: 'DivergedError', message: 'loss is NaN' })];
    // Act
    const board = buildLeaderboard('unit-sweep', items, withFailure, study('one-standard-error'));
    // Assess
    expect(board.configs.map((c) => c.label)).toEqual(['l2 λ=0.1', 'none']);
    expect(board.incomplete).toEqual([{ configId: configId(STRONG), label: configLabel(STRONG), succeeded: 1, planned: 3 }]);
    expect(board.trials).toEqual({ planned: 9, succeeded: 7, failed: 1, missing: 1 });
    expect(board.failedTrials).toEqual([
      { trialId: strong1.trialId, configId: configId(STRONG), fold: 1, error: { name: 'DivergedError', message: 'loss is NaN' } },
    ]);
    expect(board.missingTrialIds).toEqual([strong2.trialId]);
    // with λ=10 out of the ranking, none (3) is outside 2 + 0.577: the best stays λ=0.1
    expect(board.best.configId).toBe(configId(WEAK));
  });

  it('counts a succeeded record without a validation loss as failed', () => {
    const items = plannedTrials(WEAK, 2);
    const records = [succeededTrial(items[0], 1), succeededTrial(items[1], 1, { validation: null })];
    const board = buildLeaderboard(
      'unit-sweep',
      [...items, ...plannedTrials(NONE, 1)],
      [...records, succeededTrial(plannedTrials(NONE, 1)[0], 5)],
      study('min'),
    );
    expect(board.trials.failed).toBe(1);
    expect(board.failedTrials[0]).toMatchObject({ trialId: items[1].trialId, error: { name: 'NoValidationLoss' } });
    expect(board.incomplete.map((c) => c.label)).toEqual(['l2 λ=0.1']);
  });

  it('attaches the execution error of a missing trial (from runErrors), and only for missing trials', () => {
    const { items, records } = sweep();
    const [weak0, weak1] = plannedTrials(WEAK, 3);
    const runErrors = new Map([
      [weak0.trialId, { name: 'States.Timeout', message: 'timed out after 900 s' }],
      [weak1.trialId, { name: 'Error', message: 'not missing: it has a record' }],
    ]);
    const board = buildLeaderboard(
      'unit-sweep',
      items,
      records.filter((r) => r.trialId !== weak0.trialId),
      study('min'),
      runErrors,
    );
    expect(board.missingTrialIds).toEqual([weak0.trialId]);
    expect(board.missingErrors).toEqual([
      { trialId: weak0.trialId, configId: configId(WEAK), fold: 0, error: { name: 'States.Timeout', message: 'timed out after 900 s' } },
    ]);
  });

  it('ignores records of trials that are not in the plan', () => {
    const { items, records } = sweep();
    const stranger = plannedTrials(regConfig('l1', 3), 1)[0];
    const board = buildLeaderboard('unit-sweep', items, [...records, succeededTrial(stranger, 0.001)], study('min'));
    expect(board.configs.map((c) => c.label)).toEqual(['l2 λ=0.1', 'l2 λ=10', 'none']);
    expect(board.trials).toEqual({ planned: 9, succeeded: 9, failed: 0, missing: 0 });
  });

  it('throws NoResultsError with the counts and the first error when no config is complete', () => {
    const items = [...plannedTrials(WEAK, 2), ...plannedTrials(STRONG, 1)];
    const records = [succeededTrial(items[0], 1), failedTrial(items[1], { name: 'OutOfMemory', message: 'heap' })];
    const build = () => buildLeaderboard('unit-sweep', items, records, study('min'));
    expect(build).toThrow(NoResultsError);
    expect(build).toThrow('sweep unit-sweep: no config has a result on every fold (3 trials planned, 1 failed, 1 missing); first error: OutOfMemory: heap');
  });
});

describe('LeaderboardSchema', () => {
  const board = (): Leaderboard => {
    const { items, records } = sweep();
    // a NaN train loss (JSON writes it as null) in every fold of one config
    const withNaN = records.map((r) => (r.status === 'succeeded' && r.configId === configId(NONE) ? { ...r, train: { loss: null } } : r));
    return buildLeaderboard('unit-sweep', items, withNaN, study('one-standard-error'));
  };

  it('round-trips a built leaderboard through JSON, NaN as null and back to NaN', () => {
    // Prepare
    const built = board();
    expect(built.configs[2].meanTrainLoss).toBeNaN();
    // Act
    const text = JSON.stringify(built);
    const parsed = LeaderboardSchema.parse(JSON.parse(text));
    // Assess
    expect(text).toContain('"meanTrainLoss":null');
    expect(parsed.configs[2].meanTrainLoss).toBeNaN();
    expect(parsed).toEqual(built);
  });

  it('rejects a leaderboard without configs, naming the field', () => {
    const { configs: _configs, ...rest } = JSON.parse(JSON.stringify(board())) as Record<string, unknown>;
    const r = LeaderboardSchema.safeParse(rest);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path)).toContainEqual(['configs']);
  });
});

describe('buildLeaderboard by a classification score (selection.metric)', () => {
  // Classification records: validation loss the same on every fold (1), balanced accuracy per fold:
  //   l2 λ=0.1  0.70, 0.80, 0.90   mean 0.80  se 0.1/√3 ≈ 0.057735
  //   l2 λ=10   0.75, 0.80, 0.85   mean 0.80  se 0.05/√3
  //   none      0.60, 0.70, 0.80   mean 0.70  paired d for λ=0.1: 0.10 each fold (se 0), for λ=10: 0.15, 0.10, 0.05
  const SCORES: [typeof WEAK, number[]][] = [
    [WEAK, [0.7, 0.8, 0.9]],
    [STRONG, [0.75, 0.8, 0.85]],
    [NONE, [0.6, 0.7, 0.8]],
  ];
  function classification(rocAuc: (fold: number) => number | null = () => 0.9) {
    const items = SCORES.flatMap(([reg]) => plannedTrials(reg, 3));
    const records: TrialRecord[] = SCORES.flatMap(([reg, scores]) =>
      plannedTrials(reg, 3).map((item, fold) =>
        succeededTrial(item, 1, {
          task: 'classification',
          train: { loss: 0.9, accuracy: 0.9, balancedAccuracy: 0.9, macroF1: 0.9, rocAuc: 0.95 },
          validation: { loss: 1, accuracy: scores[fold], balancedAccuracy: scores[fold], macroF1: scores[fold] - 0.1, rocAuc: rocAuc(fold) },
        }),
      ),
    );
    return { items, records };
  }

  it('ranks by the mean score, highest first, ties toward the simpler config, and records the metric and every mean', () => {
    const { items, records } = classification();
    const board = buildLeaderboard('unit-sweep', items, records, study('min', { metric: 'balancedAccuracy' }));
    expect(board.metric).toBe('balancedAccuracy');
    // λ=0.1 and λ=10 tie at 0.80: the smaller λ is simpler
    expect(board.configs.map((c) => c.label)).toEqual([configLabel(WEAK), configLabel(STRONG), configLabel(NONE)]);
    const [weak, strong, none] = board.configs;
    expect(weak.score!.mean).toBeCloseTo(0.8, 12);
    expect(weak.score!.stdErr).toBeCloseTo(0.1 / Math.sqrt(3), 12);
    expect(strong.score!.stdErr).toBeCloseTo(0.05 / Math.sqrt(3), 12);
    expect(none.meanBalancedAccuracy).toBeCloseTo(0.7, 12);
    expect(none.meanMacroF1).toBeCloseTo(0.6, 12);
    expect(none.meanRocAuc).toBeCloseTo(0.9, 12);
    expect(board.best.label).toBe(configLabel(WEAK));
  });

  it('one-standard-error takes the most regularized config whose score is within one standard error below the best', () => {
    const { items, records } = classification();
    const board = buildLeaderboard('unit-sweep', items, records, study('one-standard-error', { metric: 'balancedAccuracy' }));
    expect(board.best.label).toBe(configLabel(STRONG));
  });

  it('pairs with none in the score: a positive difference wins, beyond noise when above two standard errors', () => {
    const { items, records } = classification();
    const board = buildLeaderboard('unit-sweep', items, records, study('min', { metric: 'balancedAccuracy' }));
    const strong = board.configs.find((c) => c.label === configLabel(STRONG))!;
    // d = 0.15, 0.10, 0.05: mean 0.10, sample sd 0.05, se 0.05/√3 ≈ 0.0289; 0.10 > 2 se
    expect(strong.vsNone!.meanDiff).toBeCloseTo(0.1, 12);
    expect(strong.vsNone!.stdErr).toBeCloseTo(0.05 / Math.sqrt(3), 12);
    expect(strong.vsNone!.relDiff).toBeCloseTo(0.1 / 0.7, 12);
    expect(strong.vsNone!.foldsWon).toBe(3);
    expect(strong.vsNone!.beyondNoise).toBe(true);
  });

  it('ranks by the loss, and says why, when the score is undefined on a fold (ROC AUC with a class absent)', () => {
    const { items, records } = classification((fold) => (fold === 2 ? null : 0.9));
    const board = buildLeaderboard('unit-sweep', items, records, study('min', { metric: 'rocAuc' }));
    expect(board.metric).toBe('loss');
    expect(board.notes).toContain(
      "selection.metric rocAuc has no value on some folds (for rocAuc: a class has no row among a fold's validation rows), so the configs are ranked by validation loss instead",
    );
    expect(board.configs.every((c) => c.meanRocAuc === undefined && c.score === undefined)).toBe(true);
  });
});
