/**
 * The leaderboard: trial records grouped by config over folds, ranked by the mean of the selection metric on
 * the validation rows (the loss unless the spec names a classification score), with the selected config, each
 * config's paired difference from `none` (the unregularized baseline) fold by fold in that metric, and
 * diagnostics; failed and missing trials are counted and listed, never dropped. Its schema (what the sweep store
 * validates leaderboard.json against) is leaderboard-schema.ts.
 */
import { describeDefaults, type ResolvedGrid } from '../search/default-grid';
import { configLabel, type RegConfig, type TrialItem } from '../search/grid';
import { BASELINE, type RegType } from '../regularizers';
import type { SweepSpec } from '../search/spec';
import { strategyOf } from '../search/strategy';
import type { SearchStrategyName, SelectionMetric, SelectionRule } from '../vocabulary';
import { diagnose } from './diagnostics';
import { NOISE_STD_ERRS, type ConfigSummary, type Leaderboard, type Paired } from './leaderboard-schema';
import { type FailedTrial, type SucceededTrial, type TrialRecord } from './records';
import { compareSimplicity, hasStdErr, higherIsBetter, selectBest } from './selection';

export { ConfigSummarySchema, LeaderboardSchema, NOISE_STD_ERRS, PairedSchema, type ConfigSummary, type Leaderboard, type Paired } from './leaderboard-schema';
export { SELECTION_RULES, type SelectionRule } from '../vocabulary';

/** No config has all its folds: nothing can be selected. */
export class NoResultsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoResultsError';
  }
}

/** What the leaderboard needs from the spec. */
export interface StudySettings {
  readonly rule: SelectionRule;
  /** selection.metric: what ranks the configs. */
  readonly metric: SelectionMetric;
  /** training.epochs: the cap an SGD trial can reach. */
  readonly epochs: number;
  /** search.types as the spec lists them: when `none` is not there, the grid added it. */
  readonly types: readonly RegType[];
  /** The defaults the resolved grid used (default-grid.ts describeDefaults): the leaderboard's first notes. */
  readonly gridNotes?: readonly string[];
  /** The search strategy that proposed the trials (search/strategy.ts) and its one-sentence description. */
  readonly search?: { readonly strategy: SearchStrategyName; readonly description: string };
}

export const studySettings = (spec: SweepSpec, grid?: ResolvedGrid): StudySettings => {
  const strategy = strategyOf(spec);
  return {
    rule: spec.selection.rule,
    metric: spec.selection.metric,
    epochs: spec.training.epochs,
    types: spec.search.types,
    ...(grid ? { gridNotes: describeDefaults(grid), search: { strategy: strategy.name, description: strategy.describe({ spec, grid }) } } : {}),
  };
};

/** The metric a leaderboard ranked by (the loss for leaderboards from before it could be chosen). */
export const boardMetric = (board: Pick<Leaderboard, 'metric'>): SelectionMetric => board.metric ?? 'loss';

/** A record's validation value of the metric (NaN when it has none). */
const foldValue = (r: SucceededTrial, metric: SelectionMetric): number => r.validation?.[metric] ?? NaN;

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
/** Means over the records of optional validation scores, by the summary field that holds each; a score missing on a fold has no mean. */
function optionalMeans<F extends string>(
  ok: readonly SucceededTrial[],
  fields: Record<F, 'balancedAccuracy' | 'macroF1' | 'rocAuc'>,
): Partial<Record<F, number>> {
  const out: Partial<Record<F, number>> = {};
  for (const [field, key] of Object.entries(fields) as [F, 'balancedAccuracy' | 'macroF1' | 'rocAuc'][]) {
    const m = optionalAvg(ok.map((r) => r.validation?.[key]));
    if (m !== undefined) out[field] = m;
  }
  return out;
}

/**
 * Build the leaderboard from the planned items and the records found (records not in the plan are
 * ignored; a planned item without a valid record counts as missing).
 */
