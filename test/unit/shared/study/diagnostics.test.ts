import type { RegConfig } from '../../../../shared/search/grid';
import { buildLeaderboard } from '../../../../shared/study/leaderboard';
import type { SucceededTrial, TrialRecord } from '../../../../shared/study/records';
import { plannedTrials, regConfig, study, succeededTrial } from '../../../support/artifacts';

const NONE = regConfig('none');
const codes = (board: { diagnostics?: { code: string }[] }) => (board.diagnostics ?? []).map((d) => d.code);

/** A sweep of these configs on three folds, with these validation losses and these record fields for every trial. */
function sweepOf(losses: [RegConfig, number[]][], over: Partial<SucceededTrial> = {}) {
  const items = losses.flatMap(([reg]) => plannedTrials(reg, 3));
  const records: TrialRecord[] = losses.flatMap(([reg, l]) => plannedTrials(reg, 3).map((item, fold) => succeededTrial(item, l[fold], over)));
  return { items, records };
}

/** Configs far apart (none 3, λ=1 at 1, λ=100 at 2): no diagnostic from the losses alone; λ=1 is inside the grid. */
const SPREAD: [RegConfig, number[]][] = [
  [NONE, [3, 3.25, 3.5]],
  [regConfig('l2', 0.01), [2.5, 2.75, 3]],
  [regConfig('l2', 1), [1, 1.25, 1.5]],
  [regConfig('l2', 100), [2, 2.25, 2.5]],
];

describe('diagnostics', () => {
  it('none for a healthy sweep: trials stop mid-training, the choice is inside the grid and configs differ', () => {
    const { items, records } = sweepOf(SPREAD, { epochsRun: 120, bestEpoch: 100 });
    const board = buildLeaderboard('unit-sweep', items, records, study('min', { epochs: 200 }));
    expect(board.best.reg).toEqual(regConfig('l2', 1));
    expect(board.diagnostics).toEqual([]);
  });

  it('early-stopping: most SGD trials have their best epoch in the first 10% of epochs', () => {
    // best epoch 20 of a cap of 200 is the first 10%
    const { items, records } = sweepOf(SPREAD, { epochsRun: 40, bestEpoch: 20, solver: 'adam' });
    const board = buildLeaderboard('unit-sweep', items, records, study('min', { epochs: 200 }));
    expect(board.diagnostics).toEqual([
      {
        code: 'early-stopping',
        message:
          '12 of 12 SGD trials had their best epoch in the first 10% of training.epochs (200): early stopping, not the penalty, is doing the regularizing; ' +
          'to compare penalties, lower training.learningRate or set training.patience to 0',
      },
    ]);
    // one epoch later is past 10%
    const later = sweepOf(SPREAD, { epochsRun: 40, bestEpoch: 21, solver: 'adam' });
    expect(codes(buildLeaderboard('unit-sweep', later.items, later.records, study('min', { epochs: 200 })))).toEqual([]);
  });

  it('the epoch diagnostics ignore trials of an exact linear solver (one "epoch" each)', () => {
    const { items, records } = sweepOf(SPREAD, { epochsRun: 1, bestEpoch: 1, solver: 'closed-form', curves: { trainLoss: [1], valLoss: [1] } });
    const board = buildLeaderboard('unit-sweep', items, records, study('min', { epochs: 1 }));
    expect(codes(board)).toEqual([]);
  });

  it('epoch-cap: trials that ran every epoch with their lowest validation loss in the last 10% were still improving', () => {
    // Prepare: every λ=100 trial runs all 20 epochs, its validation loss falling to the end; the others stop at 10
    const { items, records } = sweepOf(SPREAD, { epochsRun: 10, bestEpoch: 5, solver: 'sgd' });
    const falling = {
      epochsRun: 20,
      bestEpoch: 20,
      curves: { trainLoss: Array.from({ length: 20 }, () => 1), valLoss: Array.from({ length: 20 }, (_, i) => 20 - i) },
    };
    const capped = records.map((r) => (r.reg.lambda === 100 ? { ...r, ...falling } : r));
    // Act
    const board = buildLeaderboard('unit-sweep', items, capped, study('min', { epochs: 20 }));
    // Assess
    expect(board.diagnostics).toEqual([
      {
        code: 'epoch-cap',
        message:
          '3 of 12 SGD trials were still improving at the epoch cap (training.epochs = 20): under-trained; raise training.epochs or training.learningRate',
      },
    ]);
  });

  it('epoch-cap: a trial at the cap whose validation loss bottomed out early (patience 0) is not under-trained', () => {
    const { items, records } = sweepOf(SPREAD, {
      epochsRun: 20,
      bestEpoch: 20,
      curves: { trainLoss: Array.from({ length: 20 }, () => 1), valLoss: Array.from({ length: 20 }, (_, i) => Math.abs(i - 8)) },
    });
    expect(codes(buildLeaderboard('unit-sweep', items, records, study('min', { epochs: 20 })))).toEqual([]);
  });

  it.each<[string, number, string]>([
    ['the largest lambda', 100, 'the chosen l2 λ=100 has the largest λ on its path: the best may lie beyond the grid; extend search.lambda above 100'],
    ['the smallest lambda', 0.01, 'the chosen l2 λ=0.01 has the smallest λ on its path: the best may lie beyond the grid; extend search.lambda below 0.01'],
  ])('edge-of-grid: the chosen config has %s on its path', (_name, lambda, message) => {
    // Prepare: make the config at that lambda the lowest
    const losses = SPREAD.map(([reg, l]): [RegConfig, number[]] => [reg, reg.lambda === lambda ? l.map((x) => x - 2) : l]);
    const { items, records } = sweepOf(losses);
    // Act
    const board = buildLeaderboard('unit-sweep', items, records, study('min'));
    // Assess
    expect(board.best.reg.lambda).toBe(lambda);
    expect(board.diagnostics).toEqual([{ code: 'edge-of-grid', message }]);
  });

  it('edge-of-grid: judged on the chosen path only (another type with larger lambdas does not count) and for dropout rates', () => {
    const { items, records } = sweepOf([
      [NONE, [3, 3, 3]],
      [regConfig('l1', 1000), [2.5, 2.5, 2.5]],
      [regConfig('dropout', 0, 0.1), [2, 2.25, 2.5]],
      [regConfig('dropout', 0, 0.5), [1, 1.25, 1.5]],
    ]);
    const board = buildLeaderboard('unit-sweep', items, records, study('min'));
    expect(board.diagnostics).toEqual([
      {
        code: 'edge-of-grid',
        message: 'the chosen dropout p=0.5 has the largest p on its path: the best may lie beyond the grid; extend search.dropout above 0.5',
      },
    ]);
  });

  it('all-within-noise: every config is within one standard error of the lowest', () => {
    // lowest: λ=1 at 1, 2, 3 (mean 2, se 0.577): none at 2.5 and λ=100 at 2.25 are within 2.577
    const { items, records } = sweepOf([
      [NONE, [2.5, 2.5, 2.5]],
      [regConfig('l2', 0.01), [2.5, 2.5, 2.5]],
      [regConfig('l2', 1), [1, 2, 3]],
      [regConfig('l2', 100), [2.25, 2.25, 2.25]],
    ]);
    const board = buildLeaderboard('unit-sweep', items, records, study('min'));
    expect(board.diagnostics).toEqual([
      { code: 'all-within-noise', message: 'all 4 configs are within one standard error of the lowest (l2 λ=1): on this data they cannot be told apart' },
    ]);
  });
});
