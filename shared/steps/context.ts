/**
 * What the steps share: per-container caches (a warm Lambda reuses them across invocations), the dataset of a
 * sweep read from its bucket (any BucketBlobs: S3's ObjectStore, or MemoryBlobs in unit tests), and the sweep's
 * spec and splits.
 */
import { fitPreprocessor } from '../data/preprocess';
import { checkDatasetSize, datasetOptions, parseDataset, type Dataset } from '../data/parse';
import { planSplits, splitOptions, type SplitPlan } from '../data/splits';
import { fitTargetScale } from '../data/standardize';
import { DatasetError } from '../errors';
import { needsDefaultLambda, resolveGrid, type ResolvedGrid } from '../search/default-grid';
import type { SweepSpec } from '../search/spec';
import { datasetLocation } from '../store/layout';
import type { BucketBlobs } from '../store/blobs';
import type { SweepStore } from '../store/sweep-store';
import { LinearCache } from '../training/linear';
import { lambdaMax } from '../training/linear/lambda-max';

export interface StepCaches {
  /** Parsed datasets by `bucket/key@etag`. */
  readonly datasets: Map<string, Dataset>;
  /** Validated specs by sweepId (a sweep's spec never changes once planned). */
  readonly specs: Map<string, SweepSpec>;
  /** What linear fits of one fold share: the decomposition and the path solutions (training/linear). */
  readonly linear: LinearCache;
}

export const createCaches = (): StepCaches => ({ datasets: new Map(), specs: new Map(), linear: new LinearCache() });

/**
 * Load and parse the spec's dataset from the sweep's bucket (cached by ETag), refusing one over
 * limits.maxDatasetBytes from its size before a byte is read. Errors name the object.
 */
export async function loadDataset(objects: BucketBlobs, spec: SweepSpec, caches?: StepCaches): Promise<Dataset> {
  const { key } = datasetLocation(spec, objects.bucket);
  const notFound = () => new DatasetError(`dataset ${objects.uri(key)} not found (upload it with regsweep upload-dataset)`);
  const head = await objects.head(key);
  if (!head) throw notFound();
  checkDatasetSize(objects.uri(key), head.size, spec.limits.maxDatasetBytes); // before a byte is read
  const cached = caches?.datasets.get(`${objects.bucket}/${key}@${head.etag}`);
  if (cached) return cached;
  const got = await objects.getBytes(key);
  if (!got) throw notFound();
  const ds = parseDataset(got.body, { ...datasetOptions(spec), name: objects.uri(key) });
  caches?.datasets.clear(); // one dataset per container is plenty; never grow without bound
  caches?.datasets.set(`${objects.bucket}/${key}@${got.etag}`, ds);
  return ds;
}

/** The spec a sweep was planned with (cached per container). */
export async function loadSpec(sweep: SweepStore, caches?: StepCaches): Promise<SweepSpec> {
  const cached = caches?.specs.get(sweep.sweepId);
  if (cached) return cached;
  const spec = await sweep.requireSpec();
  caches?.specs.set(sweep.sweepId, spec);
  return spec;
}

/** The test split and folds of a spec on its dataset. */
export const splitsOf = (ds: Dataset, spec: SweepSpec): SplitPlan => planSplits(ds, splitOptions(spec));

/**
 * The grid a sweep runs on its data: the spec's values, and defaults where it gives none, lambda_max computed on
 * the non-test rows (the same for every fold; the refit's lasso is all zeros there). A regression's target must
 * vary on those rows (a DatasetError naming the column, before any trial runs).
 */
export function gridOf(ds: Dataset, spec: SweepSpec, plan: SplitPlan): ResolvedGrid {
  const rows = plan.trainval;
  if (ds.task === 'regression') fitTargetScale(ds.y, rows, ds.target);
  let data;
  if (needsDefaultLambda(spec)) {
    const pre = fitPreprocessor(ds, rows);
    data = { lambdaMax: lambdaMax(ds, rows, pre), rows: rows.length, features: pre.features.length };
  }
  return resolveGrid(spec, data);
}
