/**
 * PlanSweep: validate the spec and its dataset (parsed once here so a bad file fails the sweep at once, with its
 * row and column), resolve the grid (default lambdas from the data), expand it, and write spec.json, grid.json
 * and manifest.json. No TensorFlow.js.
 */
import { checkSweepBudget, shapeOf, type DeploySettings } from '../plan/cost';
import { summarizeDataset } from '../data/summary';
import { UnsafeIdError, SpecError } from '../errors';
import { parseSpec, SLUG_RE, type SweepSpec } from '../search/spec';
import { strategyOf } from '../search/strategy';
import { manifestKey, newSweepId, specKey } from '../store/layout';
import type { BucketBlobs } from '../store/blobs';
import { SweepStore } from '../store/sweep-store';
import { batchCount, DEFAULT_BATCH_DEFAULTS, orderForBatches, trialBatchSize, type BatchDefaults } from '../plan/batches';
import { gridOf, loadDataset, splitsOf } from './context';

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
 * Plan a sweep: the manifest in batch order (plan/batches.ts) and the batch size from the spec or the
 * deployment's `batching` defaults. Re-planning an existing sweepId with the same spec is allowed (resume); with
 * another spec it is refused. With the stack's `deploy` settings, a sweep estimated over its limits.maxCostUsd is refused.
 */
export async function planSweep(
  objects: BucketBlobs,
  input: { spec: unknown; sweepId?: string; batching?: BatchDefaults },
  deploy?: DeploySettings,
): Promise<PlanResult> {
  const parsed = parseSpec(input.spec);
  const sweepId = input.sweepId ?? parsed.sweepId ?? newSweepId(parsed);
  if (!SLUG_RE.test(sweepId)) throw new UnsafeIdError(`unsafe sweepId ${JSON.stringify(sweepId)}: must be a slug of a-z, 0-9 and '-' (max 63 chars)`);
  const spec: SweepSpec = { ...parsed, sweepId };
  const ds = await loadDataset(objects, spec);
  const plan = splitsOf(ds, spec); // throws a DatasetError naming the file when the rows cannot make the folds
  const grid = gridOf(ds, spec, plan);
  const space = { spec, grid };
  const strategy = strategyOf(spec);
  const { items } = strategy.first(space); // refuses a search over limits.maxTrials
  if (deploy) checkSweepBudget(spec, strategy.worstCase(space), shapeOf(plan, ds), deploy, `sweep ${sweepId}`); // limits.maxCostUsd, nothing stopped early

  const sweep = new SweepStore(objects, sweepId);
  const existing = await sweep.rawSpec();
  if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(spec)) {
    throw new SpecError(`sweep ${sweepId} already exists with a different spec (${sweep.uri(specKey(sweepId))}); choose another sweepId`);
  }
  await sweep.writeSpec(spec); // the spec as given: a resumed sweep compares it, and its defaults are in grid.json
  await sweep.writeGrid(grid);
  await sweep.writeDataSummary(summarizeDataset(ds, plan.trainval));
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
