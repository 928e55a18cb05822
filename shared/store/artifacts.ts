/**
 * The zod schema of every object a sweep stores that is not defined by its own domain module: the manifest
 * item and the refit's best record. (The spec is `search/spec.ts`, the trial record `study/records.ts`, the
 * leaderboard `study/leaderboard.ts`.) The sweep store (`sweep-store.ts`) validates each read against these.
 */
import { z } from 'zod';
import { ConfigSummarySchema, SELECTION_RULES } from '../study/leaderboard';
import { jsonNumber, RegConfigSchema } from '../study/records';

/**
 * One trial: an item of manifest.json, which the Distributed Map hands to the trial function in a batch whose
 * BatchInput carries the sweepId (manifests of older sweeps also held it in every item: it is ignored).
 */
export const ManifestItemSchema = z.object({
  trialId: z.string(),
  configId: z.string(),
  fold: z.number().int().min(0),
  seed: z.number().int(),
  reg: RegConfigSchema,
});
export type ManifestItem = z.infer<typeof ManifestItemSchema>;

const StoredMetricsSchema = z.object({ loss: jsonNumber, r2: jsonNumber.optional(), accuracy: jsonNumber.optional() });

/** best.json: what RefitBest writes. */
export const BestRecordSchema = z.object({
  schemaVersion: z.literal(1),
  sweepId: z.string(),
  task: z.enum(['regression', 'classification']),
  target: z.string(),
  classes: z.number().int().optional(),
  rule: z.enum(SELECTION_RULES),
  config: ConfigSummarySchema,
  label: z.string(),
  /** Epochs the refit trained: the chosen config's mean best epoch over folds. */
  epochs: z.number().int(),
  rows: z.object({ train: z.number().int(), test: z.number().int() }),
  /** Test-split metrics: computed once, after selection. */
  test: StoredMetricsSchema,
  train: StoredMetricsSchema,
  /** Apply to raw features before predicting: (x - mean) / std, in this feature order. */
  standardizer: z.object({ features: z.array(z.string()), mean: z.array(z.number()), std: z.array(z.number()) }),
  coefficients: z.record(z.string(), z.number()).optional(),
  intercept: z.number().optional(),
  sparsity: z.number(),
  selectedFeatures: z.array(z.string()),
  model: z.object({ modelJson: z.string(), weights: z.string(), outputActivation: z.enum(['linear', 'sigmoid', 'softmax']) }),
  backend: z.string(),
  createdAt: z.string(),
});
export type BestRecord = z.output<typeof BestRecordSchema>;
