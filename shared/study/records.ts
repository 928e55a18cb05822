/**
 * The trial record: what one trial writes (in a part of its batch's records, sweeps/<sweepId>/trials/<batchKey>/),
 * validated on read so a partial or corrupt object is never counted as a result; and the merge of a trial's
 * records written by several attempts into one.
 */
import { z } from 'zod';
import { RegConfigSchema } from '../search/grid';
import { userKeyedRecord } from '../util/user-keys';

const num = z.number();
/** JSON turns NaN and Infinity into null; metrics that can be undefined are nullable. */
const metric = z.number().nullable();
/** A number as JSON stores it: NaN and ±Infinity are written as null and read back as NaN. */
export const jsonNumber = z.union([z.number(), z.null()]).transform((v) => v ?? NaN);

export { RegConfigSchema };

/** Validation or train metrics (shared/training/metrics.ts); the classification scores after accuracy came later, so are optional. */
export const MetricsSchema = z.object({
  loss: metric,
  r2: metric.optional(),
  accuracy: metric.optional(),
  balancedAccuracy: metric.optional(),
  macroF1: metric.optional(),
  /** null when undefined: a class has no row among the evaluated rows (the record's notices say which). */
  rocAuc: metric.optional(),
});

const common = {
  schemaVersion: z.literal(1),
  sweepId: z.string().optional(),
  trialId: z.string(),
  configId: z.string(),
  fold: z.number().int(),
  seed: z.number().int(),
  reg: RegConfigSchema,
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: num,
};

export const SucceededTrialSchema = z.object({
  ...common,
  status: z.literal('succeeded'),
  backend: z.string(),
  task: z.enum(['regression', 'classification']),
  rows: z.object({ train: z.number().int(), validation: z.number().int() }),
  /** closed-form, coordinate-descent, proximal-newton (exact linear solvers), or adam / sgd. */
  solver: z.string().optional(),
  /** What the user should know about this fit (e.g. separable classes, dropout solved as its expectation). */
  notices: z.array(z.string()).optional(),
  epochsRun: z.number().int(),
  bestEpoch: z.number().int(),
  train: MetricsSchema,
  validation: MetricsSchema.nullable(),
  /** validation loss - train loss (null without validation rows). */
  gap: metric,
  objective: metric,
  sparsity: num,
  features: z.array(z.string()),
  selectedFeatures: z.array(z.string()),
  curves: z.object({ trainLoss: z.array(metric), valLoss: z.array(metric) }),
  /** Linear models: coefficients in standardized units, keyed by feature name, in feature order. */
  coefficients: userKeyedRecord(num, 'feature -> coefficient').optional(),
  intercept: num.optional(),
});

export const FailedTrialSchema = z.object({
  ...common,
  status: z.literal('failed'),
  error: z.object({ name: z.string(), message: z.string() }),
  attempts: z.number().int().optional(),
});

export const TrialRecordSchema = z.discriminatedUnion('status', [SucceededTrialSchema, FailedTrialSchema]);
export type SucceededTrial = z.infer<typeof SucceededTrialSchema>;
export type FailedTrial = z.infer<typeof FailedTrialSchema>;
export type TrialRecord = z.infer<typeof TrialRecordSchema>;

/** The record, or undefined when the value is not a complete, valid trial record. */
export function asTrialRecord(value: unknown): TrialRecord | undefined {
  const r = TrialRecordSchema.safeParse(value);
  return r.success ? r.data : undefined;
}

/**
 * One record per trial from records written by several attempts (parts of retried or resumed batches): a
 * succeeded record beats a failed one, and among equals the one that finished last wins (on a tie, the later one
 * given).
 */
export function mergeTrialRecords(records: Iterable<TrialRecord>): Map<string, TrialRecord> {
  const out = new Map<string, TrialRecord>();
  const rank = (r: TrialRecord) => (r.status === 'succeeded' ? 1 : 0);
  for (const r of records) {
    const kept = out.get(r.trialId);
    if (!kept || rank(r) > rank(kept) || (rank(r) === rank(kept) && Date.parse(r.finishedAt) >= Date.parse(kept.finishedAt))) out.set(r.trialId, r);
  }
  return out;
}
