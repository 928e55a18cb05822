/**
 * Checking a sweep spec offline, as `regsweep validate` does: parse and validate it, expand the grid and count
 * the trials (configs x folds); when `dataset.source` is a local file, also parse the dataset, plan its test
 * split and folds and resolve the default grid from it (lambda_max), as PlanSweep would, and estimate the
 * sweep's cost (api/cost.ts), refusing one over limits.maxCostUsd. An s3:// source is only reported (never
 * fetched): a default grid then has its size but not its values, and its cost is not estimated.
 *
 * Also the pieces `regsweep local` and `regsweep start` share: reading a spec file, finding a spec's local
 * dataset, checking it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { datasetOptions, readDatasetFile, usedColumns, type Dataset } from '../shared/data/parse';
import { planSplits, splitOptions, type SplitPlan } from '../shared/data/splits';
import type { CostEstimate } from '../shared/cost/estimate';
import { shapeOf } from '../shared/plan/cost';
import { summarizeDataset, type DataSummary } from '../shared/data/summary';
import { UsageError } from '../shared/errors';
import { resolveGrid, type ResolvedGrid } from '../shared/search/default-grid';
import { expandConfigs, type TrialItem } from '../shared/search/grid';
import { strategyOf } from '../shared/search/strategy';
import { parseSpecText, stripBom, type SweepSpec } from '../shared/search/spec';
import { gridOf } from '../shared/steps/context';
import { formatBytes, regularFileSize } from '../shared/util/files';
import { estimateCost } from './cost';

/** A spec file, read and validated. */
export interface SpecFile {
  /** The path as given. */
  readonly file: string;
  /** The validated spec, defaults filled in. */
  readonly spec: SweepSpec;
  /** The JSON as written (what a cloud sweep is started with, after its sweepId and dataset.source are set). */
  readonly raw: Record<string, unknown>;
}

/** A spec is a few hundred bytes; a larger file is not a spec. */
const MAX_SPEC_BYTES = 1024 * 1024;

/**
 * Read and validate a spec file (what `--spec` of every command reads). Anything but a regular file (a
 * directory, a FIFO, a device) is refused at once, and so is a file over 1 MB; a UTF-8 byte order mark is ignored.
 * @throws UsageError (naming `--spec` and the file) or SpecError (naming the field)
 */
