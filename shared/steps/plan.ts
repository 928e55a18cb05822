/**
 * PlanSweep: validate the spec and its dataset (parsed once here so a bad file fails the sweep at once, with its
 * row and column), expand the grid, and write spec.json and manifest.json. No TensorFlow.js.
 */
import { UnsafeIdError, SpecError } from '../errors';
import { expandGrid } from '../search/grid';
import { parseSpec, SLUG_RE, type SweepSpec } from '../search/spec';
import { manifestKey, newSweepId, specKey } from '../store/layout';
import type { ObjectStore } from '../store/s3';
import { SweepStore } from '../store/sweep-store';
import { batchCount, DEFAULT_BATCH_DEFAULTS, orderForBatches, trialBatchSize, type BatchDefaults } from './batches';
import { loadDataset, splitsOf } from './context';

export interface PlanResult {
  readonly sweepId: string;
  readonly bucket: string;
  readonly manifestKey: string;
  readonly trialCount: number;
  /** Trials per TrainTrial invocation: the Map's ItemBatcher reads it (MaxItemsPerBatchPath). */
  readonly batchSize: number;
  readonly batchCount: number;
}

/**
 * Plan a sweep: the manifest in batch order (steps/batches.ts) and the batch size from the spec or the
 * deployment's `batching` defaults. Re-planning an existing sweepId with the same spec is allowed (resume); with another spec it
 * is refused.
 */
export async function planSweep(objects: ObjectStore, input: { spec: unknown; sweepId?: string; batching?: BatchDefaults }): Promise<PlanResult> {
  const parsed = parseSpec(input.spec);
  const sweepId = input.sweepId ?? parsed.sweepId ?? newSweepId(parsed);
  if (!SLUG_RE.test(sweepId)) throw new UnsafeIdError(`unsafe sweepId ${JSON.stringify(sweepId)}: must be a slug of a-z, 0-9 and '-' (max 63 chars)`);
  const spec: SweepSpec = { ...parsed, sweepId };
  const items = expandGrid(spec);
  const ds = await loadDataset(objects, spec);
  splitsOf(ds, spec); // throws a DatasetError naming the file when the rows cannot make the folds

  const sweep = new SweepStore(objects, sweepId);
  const existing = await sweep.rawSpec();
  if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(spec)) {
    throw new SpecError(`sweep ${sweepId} already exists with a different spec (${sweep.uri(specKey(sweepId))}); choose another sweepId`);
  }
  await sweep.writeSpec(spec);
  await sweep.writeManifest(orderForBatches(items));
  const batchSize = trialBatchSize(spec, items, input.batching ?? DEFAULT_BATCH_DEFAULTS);
  return {
    sweepId,
    bucket: objects.bucket,
    manifestKey: manifestKey(sweepId),
    trialCount: items.length,
    batchSize,
    batchCount: batchCount(items.length, batchSize),
  };
}
