/**
 * Trials in batches: the order of the manifest and the number of trials one TrainTrial invocation runs (the
 * Distributed Map's ItemBatcher cuts the manifest, in order, into batches of that many items).
 *
 * Order: the lambda paths first (one path = the trials of one fold, type, dropout rate and l1Ratio, lambda
 * varying), grouped by fold, each from its largest lambda down; then the trials that lie on no lambda path
 * (`none`, the dropout-only type). Every lambda path of a sweep has the same length L (the grid's lambda list),
 * so with a batch size that is a multiple of L every batch holds whole paths: the coordinate-descent and
 * proximal-Newton solvers warm-start along the path inside one container's LinearCache, and a fold's design,
 * Gram matrix and eigendecomposition are built once per batch.
 *
 * Size: `limits.batchSize` in the spec, else the deployment's default for the model family (`BatchDefaults`,
 * cdk.json `exactBatchSize` / `sgdBatchSize`). Exact linear sweeps round it down to whole paths (at least one
 * path, at most MAX_BATCH_SIZE). Trials trained by SGD (MLPs, linear classifiers with dropout) default to one
 * trial a batch: they take seconds to minutes, so a batch saves little of the ~10-50 ms an invocation costs, and
 * the handler's time guard (steps/trial.ts) keeps a larger batch within the Lambda timeout. The measurements
 * behind the defaults are in docs/ARCHITECTURE.md.
 */
import { onLambdaPath, pathOf } from '../regularizers';
import { MAX_BATCH_SIZE, type SweepSpec } from '../search/spec';
import type { TrialItem } from '../search/grid';
import { exactLinearSolver } from '../training/linear';

/** The deployment's batch sizes by model family (cdk.json context `regsweep.exactBatchSize` / `sgdBatchSize`). */
export interface BatchDefaults {
  /** Trials an exact linear solver fits per invocation (rounded to whole lambda paths). @default 100 */
  readonly exactBatchSize: number;
  /** Trials trained by SGD (MLPs, linear classifiers with dropout) per invocation. @default 1 */
  readonly sgdBatchSize: number;
}

export const DEFAULT_BATCH_DEFAULTS: BatchDefaults = { exactBatchSize: 100, sgdBatchSize: 1 };

/** The lambda path of a trial on its fold (undefined for a type without a penalty: it lies on no lambda path). */
function lambdaPathOf(item: TrialItem): string | undefined {
  return onLambdaPath(item.reg) ? `${item.fold}|${pathOf(item.reg).key}` : undefined;
}

/** The manifest in batch order (see the module comment): the same items, reordered. */
export function orderForBatches(items: readonly TrialItem[]): TrialItem[] {
  const paths = new Map<string, TrialItem[]>();
  const rest: TrialItem[] = [];
  for (const item of items) {
    const key = lambdaPathOf(item);
    if (key === undefined) rest.push(item);
    else paths.set(key, [...(paths.get(key) ?? []), item]);
  }
  const ordered = [...paths.values()].map((path) => [...path].sort((a, b) => b.reg.lambda - a.reg.lambda)).sort((a, b) => a[0].fold - b[0].fold); // stable: the grid's config order within a fold
  return [...ordered.flat(), ...rest];
}

/** True when every trial is fitted by an exact linear solver (no SGD). */
export function allExact(spec: SweepSpec, items: readonly TrialItem[]): boolean {
  return spec.model.hidden.length === 0 && items.every((i) => exactLinearSolver(spec.dataset.task, i.reg) !== undefined);
}

/** The longest lambda path of the items (0 when none has a penalty). */
function longestPath(items: readonly TrialItem[]): number {
  const lengths = new Map<string, number>();
  for (const item of items) {
    const key = lambdaPathOf(item);
    if (key !== undefined) lengths.set(key, (lengths.get(key) ?? 0) + 1);
  }
  return Math.max(0, ...lengths.values());
}

/**
 * The trials per batch of a sweep: `limits.batchSize`, else the deployment's default for its model family;
 * for an all-exact sweep rounded down to whole lambda paths (at least one path, at most MAX_BATCH_SIZE).
 */
export function trialBatchSize(spec: SweepSpec, items: readonly TrialItem[], defaults: BatchDefaults = DEFAULT_BATCH_DEFAULTS): number {
  const exact = allExact(spec, items);
  const wanted = spec.limits.batchSize ?? (exact ? defaults.exactBatchSize : defaults.sgdBatchSize);
  const path = longestPath(items);
  if (!exact || path <= 1) return Math.min(wanted, MAX_BATCH_SIZE);
  return Math.min(MAX_BATCH_SIZE, path * Math.max(1, Math.floor(wanted / path)));
}

/** The number of batches (TrainTrial invocations) of `trials` trials. */
export const batchCount = (trials: number, batchSize: number) => Math.ceil(trials / batchSize);