export function readSpecFile(file: string): SpecFile {
  const stat = regularFileSize(file);
  if ('problem' in stat) throw new UsageError(`--spec: cannot read ${file}: ${stat.problem}`);
  if (stat.size > MAX_SPEC_BYTES) {
    throw new UsageError(`--spec: ${file} is ${formatBytes(stat.size)}, over the ${formatBytes(MAX_SPEC_BYTES)} a spec file may have`);
  }
  let text: string;
  try {
    text = stripBom(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--spec: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const spec = parseSpecText(text, file);
  return { file, spec, raw: JSON.parse(text) as Record<string, unknown> };
}

/** True for an `s3://` dataset source (never read by the local checks). */
export const isS3Source = (source: string) => source.startsWith('s3://');

/**
 * The local path a spec's `dataset.source` names: a relative path is relative to the spec file's directory, else
 * to the current directory (as `regsweep local` reads it; the examples are written relative to the repository).
 * Undefined when neither exists. Whatever exists is returned, file or not: reading it says what is wrong.
 */
export function resolveLocalDataset(source: string, specFile: string): string | undefined {
  const candidates = path.isAbsolute(source) ? [source] : [path.resolve(path.dirname(specFile), source), path.resolve(source)];
  return candidates.find((p) => fs.existsSync(p));
}

/** A local dataset as PlanSweep will see it. */
export interface DatasetCheck {
  readonly dataset: Dataset;
  readonly plan: SplitPlan;
  readonly grid: ResolvedGrid;
}

/**
 * Parse a spec's local dataset exactly as PlanSweep parses it in S3 (refusing one over limits.maxDatasetBytes,
 * or anything but a regular file), plan its splits and resolve the grid on it.
 * @throws DatasetError or SpecError naming the file, row and column
 */
export async function checkLocalDataset(spec: SweepSpec, file: string): Promise<DatasetCheck> {
  const dataset = await readDatasetFile(file, { ...datasetOptions(spec), name: spec.dataset.source, maxBytes: spec.limits.maxDatasetBytes });
  const plan = planSplits(dataset, splitOptions(spec));
  return { dataset, plan, grid: gridOf(dataset, spec, plan) };
}

/** What `regsweep validate --json` prints. */
export interface ValidateJson {
  trials: number;
  configs: number;
  folds: number;
  /** The search strategy (`search.strategy`) and what it runs, in one sentence (shared/search/strategy.ts). */
  search: { strategy: string; description: string };
  /** The resolved grid (default lambdas relative to lambda_max = 1 when the dataset was not read). */
  grid: ResolvedGrid;
  dataset?: {
    source: string;
    /** `s3`: not fetched; `local`: parsed and split; `missing`: a local path that does not exist. */
    location: 's3' | 'local' | 'missing';
    path?: string;
    rows?: number;
    features?: number;
    classes?: number;
    testRows?: number;
    constantColumns?: string[];
    /** Rows, rows dropped, class names, and each column's role and use (counted on the non-test rows). */
    summary?: DataSummary;
  };
  /** The cost estimate for the settings in cdk.json, and for the other child execution type (local datasets only). */
  cost?: CostEstimate & { alternative: CostEstimate };
}

/** A spec's search on its grid: the trials its strategy runs first, and the most it could run. */
export interface GridCheck {
  /** The first rung's trials (PlanSweep's manifest). */
  readonly items: readonly TrialItem[];
  /** Every trial the strategy could run if nothing were stopped early: what the cost estimate prices. */
  readonly worstCase: readonly TrialItem[];
  readonly configs: number;
  readonly folds: number;
  /** The strategy's one-sentence description (shared/search/strategy.ts). */
  readonly search: string;
}

/**
 * The spec's search strategy on its grid (shared/search/strategy.ts).
 * @throws SpecError for a search over limits.maxTrials, with its size
 */
export function checkGrid(spec: SweepSpec, grid: ResolvedGrid): GridCheck {
  const strategy = strategyOf(spec);
  const space = { spec, grid };
  const { items } = strategy.first(space);
  return {
    items,
    worstCase: strategy.worstCase(space),
    configs: expandConfigs(spec, grid).length,
    folds: spec.validation.folds,
    search: strategy.describe(space),
  };
}

/** The result of {@link validateSpec}. */
export interface SpecCheck {
  /** The spec file, as given. */
  readonly file: string;
  /** The validated spec. */
  readonly spec: SweepSpec;
  /** The counts, the grid, the dataset and the cost (what `regsweep validate --json` prints). */
  readonly result: ValidateJson;
  /** A local dataset's split: rows held out for the test, rows in the folds, mean rows per fold. */
  readonly split?: { readonly test: number; readonly trainval: number; readonly folds: number; readonly meanTrain: number; readonly meanValidation: number };
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

/**
 * Validate a spec file and, when its dataset is a local file, the dataset (parsed and split as PlanSweep will),
 * with the trial count and the cost estimate.
 * @throws UserInputError (SpecError, DatasetError, UsageError) naming the file, field, row or column
 */
export async function validateSpec(file: string): Promise<SpecCheck> {
  const { spec } = readSpecFile(file);
  const source = spec.dataset.source;
  const local = isS3Source(source) ? undefined : resolveLocalDataset(source, file);
  const checked = local ? await checkLocalDataset(spec, local) : undefined;
  const grid = checked?.grid ?? resolveGrid(spec);
  const { items, worstCase, configs, folds, search } = checkGrid(spec, grid);
  const result: ValidateJson = { trials: items.length, configs, folds, search: { strategy: spec.search.strategy, description: search }, grid };
  if (isS3Source(source)) return { file, spec, result: { ...result, dataset: { source, location: 's3' } } };
  if (!local || !checked) return { file, spec, result: { ...result, dataset: { source, location: 'missing' } } };
  const { dataset: ds, plan } = checked;
  result.dataset = {
    source,
    location: 'local',
    path: local,
    rows: ds.y.length,
    features: usedColumns(ds).length,
    ...(ds.classes ? { classes: ds.classes } : {}),
    testRows: plan.test.length,
    constantColumns: ds.constantColumns,
    summary: summarizeDataset(ds, plan.trainval),
  };
  const cost = estimateCost(spec, worstCase, shapeOf(plan, ds), file);
  result.cost = { ...cost.estimate, alternative: cost.alternative };
  const split = {
    test: plan.test.length,
    trainval: plan.trainval.length,
    folds: plan.folds.length,
    meanTrain: mean(plan.folds.map((f) => f.train.length)),
    meanValidation: mean(plan.folds.map((f) => f.validation.length)),
  };
  return { file, spec, result, split };
}
