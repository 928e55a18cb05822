/**
 * The best record (best.json): what RefitBest writes about the chosen config refit on all non-test rows and
 * tested once. (The spec's schema is `search/spec.ts`, the manifest item's `search/grid.ts`, the trial record's
 * `study/records.ts`, the leaderboard's `study/leaderboard-schema.ts`.) The sweep store validates each read.
 */
import { z } from 'zod';
import { PreprocessorSchema } from '../data/preprocess';
import { ConfigSummarySchema, SELECTION_RULES } from '../study/leaderboard';
import { jsonNumber } from './records';
import { userKeyedRecord } from '../util/user-keys';

/** Loss and scores as the refit stores them; an undefined score (ROC AUC with a class absent) is null, read as NaN. */
const StoredMetricsSchema = z.object({
  loss: jsonNumber,
  r2: jsonNumber.optional(),
  accuracy: jsonNumber.optional(),
  balancedAccuracy: jsonNumber.optional(),
  macroF1: jsonNumber.optional(),
  rocAuc: jsonNumber.optional(),
});
export type StoredMetrics = z.output<typeof StoredMetricsSchema>;
const SCORE_KEYS = ['r2', 'accuracy', 'balancedAccuracy', 'macroF1', 'rocAuc'] as const;

/** Metrics (a fit's, or a record's) as best.json stores them: the loss and the scores present, NaN for null. */
export function storedMetrics(m: { readonly loss: number | null } & { readonly [K in (typeof SCORE_KEYS)[number]]?: number | null }): StoredMetrics {
  const out: StoredMetrics = { loss: m.loss ?? NaN };
  for (const k of SCORE_KEYS) if (m[k] !== undefined) out[k] = m[k] ?? NaN;
  return out;
}

/** best.json: what RefitBest writes. */
export const BestRecordSchema = z.object({
  schemaVersion: z.literal(1),
  sweepId: z.string(),
  task: z.enum(['regression', 'classification']),
  target: z.string(),
  classes: z.number().int().optional(),
  /** Classification: the label of each class, in the model's output order. */
  classNames: z.array(z.string()).optional(),
  rule: z.enum(SELECTION_RULES),
  config: ConfigSummarySchema,
  label: z.string(),
  /** Epochs the refit trained: the chosen config's mean best epoch over folds. */
  epochs: z.number().int(),
  rows: z.object({ train: z.number().int(), test: z.number().int() }),
  /** Test-split metrics: computed once, after selection. */
  test: StoredMetricsSchema,
  train: StoredMetricsSchema,
  /** The design's columns and their standardization, (x - mean) / std (also inside `preprocessing`). */
  standardizer: z.object({ features: z.array(z.string()), mean: z.array(z.number()), std: z.array(z.number()) }),
  /**
   * The whole preprocessing, fitted on the refit's training rows: column roles, categories, imputation values,
   * missing markers, the standardizer. data/preprocess.ts applyPreprocessor applies it to raw rows.
   * Absent in best.json files written before it existed.
   */
  preprocessing: PreprocessorSchema.optional(),
  coefficients: userKeyedRecord(z.number(), 'feature -> coefficient').optional(),
  intercept: z.number().optional(),
  sparsity: z.number(),
  selectedFeatures: z.array(z.string()),
  model: z.object({ modelJson: z.string(), weights: z.string(), outputActivation: z.enum(['linear', 'sigmoid', 'softmax']) }),
  backend: z.string(),
  createdAt: z.string(),
});
export type BestRecord = z.output<typeof BestRecordSchema>;
