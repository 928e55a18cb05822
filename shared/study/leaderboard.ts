/**
 * The leaderboard: trial records grouped by config over folds, ranked by the mean of the selection metric on
 * the validation rows (the loss unless the spec names a classification score), with the selected config, each
 * config's paired difference from `none` (the unregularized baseline) fold by fold in that metric, and
 * diagnostics; failed and missing trials are counted and listed, never dropped. The zod schema is what the sweep
 * store validates leaderboard.json against on every read (fields added later are optional, so older
 * leaderboards still read).
 */
import { z } from 'zod';
import { describeDefaults, type ResolvedGrid } from '../search/default-grid';
import { DataSummarySchema } from '../data/summary';
import { configLabel, type RegConfig, type TrialItem } from '../search/grid';
import { SELECTION_METRICS, type RegType, type SelectionMetric, type SweepSpec } from '../search/spec';
import { diagnose, DiagnosticSchema } from './diagnostics';
import { FailedTrialSchema, jsonNumber, RegConfigSchema, type FailedTrial, type SucceededTrial, type TrialRecord } from './records';
import { compareSimplicity, hasStdErr, higherIsBetter, selectBest } from './selection';

export const SELECTION_RULES = ['min', 'one-standard-error'] as const;
export type SelectionRule = (typeof SELECTION_RULES)[number];

/** A paired difference beats `none` beyond noise when its mean is more than this many standard errors below 0. */
export const NOISE_STD_ERRS = 2;

/**
 * A config against `none` on the same folds (same rows, same seed): d = its validation value of the selection
 * metric (leaderboard.metric: the loss unless a score was chosen) - none's, per fold.
 */
export const PairedSchema = z.object({
  /** Mean of d over folds (negative: the config has the lower loss; positive: the higher score). */
  meanDiff: jsonNumber,
  /** Standard error of that mean (sample sd of d / sqrt(k); 0 for one fold). */
  stdErr: jsonNumber,
  /** meanDiff and stdErr as shares of none's mean (of the metric). */
  relDiff: jsonNumber,
  relStdErr: jsonNumber,
  /** Folds where the config is better than none: a lower loss, or a higher score. */
  foldsWon: z.number().int(),
  folds: z.number().int(),
  /** meanDiff more than NOISE_STD_ERRS * stdErr on the better side of 0 (below for the loss), over more than one fold. */
  beyondNoise: z.boolean(),
});
export type Paired = z.output<typeof PairedSchema>;

export const ConfigSummarySchema = z.object({
  rank: z.number().int(),
  configId: z.string(),
  label: z.string(),
  reg: RegConfigSchema,
  /** Folds with a succeeded record / folds planned. */
  folds: z.object({ succeeded: z.number().int(), planned: z.number().int() }),
  meanValLoss: jsonNumber,
  /** Standard error of the mean validation loss over folds (sample sd / sqrt(k); 0 for one fold). */
  stdErr: jsonNumber,
  meanTrainLoss: jsonNumber,
  /** Mean of (validation loss - train loss). */
  meanGap: jsonNumber,
  meanR2: jsonNumber.optional(),
  meanAccuracy: jsonNumber.optional(),
  /** Classification scores' means over folds (shared/training/metrics.ts); absent when a fold has none (ROC AUC with a class absent, older records). */
  meanBalancedAccuracy: jsonNumber.optional(),
  meanMacroF1: jsonNumber.optional(),
  meanRocAuc: jsonNumber.optional(),
  /** The selection metric's mean and standard error over folds when it is not the loss (then meanValLoss and stdErr). */
  score: z.object({ mean: jsonNumber, stdErr: jsonNumber }).optional(),
  meanSparsity: jsonNumber,
  /** Mean best epoch (epochs used by early stopping), what a refit trains for. */
  meanBestEpoch: jsonNumber,
  meanDurationMs: jsonNumber,
  /** Input features selected (nonzero first-layer weights) in every fold. */
  selectedFeatures: z.array(z.string()),
  /** The solver its trials recorded: an exact linear solver, or adam / sgd. */
  solver: z.string().optional(),
  /** Its paired difference from `none`; absent for `none` itself and when `none` has no result on every fold. */
  vsNone: PairedSchema.optional(),
});
export type ConfigSummary = z.output<typeof ConfigSummarySchema>;

const TrialErrorSchema = z.object({ trialId: z.string(), configId: z.string(), fold: z.number().int(), error: FailedTrialSchema.shape.error });

export const LeaderboardSchema = z.object({
  schemaVersion: z.literal(1),
  sweepId: z.string(),
  rule: z.enum(SELECTION_RULES),
  /** The metric that ranked and selected (absent in leaderboards from before it could be chosen: the loss). */
  metric: z.enum(SELECTION_METRICS).optional(),
  task: z.enum(['regression', 'classification']),
  trials: z.object({ planned: z.number().int(), succeeded: z.number().int(), failed: z.number().int(), missing: z.number().int() }),
  /** Configs with every fold succeeded, ranked by the metric's mean (rank 1 = the lowest loss, or the highest score). */
  configs: z.array(ConfigSummarySchema),
  /** Configs with a failed or missing fold: not ranked, listed so nothing is silently dropped. */
  incomplete: z.array(z.object({ configId: z.string(), label: z.string(), succeeded: z.number().int(), planned: z.number().int() })).default([]),
  best: ConfigSummarySchema,
  /** Ids of planned trials with no valid record. */
  missingTrialIds: z.array(z.string()).default([]),
  /** Missing trials whose execution failed without a record (a timeout, out of memory), with that error. */
  missingErrors: z.array(TrialErrorSchema).optional(),
  failedTrials: z.array(TrialErrorSchema).default([]),
  /** What the reader should know to read the answer (e.g. `none` added as the baseline, a single holdout). */
  notes: z.array(z.string()).optional(),
  /** Warnings that make the answer mean less than it seems, each with a stable code (shared/study/diagnostics.ts). */
  diagnostics: z.array(DiagnosticSchema).optional(),
  backend: z.string().optional(),
  /** What the sweep made of its dataset (rows, class names, column roles): PlanSweep's dataset.json. */
  data: DataSummarySchema.optional(),
  createdAt: z.string(),
});
export type Leaderboard = z.output<typeof LeaderboardSchema>;

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
}

export const studySettings = (spec: SweepSpec, grid?: ResolvedGrid): StudySettings => ({
  rule: spec.selection.rule,
  metric: spec.selection.metric,
  epochs: spec.training.epochs,
  types: spec.search.types,
  ...(grid ? { gridNotes: describeDefaults(grid) } : {}),
});

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
  const none = complete.find((c) => c.reg.type === 'none');
  const noneValue = none && new Map(groups.get(none.configId)!.ok.map((r) => [r.fold, foldValue(r, metric)]));
  const configs: ConfigSummary[] = complete.map((c, i) => {
    const vsNone = none && noneValue && c !== none ? paired(groups.get(c.configId)!.ok, noneValue, mean(none), metric) : undefined;
    return { rank: i + 1, ...c, ...(vsNone ? { vsNone } : {}) };
  });
  const best = selectBest(configs, settings.rule, metric);
  const nonePlanned = [...groups.values()].some((g) => g.reg.type === 'none');
  if (nonePlanned && !settings.types.includes('none')) notes.push('none (no regularization) was added as the baseline: the spec did not list it');
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
