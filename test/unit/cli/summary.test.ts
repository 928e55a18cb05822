import { decisionLines, leaderboardTable, sweepSummary } from '../../../cli/summary';
import type { Leaderboard } from '../../../shared/study/leaderboard';
import { bestRecord, configSummary, regConfig } from '../../support/artifacts';

const L2 = (lambda: number) => regConfig('l2', lambda);
const L1 = (lambda: number) => regConfig('l1', lambda);
const NONE = regConfig('none');
const DROP = regConfig('l2+dropout', 1, 0.3);

/** A paired difference from none (loss 0.5) on 3 folds. */
const vsNone = (meanDiff: number, stdErr: number, foldsWon: number, beyondNoise: boolean) => ({
  meanDiff,
  stdErr,
  relDiff: meanDiff / 0.5,
  relStdErr: stdErr / 0.5,
  foldsWon,
  folds: 3,
  beyondNoise,
});

/**
 * Five ranked configs; one-standard-error picks l1 λ=10 at rank 2: on the path of rank 1 (l1 λ=0.1), within 0.05
 * of it, larger lambda. l1 λ=10 beats none by 16% ± 4%, 3 of 3 folds: beyond noise.
 */
function board(over: Partial<Leaderboard> = {}): Leaderboard {
  const configs = [
    configSummary(1, L1(0.1), 0.4, { vsNone: vsNone(-0.1, 0.01, 3, true) }),
    configSummary(2, L1(10), 0.42, { meanSparsity: 0.5, selectedFeatures: ['a', 'c'], vsNone: vsNone(-0.08, 0.02, 3, true) }),
    configSummary(3, NONE, 0.5, { meanGap: -0.02 }),
    configSummary(4, L2(100), 0.7, { vsNone: vsNone(0.2, 0.05, 0, false) }),
    configSummary(5, DROP, 0.9, { vsNone: vsNone(0.4, 0.05, 0, false) }),
  ];
  return {
    schemaVersion: 1,
    sweepId: 'unit-sweep',
    rule: 'one-standard-error',
    task: 'regression',
    trials: { planned: 18, succeeded: 16, failed: 1, missing: 1 },
    configs,
    incomplete: [{ configId: 'l2-ffff', label: 'l2 λ=1000', succeeded: 1, planned: 3 }],
    best: configs[1],
    missingTrialIds: ['t-0000000000000001'],
    failedTrials: [{ trialId: 't-0000000000000002', configId: 'l2-ffff', fold: 1, error: { name: 'Error', message: 'boom' } }],
    backend: 'wasm',
    createdAt: '2025-01-01T00:00:00.000Z',
    ...over,
  };
}

/** The table's rows as trimmed cells (box-drawing borders dropped). */
const rows = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('│'))
    .map((l) =>
      l
        .split('│')
        .slice(1, -1)
        .map((c) => c.trim()),
    );

