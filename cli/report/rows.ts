/**
 * The report's chart data: one row per leaderboard config, and the chosen config's per-epoch losses in long
 * form. Pure functions of the sweep's data; the chart specs (charts.ts) plot these rows.
 */
import { boardMetric, type ConfigSummary, type Leaderboard } from '../../shared/study/leaderboard';
import type { SucceededTrial } from '../../shared/study/records';
import { onLambdaPath, pathOf, samePath, type RegType } from '../../shared/regularizers';
import { hasStdErr } from '../../shared/study/selection';
import type { SweepData } from '../sweep-files';

/** The task's score of a config: mean accuracy for classification, mean R² for regression. */
export const summaryScore = (task: Leaderboard['task'], c: ConfigSummary) => (task === 'classification' ? c.meanAccuracy : c.meanR2);

/** One leaderboard config as a chart row. */
export interface ConfigRow {
  rank: number;
  configId: string;
  label: string;
  type: RegType;
  /** Configs that differ only in lambda: `l2`, `l2+dropout p=0.3`, `elasticnet l1Ratio=0.5`. */
  family: string;
  lambda: number;
  /** lambda nudged apart per family on the log axis, so coinciding points and error bars stay visible. */
  lambdaPlot: number;
  dropoutRate: number;
  mean: number;
  se: number;
  lo: number;
  hi: number;
  train: number;
  gap: number;
  score: number | null;
  sparsity: number;
  bestEpoch: number;
  durationMs: number;
  chosen: boolean;
  /** On the path of the rank-1 config (its type, dropout rate and l1Ratio): where the one-standard-error rule looks. */
  onBestPath: boolean;
}

/** The one-standard-error band: from the lowest mean validation loss up to that mean plus its standard error. */
export interface OneSeBand {
  label: string;
  lowest: number;
  se: number;
  bound: number;
}

/** A config's family: its path (shared/regularizers pathOf). */
const familyOf = (c: ConfigSummary): string => pathOf(c.reg).label;

/** Spread of the per-family nudge on the log lambda axis, in decades between neighbouring families. */
const DODGE_DECADES = 0.05;

export function configRows(board: Leaderboard): ConfigRow[] {
  const families = [...new Set(board.configs.filter((c) => onLambdaPath(c.reg)).map(familyOf))].sort();
  const dodge = (c: ConfigSummary) => {
    const i = families.indexOf(familyOf(c));
    return i < 0 ? c.reg.lambda : c.reg.lambda * 10 ** ((i - (families.length - 1) / 2) * DODGE_DECADES);
  };
  return board.configs.map((c) => ({
    rank: c.rank,
    configId: c.configId,
    label: c.label,
    type: c.reg.type,
    family: familyOf(c),
    lambda: c.reg.lambda,
    lambdaPlot: dodge(c),
    dropoutRate: c.reg.dropoutRate,
    mean: c.meanValLoss,
    se: c.stdErr,
    lo: c.meanValLoss - c.stdErr,
    hi: c.meanValLoss + c.stdErr,
    train: c.meanTrainLoss,
    gap: c.meanGap,
    score: summaryScore(board.task, c) ?? null,
    sparsity: c.meanSparsity,
    bestEpoch: c.meanBestEpoch,
    durationMs: c.meanDurationMs,
    chosen: c.configId === board.best.configId,
    onBestPath: samePath(c.reg, board.configs[0].reg),
  }));
}

/**
 * The lowest-mean config's one-standard-error band on the validation loss; undefined with a single holdout (no
 * standard error), and when a score selected (the band is in that score, not on the loss the chart plots).
 */
export function oneSeBand(board: Leaderboard): OneSeBand | undefined {
  const lowest = board.configs[0];
  if (!hasStdErr(lowest) || boardMetric(board) !== 'loss') return undefined;
  return { label: lowest.label, lowest: lowest.meanValLoss, se: lowest.stdErr, bound: lowest.meanValLoss + lowest.stdErr };
}

/** Per-epoch losses of the chosen config's folds, in long form. */
export function curveRows(data: SweepData): { fold: string; epoch: number; split: string; loss: number }[] {
  const chosen = data.leaderboard.best.configId;
  const rows: { fold: string; epoch: number; split: string; loss: number }[] = [];
  for (const t of [...data.trials].filter((r) => r.configId === chosen).sort((a, b) => a.fold - b.fold)) {
    const push = (split: string, xs: (number | null)[]) =>
      xs.forEach((loss, i) => {
        if (typeof loss === 'number' && Number.isFinite(loss)) rows.push({ fold: `fold ${t.fold}`, epoch: i + 1, split, loss });
      });
    push('train', t.curves.trainLoss);
    push('validation', t.curves.valLoss);
  }
  return rows;
}

/** Each of the chosen config's folds at its best epoch (what early stopping kept). */
export function bestEpochRows(data: SweepData): { fold: string; epoch: number; loss: number }[] {
  const chosen = data.leaderboard.best.configId;
  return data.trials
    .filter((t: SucceededTrial) => t.configId === chosen)
    .map((t) => ({ fold: `fold ${t.fold}`, epoch: t.bestEpoch, loss: t.curves.valLoss[t.bestEpoch - 1] ?? NaN }))
    .filter((r) => Number.isFinite(r.loss));
}