export function buildLeaderboard(
  sweepId: string,
  items: readonly TrialItem[],
  records: readonly TrialRecord[],
  settings: StudySettings,
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
    } else if (r.status === 'failed') failedTrials.push({ trialId: r.trialId, configId: item.configId, fold: item.fold, error: r.error });
    else if (r.validation === null || r.validation.loss === null) {
      failedTrials.push({
        trialId: r.trialId,
        configId: item.configId,
        fold: item.fold,
        error: { name: 'NoValidationLoss', message: 'the record has no finite validation loss' },
      });
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
      ...optionalMeans(g.ok, { meanBalancedAccuracy: 'balancedAccuracy', meanMacroF1: 'macroF1', meanRocAuc: 'rocAuc' }),
      meanSparsity: avg(g.ok.map((r) => r.sparsity)),
      meanBestEpoch: avg(g.ok.map((r) => r.bestEpoch)),
      meanDurationMs: avg(g.ok.map((r) => r.durationMs)),
      selectedFeatures: g.ok[0].features.filter((f) => selectedSets.every((s) => s.has(f))),
      ...(g.ok[0].solver !== undefined ? { solver: g.ok[0].solver } : {}),
    });
  }
  if (complete.length === 0) {
    throw new NoResultsError(
      `sweep ${sweepId}: no config has a result on every fold (${items.length} trials planned, ${failedTrials.length} failed, ${missingTrialIds.length} missing)` +
        (failedTrials[0] ? `; first error: ${failedTrials[0].error.name}: ${failedTrials[0].error.message}` : ''),
    );
  }
  // A score undefined on a fold (ROC AUC when a class has no validation rows there) cannot rank: the loss does.
  const notes: string[] = [...(settings.gridNotes ?? [])];
  const valuesOf = (c: { configId: string }, m: SelectionMetric) => groups.get(c.configId)!.ok.map((r) => foldValue(r, m));
  let metric = settings.metric;
  if (metric !== 'loss' && complete.some((c) => !valuesOf(c, metric).every(Number.isFinite))) {
    notes.push(
      `selection.metric ${metric} has no value on some folds (for rocAuc: a class has no row among a fold's validation rows), so the configs are ranked by validation loss instead`,
    );
    metric = 'loss';
  }
  if (metric !== 'loss') for (const c of complete) c.score = { mean: avg(valuesOf(c, metric)), stdErr: stdErr(valuesOf(c, metric)) };
  const mean = (c: Omit<ConfigSummary, 'rank'>) => (metric === 'loss' ? c.meanValLoss : c.score!.mean);
  const sign = higherIsBetter(metric) ? -1 : 1;
  complete.sort((a, b) => sign * (mean(a) - mean(b)) || compareSimplicity(a.reg, b.reg));
  const none = complete.find((c) => c.reg.type === BASELINE);
  const noneValue = none && new Map(groups.get(none.configId)!.ok.map((r) => [r.fold, foldValue(r, metric)]));
  const configs: ConfigSummary[] = complete.map((c, i) => {
    const vsNone = none && noneValue && c !== none ? paired(groups.get(c.configId)!.ok, noneValue, mean(none), metric) : undefined;
    return { rank: i + 1, ...c, ...(vsNone ? { vsNone } : {}) };
  });
  const best = selectBest(configs, settings.rule, metric);
  const nonePlanned = [...groups.values()].some((g) => g.reg.type === BASELINE);
  if (nonePlanned && !settings.types.includes(BASELINE)) notes.push('none (no regularization) was added as the baseline: the spec did not list it');
  if (!none) notes.push('no paired comparison with no regularization: none has no result on every fold');
  if (!hasStdErr(configs[0])) {
    const rule = settings.rule === 'one-standard-error' ? 'the rule one-standard-error is min, and ' : '';
    notes.push(`a single holdout has no standard error: ${rule}no difference from none can be called beyond noise`);
  }
  const diagnostics = diagnose({
    ranked: configs,
    chosen: best,
    planned: [...groups.values()].map((g) => g.reg),
    trials: [...groups.values()].flatMap((g) => g.ok),
    epochs: settings.epochs,
    metric,
  });
  return {
    schemaVersion: 1,
    sweepId,
    rule: settings.rule,
    metric,
    task: task!,
    trials: {
      planned: items.length,
      succeeded: items.length - failedTrials.length - missingTrialIds.length,
      failed: failedTrials.length,
      missing: missingTrialIds.length,
    },
    configs,
    incomplete,
    best,
    missingTrialIds,
    missingErrors,
    failedTrials,
    notes,
    diagnostics,
    ...(settings.search ? { search: { ...settings.search, rungs: 1 } } : {}),
    ...(backend ? { backend } : {}),
    createdAt: new Date().toISOString(),
  };
}

/** A config's records against none's validation value of the metric on the same fold. */
function paired(ok: readonly SucceededTrial[], noneValue: ReadonlyMap<number, number>, noneMean: number, metric: SelectionMetric): Paired {
  const d = ok.map((r) => foldValue(r, metric) - noneValue.get(r.fold)!);
  const meanDiff = avg(d);
  const se = stdErr(d);
  // Better is below 0 for the loss, above 0 for a score: `better` is d on the side where larger is better.
  const better = higherIsBetter(metric) ? 1 : -1;
  return {
    meanDiff,
    stdErr: se,
    relDiff: meanDiff / noneMean,
    relStdErr: se / noneMean,
    foldsWon: d.filter((x) => better * x > 0).length,
    folds: d.length,
    beyondNoise: d.length > 1 && better * meanDiff > NOISE_STD_ERRS * se,
  };
}
