/**
 * The study: group trial records by config over folds, rank by mean validation loss, and choose the config
 * that generalizes best, by `min` (lowest mean) or `one-standard-error` (the most regularized config whose mean
 * is within one standard error of the best; more regularized = larger lambda, then larger dropout). Ties break
 * toward the simpler config. Selection never sees the test split.
 */
import { configLabel, type RegConfig, type TrialItem } from './grid';
import type { FailedTrial, SucceededTrial, TrialRecord } from './records';
import { REG_TYPES } from './spec';

export type SelectionRule = 'min' | 'one-standard-error';

export interface ConfigSummary {
  readonly rank: number;
  readonly configId: string;
  readonly label: string;
  readonly reg: RegConfig;
  /** Folds with a succeeded record / folds planned. */
  readonly folds: { readonly succeeded: number; readonly planned: number };
  readonly meanValLoss: number;
  /** Standard error of the mean validation loss over folds (sample sd / sqrt(k); 0 for one fold). */
  readonly stdErr: number;
  readonly meanTrainLoss: number;
  /** Mean of (validation loss - train loss). */
  readonly meanGap: number;
  readonly meanR2?: number;
  readonly meanAccuracy?: number;
  readonly meanSparsity: number;
  /** Mean best epoch (epochs used by early stopping), what a refit trains for. */
  readonly meanBestEpoch: number;
  readonly meanDurationMs: number;
  /** Input features selected (nonzero first-layer weights) in every fold. */
  readonly selectedFeatures: string[];
}

export interface Leaderboard {
  readonly schemaVersion: 1;
  readonly sweepId: string;
  readonly rule: SelectionRule;
  readonly task: 'regression' | 'classification';
  readonly trials: { readonly planned: number; readonly succeeded: number; readonly failed: number; readonly missing: number };
  /** Configs with every fold succeeded, ranked by mean validation loss (rank 1 = lowest). */
  readonly configs: ConfigSummary[];
  /** Configs with a failed or missing fold: not ranked, listed so nothing is silently dropped. */
  readonly incomplete: { configId: string; label: string; succeeded: number; planned: number }[];
  readonly best: ConfigSummary;
  /** Ids of planned trials with no valid record. */
  readonly missingTrialIds: string[];
  /** Missing trials whose execution failed without a record (a timeout, out of memory), with that error. */
  readonly missingErrors?: { trialId: string; configId: string; fold: number; error: FailedTrial['error'] }[];
  readonly failedTrials: { trialId: string; configId: string; fold: number; error: FailedTrial['error'] }[];
  readonly backend?: string;
  readonly createdAt: string;
}

/** No config has all its folds: nothing can be selected. */
export class NoResultsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoResultsError';
  }
}

const typeOrder = (t: RegConfig['type']) => REG_TYPES.indexOf(t);
/** Number of hyperparameters a config's type adds: simpler configs win ties. */
const complexity = (r: RegConfig) => (r.type === 'none' ? 0 : r.type.split('+').length + (r.type.startsWith('elasticnet') ? 1 : 0));

/** Simpler first: fewer hyperparameters, then type order, then smaller lambda and dropout. */
export function compareSimplicity(a: RegConfig, b: RegConfig): number {
  return complexity(a) - complexity(b) || typeOrder(a.type) - typeOrder(b.type) || a.lambda - b.lambda || a.dropoutRate - b.dropoutRate || a.l1Ratio - b.l1Ratio;
}

/** More regularized first: larger lambda, then larger dropout. */
export function compareRegularization(a: RegConfig, b: RegConfig): number {
  return b.lambda - a.lambda || b.dropoutRate - a.dropoutRate;
}

const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
function stdErr(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = avg(xs);
  const variance = xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
  return Math.sqrt(variance / xs.length);
}
const optionalAvg = (xs: (number | null | undefined)[]) => {
  const v = xs.filter((x): x is number => typeof x === 'number');
  return v.length === xs.length && v.length > 0 ? avg(v) : undefined;
};

/**
 * Build the leaderboard from the planned items and the records found (records not in the plan are
 * ignored; a planned item without a valid record counts as missing).
 */
