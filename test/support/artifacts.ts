/**
 * Hand-built sweep artifacts for unit tests, one builder each: a spec input, a regularization config, planned
 * trials, succeeded and failed trial records, a config summary and a best record. Values are fixed and plain so
 * a test can state its expected answer by hand; `over` arguments change only what a test is about.
 */
import { configId, configLabel, trialId, type RegConfig, type TrialItem } from '../../shared/search/grid';
import { REG_TYPES, type SweepSpecInput } from '../../shared/search/spec';
import type { BestRecord } from '../../shared/study/best';
import type { ConfigSummary, Leaderboard, SelectionRule, StudySettings } from '../../shared/study/leaderboard';
import type { FailedTrial, SucceededTrial } from '../../shared/study/records';

/** A spec input on examples/data/diabetes.csv with the given search (and any other top-level fields). */
export const specInput = (search: SweepSpecInput['search'], extra: Partial<SweepSpecInput> = {}): SweepSpecInput => ({
  dataset: { source: 'examples/data/diabetes.csv', target: 'progression', task: 'regression' },
  search,
  ...extra,
});

/** A config; l1Ratio defaults as the grid sets it: 1 for l1, 0.5 for elastic net, 0 otherwise. */
export const regConfig = (
  type: RegConfig['type'],
  lambda = 0,
  dropoutRate = 0,
  l1Ratio = type.startsWith('l1') ? 1 : type.startsWith('elasticnet') ? 0.5 : 0,
): RegConfig => ({ type, lambda, dropoutRate, l1Ratio });

/** What buildLeaderboard takes from a spec: this rule, the loss as the metric, an epoch cap of 200 (far from the records' 50 epochs), every type listed. */
export const study = (rule: SelectionRule, over: Partial<StudySettings> = {}): StudySettings => ({
  rule,
  metric: 'loss',
  epochs: 200,
  types: REG_TYPES,
  ...over,
});

/** The planned trials of one config: one item per fold (seed = fold), with valid trial ids. */
export const plannedTrials = (reg: RegConfig, folds: number): TrialItem[] =>
  Array.from({ length: folds }, (_, fold) => ({ trialId: trialId(reg, fold, fold), configId: configId(reg), fold, seed: fold, reg }));

const recordCommon = (item: TrialItem) => ({
  schemaVersion: 1 as const,
  sweepId: 'unit-sweep',
  trialId: item.trialId,
  configId: item.configId,
  fold: item.fold,
  seed: item.seed,
  reg: item.reg,
  startedAt: '2025-01-01T00:00:00.000Z',
  finishedAt: '2025-01-01T00:00:01.000Z',
  durationMs: 1000,
});

/** A succeeded record of a planned trial with the given validation loss (train loss 0.1 lower). */
export function succeededTrial(item: TrialItem, valLoss: number, over: Partial<SucceededTrial> = {}): SucceededTrial {
  return {
    ...recordCommon(item),
    status: 'succeeded',
    backend: 'cpu',
    task: 'regression',
    rows: { train: 80, validation: 20 },
    epochsRun: 50,
    bestEpoch: 40,
    train: { loss: valLoss - 0.1, r2: 0.6 },
    validation: { loss: valLoss, r2: 0.5 },
    gap: 0.1,
    objective: valLoss - 0.1,
    sparsity: 0,
    features: ['a', 'b', 'c'],
    selectedFeatures: ['a', 'b', 'c'],
    curves: { trainLoss: [1, valLoss - 0.1], valLoss: [1, valLoss] },
    ...over,
  };
}

/** A failed record of a planned trial. */
export function failedTrial(item: TrialItem, error = { name: 'Error', message: 'boom' }): FailedTrial {
  return { ...recordCommon(item), status: 'failed', error, attempts: 1 };
}

/** A leaderboard row: 3 of 3 folds, standard error 0.05, train loss 0.1 below the validation loss. */
export function configSummary(rank: number, reg: RegConfig, meanValLoss: number, extra: Partial<ConfigSummary> = {}): ConfigSummary {
  return {
    rank,
    configId: configId(reg),
    label: configLabel(reg),
    reg,
    folds: { succeeded: 3, planned: 3 },
    meanValLoss,
    stdErr: 0.05,
    meanTrainLoss: meanValLoss - 0.1,
    meanGap: 0.1,
    meanR2: 1 - meanValLoss,
    meanSparsity: 0,
    meanBestEpoch: 40,
    meanDurationMs: 900,
    selectedFeatures: ['a', 'b', 'c'],
    ...extra,
  };
}

/** The refit's record for a leaderboard's chosen config: 80 train rows, 20 test rows, 2 of 4 features selected. */
export function bestRecord(board: Leaderboard): BestRecord {
  return {
    schemaVersion: 1,
    sweepId: board.sweepId,
    task: board.task,
    target: 'y',
    rule: board.rule,
    config: board.best,
    label: board.best.label,
    epochs: 40,
    rows: { train: 80, test: 20 },
    test: { loss: 0.45, r2: 0.55 },
    train: { loss: 0.3, r2: 0.7 },
    standardizer: { features: ['a', 'b', 'c', 'd'], mean: [0, 0, 0, 0], std: [1, 1, 1, 1] },
    sparsity: 0.5,
    selectedFeatures: ['a', 'c'],
    model: {
      modelJson: `s3://b/sweeps/${board.sweepId}/best/model.json`,
      weights: `s3://b/sweeps/${board.sweepId}/best/weights.bin`,
      outputActivation: 'linear',
    },
    backend: 'tensorflow',
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}
