/**
 * The leaderboard: trial records grouped by config over folds, ranked by mean validation loss, with the
 * selected config, each config's paired difference from `none` (the unregularized baseline) fold by fold, and
 * diagnostics; failed and missing trials are counted and listed, never dropped. The zod schema is what the sweep
 * store validates leaderboard.json against on every read (fields added later are optional, so older
 * leaderboards still read).
 */
import { z } from 'zod';
import { describeDefaults, type ResolvedGrid } from '../search/default-grid';
import { configLabel, type RegConfig, type TrialItem } from '../search/grid';
import type { RegType, SweepSpec } from '../search/spec';
import { diagnose, DiagnosticSchema } from './diagnostics';
import { FailedTrialSchema, jsonNumber, RegConfigSchema, type FailedTrial, type SucceededTrial, type TrialRecord } from './records';
import { compareSimplicity, hasStdErr, selectBest } from './selection';

export const SELECTION_RULES = ['min', 'one-standard-error'] as const;
export type SelectionRule = (typeof SELECTION_RULES)[number];

/** A paired difference beats `none` beyond noise when its mean is more than this many standard errors below 0. */
export const NOISE_STD_ERRS = 2;

/**
 * A config against `none` on the same folds (same rows, same seed): d = its validation loss - none's, per fold.
 */
export const PairedSchema = z.object({
  /** Mean of d over folds (negative: the config has the lower loss). */
  meanDiff: jsonNumber,
  /** Standard error of that mean (sample sd of d / sqrt(k); 0 for one fold). */
  stdErr: jsonNumber,
  /** meanDiff and stdErr as shares of none's mean validation loss. */
  relDiff: jsonNumber,
  relStdErr: jsonNumber,
  /** Folds where the config's loss is below none's. */
  foldsWon: z.number().int(),
  folds: z.number().int(),
  /** meanDiff < -NOISE_STD_ERRS * stdErr over more than one fold. */
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
  task: z.enum(['regression', 'classification']),
  trials: z.object({ planned: z.number().int(), succeeded: z.number().int(), failed: z.number().int(), missing: z.number().int() }),
  /** Configs with every fold succeeded, ranked by mean validation loss (rank 1 = lowest). */
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
  /** training.epochs: the cap an SGD trial can reach. */
  readonly epochs: number;
  /** search.types as the spec lists them: when `none` is not there, the grid added it. */
  readonly types: readonly RegType[];
  /** The defaults the resolved grid used (default-grid.ts describeDefaults): the leaderboard's first notes. */
  readonly gridNotes?: readonly string[];
}

export const studySettings = (spec: SweepSpec, grid?: ResolvedGrid): StudySettings => ({
  rule: spec.selection.rule,
  epochs: spec.training.epochs,
  types: spec.search.types,
  ...(grid ? { gridNotes: describeDefaults(grid) } : {}),
});

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
  complete.sort((a, b) => a.meanValLoss - b.meanValLoss || compareSimplicity(a.reg, b.reg));
  const none = complete.find((c) => c.reg.type === 'none');
  const noneLoss = none && new Map(groups.get(none.configId)!.ok.map((r) => [r.fold, r.validation!.loss as number]));
  const configs: ConfigSummary[] = complete.map((c, i) => {
    const vsNone = none && noneLoss && c !== none ? paired(groups.get(c.configId)!.ok, noneLoss, none.meanValLoss) : undefined;
    return { rank: i + 1, ...c, ...(vsNone ? { vsNone } : {}) };
  });
  const best = selectBest(configs, settings.rule);
  const notes: string[] = [...(settings.gridNotes ?? [])];
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
  });
  return {
    schemaVersion: 1,
    sweepId,
    rule: settings.rule,
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

/** A config's records against none's validation loss on the same fold. */
function paired(ok: readonly SucceededTrial[], noneLoss: ReadonlyMap<number, number>, noneMean: number): Paired {
  const d = ok.map((r) => (r.validation!.loss as number) - noneLoss.get(r.fold)!);
  const meanDiff = avg(d);
  const se = stdErr(d);
  return {
    meanDiff,
    stdErr: se,
    relDiff: meanDiff / noneMean,
    relStdErr: se / noneMean,
    foldsWon: d.filter((x) => x < 0).length,
    folds: d.length,
    beyondNoise: d.length > 1 && meanDiff < -NOISE_STD_ERRS * se,
  };
}