describe('leaderboardTable', () => {
  it('shows every config, marks the chosen row, and counts trials and incomplete configs', () => {
    const text = leaderboardTable(board());
    const chosen = rows(text).filter((r) => r[0] === '*');
    expect(chosen).toEqual([['*', '2', 'l1 λ=10', '0.42 ± 0.05', '-16.0% ± 4.0% (3/3)', '0.32', '+0.1', '0.58', '50.0%', '40']]);
    expect(rows(text).map((r) => r[1])).toEqual(['rank', '1', '2', '3', '4', '5']);
    expect(text).toMatch(/val loss ± se \(MSE\)/);
    expect(text).toMatch(/R²/);
    expect(rows(text)[3]).toEqual(['', '3', 'none', '0.5 ± 0.05', 'baseline', '0.4', '-0.02', '0.5', '0.0%', '40']);
    expect(rows(text)[4][4]).toBe('+40.0% ± 10.0% (0/3)');
    expect(text).toMatch(/vs none \(folds won\)/);
    expect(text).toMatch(/\* chosen \(rule one-standard-error\)/);
    expect(text).not.toMatch(/not shown/);
    expect(text).toMatch(/trials: 16\/18 succeeded, 1 failed, 1 missing, 1 incomplete config not ranked: l2 λ=1000 \(1\/3 folds\)/);
  });

  it('with top, says how many configs are hidden and still shows a chosen config below the cut', () => {
    const b = board({ rule: 'min' });
    const last = b.configs[4];
    const text = leaderboardTable({ ...b, best: last }, { top: 2 });
    expect(text).toMatch(/l1 λ=0\.1/);
    expect(text).toMatch(/l1 λ=10/);
    expect(text).not.toMatch(/l2 λ=100\b/);
    expect(text).toMatch(/\.\.\./);
    expect(rows(text).map((r) => `${r[0]}|${r[1]}|${r[2]}`)).toEqual(['|rank|config', '|1|l1 λ=0.1', '|2|l1 λ=10', '|...|', '*|5|l2+dropout λ=1 p=0.3']);
    expect(text).toMatch(/2 more configs not shown/);
  });

  it('shows accuracy as a percentage for classification', () => {
    const b = board({ task: 'classification' });
    const configs = b.configs.map((c) => ({ ...c, meanR2: undefined, meanAccuracy: 0.9 }));
    const text = leaderboardTable({ ...b, configs, best: configs[1] });
    expect(text).toMatch(/accuracy/);
    expect(text).toMatch(/cross-entropy/);
    expect(text).toMatch(/90\.0%/);
  });

  it('leads with the selection metric when a score selected, keeps the loss beside it, and says which metric in the notes', () => {
    // Prepare: ranked by balanced accuracy (0.85 first), the loss kept; bal. acc is the metric, so only accuracy is a score column
    const b = board({ task: 'classification', metric: 'balancedAccuracy', rule: 'min' });
    const configs = b.configs.map((c, i) => ({
      ...c,
      meanR2: undefined,
      meanAccuracy: 0.9,
      meanBalancedAccuracy: 0.85 - i / 20,
      score: { mean: 0.85 - i / 20, stdErr: 0.0125 },
      vsNone: c.vsNone && { ...c.vsNone, meanDiff: 0.05, stdErr: 0.01, foldsWon: 3 },
    }));
    // Act
    const text = leaderboardTable({ ...b, configs, best: configs[0] });
    // Assess
    const [head, first] = rows(text);
    expect(head).toEqual([
      '',
      'rank',
      'config',
      'val balanced accuracy ± se',
      'vs none (folds won)',
      'val loss (cross-entropy)',
      'train loss',
      'gap',
      'accuracy',
      'sparsity',
      'best epoch',
    ]);
    expect(first.slice(0, 6)).toEqual(['*', '1', 'l1 λ=0.1', '85.0% ± 1.3%', '+5.0 ± 1.0 pts (3/3)', '0.4']);
    expect(text).toMatch(/\* chosen \(rule min, by balanced accuracy\)/);
  });
});

