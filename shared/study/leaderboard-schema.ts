/**
 * The leaderboard's schema (leaderboard.json): what the sweep store validates it against on every read (fields
 * added later are optional, so older leaderboards still read), apart from the builder (leaderboard.ts) that
 * reads every record to make one. Readers (the CLI, the report, the refit, the best record) need only this.
 */
import { z } from 'zod';
import { DataSummarySchema } from '../data/summary';
import { RegConfigSchema } from '../search/grid';
import { SEARCH_STRATEGIES, SELECTION_METRICS, SELECTION_RULES, TASKS } from '../vocabulary';
import { FailedTrialSchema, jsonNumber } from './records';

export const DiagnosticSchema = z.object({
  /** `early-stopping`, `epoch-cap`, `edge-of-grid` or `all-within-noise`. */
  code: z.string(),
  message: z.string(),
});
export type Diagnostic = z.output<typeof DiagnosticSchema>;

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
  task: z.enum(TASKS),
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
  /** The search strategy that proposed the trials (shared/search/strategy.ts) and the rungs it ran (absent in older leaderboards: a grid). */
  search: z.object({ strategy: z.enum(SEARCH_STRATEGIES), description: z.string(), rungs: z.number().int().min(1) }).optional(),
  /** Warnings that make the answer mean less than it seems, each with a stable code (shared/study/diagnostics.ts). */
  diagnostics: z.array(DiagnosticSchema).optional(),
  backend: z.string().optional(),
  /** What the sweep made of its dataset (rows, class names, column roles): PlanSweep's dataset.json. */
  data: DataSummarySchema.optional(),
  createdAt: z.string(),
});
export type Leaderboard = z.output<typeof LeaderboardSchema>;
