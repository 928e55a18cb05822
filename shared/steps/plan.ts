/**
 * PlanSweep: validate the spec and its dataset (parsed once here so a bad file fails the sweep at once, with its
 * row and column), resolve the grid (default lambdas from the data), expand it, and write spec.json, grid.json
 * and manifest.json. No TensorFlow.js.
 */
import { UnsafeIdError, SpecError } from '../errors';
import { expandGrid } from '../search/grid';
import { parseSpec, SLUG_RE, type SweepSpec } from '../search/spec';
import { manifestKey, newSweepId, specKey } from '../store/layout';
import type { ObjectStore } from '../store/s3';
import { SweepStore } from '../store/sweep-store';
import { gridOf, loadDataset, splitsOf } from './context';

export interface PlanResult {
  readonly sweepId: string;
  readonly bucket: string;
  readonly manifestKey: string;
  readonly trialCount: number;
}

/**
 * Plan a sweep. Re-planning an existing sweepId with the same spec is allowed (resume); with another spec it
 * is refused.
 */
export async function planSweep(objects: ObjectStore, input: { spec: unknown; sweepId?: string }): Promise<PlanResult> {
  const parsed = parseSpec(input.spec);
  const sweepId = input.sweepId ?? parsed.sweepId ?? newSweepId(parsed);
  if (!SLUG_RE.test(sweepId)) throw new UnsafeIdError(`unsafe sweepId ${JSON.stringify(sweepId)}: must be a slug of a-z, 0-9 and '-' (max 63 chars)`);
  const spec: SweepSpec = { ...parsed, sweepId };
  const ds = await loadDataset(objects, spec);
  const grid = gridOf(ds, spec, splitsOf(ds, spec)); // splitsOf throws a DatasetError naming the file when the rows cannot make the folds
  const items = expandGrid(spec, grid);

  const sweep = new SweepStore(objects, sweepId);
  const existing = await sweep.rawSpec();
  if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(spec)) {
    throw new SpecError(`sweep ${sweepId} already exists with a different spec (${sweep.uri(specKey(sweepId))}); choose another sweepId`);
  }
  await sweep.writeSpec(spec); // the spec as given: a resumed sweep compares it, and its defaults are in grid.json
  await sweep.writeGrid(grid);
  await sweep.writeManifest(items.map((i) => ({ sweepId, ...i })));
  return { sweepId, bucket: objects.bucket, manifestKey: manifestKey(sweepId), trialCount: items.length };
}