describe('decisionLines', () => {
  it('names the selection metric in the rule, the validation line and the comparison with none, and lists every test score', () => {
    // Prepare: classification ranked by macro F1; l1 λ=10 (rank 2) beats none by 6.25 pts ± 1.25 pts over 3 folds
    const b = board({ task: 'classification', metric: 'macroF1' });
    const configs = b.configs.map((c) => ({
      ...c,
      meanR2: undefined,
      meanAccuracy: 0.9,
      meanBalancedAccuracy: 0.875,
      meanMacroF1: 0.8125,
      meanRocAuc: 0.9375,
      score: { mean: 0.8125, stdErr: 0.0625 },
    }));
    const best = { ...configs[1], vsNone: vsNone(0.0625, 0.0125, 3, true) };
    const board2 = { ...b, configs: [configs[0], best, ...configs.slice(2)], best };
    const refit = { ...bestRecord(board2), test: { loss: 0.3, accuracy: 0.9, balancedAccuracy: 0.85, macroF1: 0.8, rocAuc: NaN } };
    // Act
    const lines = decisionLines(board2, refit);
    // Assess
    expect(lines[1]).toMatch(
      /rule one-standard-error: the most regularized config on the path of the highest \(l1, λ varying\) whose mean validation macro F1 over 3 folds is within one standard error of the highest \(l1 λ=0\.1: 0\.813 − 0\.0625\)/,
    );
    expect(lines[2]).toBe(
      'validation: mean macro F1 0.813 ± 0.0625 (std err; it selected), loss 0.42, accuracy 90.0%, balanced accuracy 87.5%, ROC AUC 0.938, over 3 folds',
    );
    expect(lines[3]).toMatch(/l1 λ=10 beats no regularization by 6\.3 ± 1\.3 pts of macro F1, 3 of 3 folds \(beyond noise/);
    expect(lines[4]).toMatch(/^test:\s+loss 0\.3, accuracy 90\.0%, balanced accuracy 85\.0%, macro F1 0\.8, ROC AUC - on 20 held-out rows/);
  });

  it('names the config, the rule and why, the test score and rows, and the L1 features', () => {
    const b = board();
    const lines = decisionLines(b, bestRecord(b));
    expect(lines[0]).toBe('chosen:     l1 λ=10 (rank 2 of 5)');
    expect(lines[1]).toBe(
      'why:        rule one-standard-error: the most regularized config on the path of the lowest (l1, λ varying) whose mean validation loss over 3 folds ' +
        'is within one standard error of the lowest (l1 λ=0.1: 0.4 + 0.05)',
    );
    expect(lines[2]).toMatch(/mean loss 0\.42 ± 0\.05/);
    expect(lines[3]).toBe('vs none:    l1 λ=10 beats no regularization by 16.0% ± 4.0%, 3 of 3 folds (beyond noise: more than 2 standard errors)');
    expect(lines[4]).toMatch(/test:\s+loss 0\.45, R² 0\.55 on 20 held-out rows \(refit on 80 rows for 40 epochs/);
    expect(lines[5]).toBe('features:   2 of 4 selected: a, c');
    expect(lines).toHaveLength(6);
  });

  it('without a best record says there is no test score; no feature line for L2', () => {
    const b = board({ rule: 'min' });
    const l2 = { ...b.configs[3], rank: 1 };
    const lines = decisionLines({ ...b, configs: [l2, ...b.configs.slice(0, 3), b.configs[4]], best: l2 });
    expect(lines[0]).toBe('chosen:     l2 λ=100 (rank 1 of 5)');
    expect(lines[1]).toMatch(/rule min: the lowest mean validation loss over 3 folds/);
    expect(lines.join('\n')).toMatch(/test:\s+none yet/);
    expect(lines.join('\n')).not.toMatch(/features:/);
  });

  it('one-standard-error: says when the chosen config is the lowest itself, and that a single holdout makes it min', () => {
    const b = board();
    const lowest = decisionLines({ ...b, best: b.configs[0] });
    expect(lowest[1]).toBe(
      'why:        rule one-standard-error: it has the lowest mean validation loss over 3 folds, and no more regularized config on its path (l1, λ varying) is within one standard error of it',
    );

    const holdout = b.configs.map((c) => ({ ...c, folds: { succeeded: 1, planned: 1 }, stdErr: 0 }));
    const single = decisionLines({ ...b, configs: holdout, best: holdout[0] });
    expect(single[1]).toMatch(
      /rule one-standard-error: the lowest mean validation loss on the holdout \(a single holdout has no standard error: the rule is min\)/,
    );
  });
});

describe('decisionLines: against no regularization, notes and warnings', () => {
  it('says the chosen config is within noise, and names a config that beat none beyond noise', () => {
    const b = board();
    const within = { ...b.configs[1], vsNone: vsNone(-0.01, 0.02, 2, false) };
    const lines = decisionLines({ ...b, configs: [b.configs[0], within, ...b.configs.slice(2)], best: within });
    expect(lines[3]).toBe(
      'vs none:    l1 λ=10 vs no regularization: -2.0% ± 4.0% loss, 2 of 3 folds won: within noise; ' +
        'l1 λ=0.1 beats no regularization by 20.0% ± 2.0%, 3 of 3 folds (beyond noise: more than 2 standard errors)',
    );
  });

  it('says when no config beat no regularization beyond noise, and when none is the choice', () => {
    const b = board();
    const configs = b.configs.map((c) => (c.vsNone ? { ...c, vsNone: { ...c.vsNone, beyondNoise: false } } : c));
    expect(decisionLines({ ...b, configs, best: configs[1] })[3]).toBe(
      'vs none:    l1 λ=10 vs no regularization: -16.0% ± 4.0% loss, 3 of 3 folds won: within noise; no config beat no regularization beyond noise on this data',
    );
    expect(decisionLines({ ...b, rule: 'min', best: b.configs[2] })[3]).toBe(
      'vs none:    no regularization has the lowest loss: no config beat it on this data',
    );
    const noNone = b.configs.filter((c) => c.reg.type !== 'none');
    expect(decisionLines({ ...b, configs: noNone, best: noNone[0] })[3]).toBe(
      'vs none:    no paired comparison: none (no regularization) has no result on every fold',
    );
  });

  it('names the search that ran before the notes, and says nothing of it for a leaderboard from before strategies', () => {
    const description = 'grid, every one of 4 configs on all 3 folds (12 trials), proposed once';
    const lines = decisionLines(board({ search: { strategy: 'grid', description, rungs: 1 }, notes: ['a note'] }));
    expect(lines.slice(-2)).toEqual(['search:     grid, every one of 4 configs on all 3 folds (12 trials), proposed once', 'note:       a note']);
    expect(decisionLines(board()).some((l) => l.startsWith('search:'))).toBe(false);
  });

  it("ends with the leaderboard's notes and its warnings with their codes", () => {
    const b = board({
      notes: ['none (no regularization) was added as the baseline: the spec did not list it'],
      diagnostics: [{ code: 'epoch-cap', message: '3 of 12 SGD trials were still improving' }],
    });
    const lines = decisionLines(b);
    expect(lines.slice(-2)).toEqual([
      'note:       none (no regularization) was added as the baseline: the spec did not list it',
      'warning:    3 of 12 SGD trials were still improving [epoch-cap]',
    ]);
  });
});

describe('sweepSummary', () => {
  it('has exactly the documented shape', () => {
    const b = board();
    const s = sweepSummary(b, bestRecord(b), { report: 'out/report.html' });
    expect(Object.keys(s)).toEqual(['sweepId', 'backend', 'trials', 'best', 'diagnostics', 'test', 'leaderboard', 'report']);
    expect(s.sweepId).toBe('unit-sweep');
    expect(s.backend).toBe('wasm');
    expect(s.trials).toEqual({ planned: 18, succeeded: 16, failed: 1, missing: 1 });
    expect(s.best).toEqual({
      configId: b.configs[1].configId,
      label: 'l1 λ=10',
      regularization: 'l1',
      lambda: 10,
      dropoutRate: 0,
      l1Ratio: 1,
      meanValLoss: 0.42,
      stdErr: 0.05,
      vsNone: vsNone(-0.08, 0.02, 3, true),
    });
    expect(s.diagnostics).toEqual([]);
    expect(s.test).toEqual({ loss: 0.45, r2: 0.55, rows: 20 });
    expect(s.leaderboard).toHaveLength(5);
    expect(s.leaderboard[4]).toEqual({
      rank: 5,
      label: 'l2+dropout λ=1 p=0.3',
      regularization: 'l2+dropout',
      lambda: 1,
      dropoutRate: 0.3,
      meanValLoss: 0.9,
      stdErr: 0.05,
      meanTrainLoss: 0.8,
      meanGap: 0.1,
    });
    expect(s.report).toBe('out/report.html');
  });

  it('lists at most 10 configs, takes the backend from extras, reports accuracy for classification, null test without a refit', () => {
    const b = board({ task: 'classification', backend: undefined });
    const many = Array.from({ length: 14 }, (_, i) => configSummary(i + 1, L2(i + 1), 0.1 * (i + 1)));
    const s = sweepSummary({ ...b, configs: many, best: many[0] }, undefined, { backend: 'local' });
    expect(s.leaderboard.map((c) => c.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(s.backend).toBe('local');
    expect(s.test).toBeNull();
    expect('report' in s).toBe(false);
    const withBest = sweepSummary(b, { ...bestRecord(b), task: 'classification', test: { loss: 0.3, accuracy: 0.9 } }, {});
    expect(withBest.test).toEqual({ loss: 0.3, accuracy: 0.9, rows: 20 });
    expect(withBest.backend).toBe('tensorflow');
  });
});