export function buildLeaderboard(
  sweepId: string,
  items: readonly TrialItem[],
  records: readonly TrialRecord[],
  rule: SelectionRule,
  runErrors: ReadonlyMap<string, FailedTrial['error']> = new Map(),
): Leaderboard {
  const byTrial = new Map(records.map((r) => [r.trialId, r]));
  const groups = new Map<string, { reg: RegConfig; planned: number; ok: SucceededTrial[] }>();
  const failedTrials: Leaderboard['failedTrials'] = [];
  const missingTrialIds: string[] = [];
  const missingErrors: NonNullable<Leaderboard['missingErrors']> = [];
  let task: Leaderboard['task'] | undefined;
  let backend: string | undefined;
  for (const item of items) {
    const g = groups.get(item.configId) ?? { reg: item.reg, planned: 0, ok: [] };
    groups.set(item.configId, g);
    g.planned++;
    const r = byTrial.get(item.trialId);
    if (!r) {
      missingTrialIds.push(item.trialId);
      const error = runErrors.get(item.trialId);
      if (error) missingErrors.push({ trialId: item.trialId, configId: item.configId, fold: item.fold, error });
    }
    else if (r.status === 'failed') failedTrials.push({ trialId: r.trialId, configId: item.configId, fold: item.fold, error: r.error });
    else if (r.validation === null || r.validation.loss === null) {
      failedTrials.push({ trialId: r.trialId, configId: item.configId, fold: item.fold, error: { name: 'NoValidationLoss', message: 'the record has no finite validation loss' } });
    } else {
      g.ok.push(r);
      task ??= r.task;
      backend ??= r.backend;
    }
  }
  const complete: Omit<ConfigSummary, 'rank'>[] = [];
  const incomplete: Leaderboard['incomplete'] = [];
  for (const [configId, g] of groups) {
    if (g.ok.length < g.planned) {
      incomplete.push({ configId, label: configLabel(g.reg), succeeded: g.ok.length, planned: g.planned });
      continue;
    }
    const val = g.ok.map((r) => r.validation!.loss as number);
    const trainLoss = g.ok.map((r) => r.train.loss ?? NaN);
    const selectedSets = g.ok.map((r) => new Set(r.selectedFeatures));
    complete.push({
      configId,
      label: configLabel(g.reg),
      reg: g.reg,
      folds: { succeeded: g.ok.length, planned: g.planned },
      meanValLoss: avg(val),
      stdErr: stdErr(val),
      meanTrainLoss: avg(trainLoss),
      meanGap: avg(g.ok.map((r, i) => val[i] - trainLoss[i])),
      ...(optionalAvg(g.ok.map((r) => r.validation?.r2)) !== undefined ? { meanR2: optionalAvg(g.ok.map((r) => r.validation?.r2)) } : {}),
      ...(optionalAvg(g.ok.map((r) => r.validation?.accuracy)) !== undefined ? { meanAccuracy: optionalAvg(g.ok.map((r) => r.validation?.accuracy)) } : {}),
      meanSparsity: avg(g.ok.map((r) => r.sparsity)),
      meanBestEpoch: avg(g.ok.map((r) => r.bestEpoch)),
      meanDurationMs: avg(g.ok.map((r) => r.durationMs)),
      selectedFeatures: g.ok[0].features.filter((f) => selectedSets.every((s) => s.has(f))),
    });
  }
  if (complete.length === 0) {
    throw new NoResultsError(
      `sweep ${sweepId}: no config has a result on every fold (${items.length} trials planned, ${failedTrials.length} failed, ${missingTrialIds.length} missing)` +
        (failedTrials[0] ? `; first error: ${failedTrials[0].error.name}: ${failedTrials[0].error.message}` : ''),
    );
  }
  complete.sort((a, b) => a.meanValLoss - b.meanValLoss || compareSimplicity(a.reg, b.reg));
  const configs = complete.map((c, i) => ({ rank: i + 1, ...c }));
  return {
    schemaVersion: 1,
    sweepId,
    rule,
    task: task!,
    trials: {
      planned: items.length,
      succeeded: items.length - failedTrials.length - missingTrialIds.length,
      failed: failedTrials.length,
      missing: missingTrialIds.length,
    },
    configs,
    incomplete,
    best: selectBest(configs, rule),
    missingTrialIds,
    missingErrors,
    failedTrials,
    ...(backend ? { backend } : {}),
    createdAt: new Date().toISOString(),
  };
}

/** Apply the selection rule to configs ranked by mean validation loss. */
export function selectBest(ranked: readonly ConfigSummary[], rule: SelectionRule): ConfigSummary {
  const best = ranked[0];
  if (rule === 'min') return best;
  const bound = best.meanValLoss + best.stdErr;
  const within = ranked.filter((c) => c.meanValLoss <= bound);
  return [...within].sort((a, b) => compareRegularization(a.reg, b.reg) || compareSimplicity(a.reg, b.reg))[0];
}
