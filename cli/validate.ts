/**
 * `regsweep validate --spec FILE`: check a sweep spec offline. Parses and validates it, expands the grid and
 * prints the trial count (configs x folds); when `dataset.source` is a local file, also parses the dataset, plans
 * its test split and folds and resolves the default grid from it (lambda_max), as PlanSweep would, and prints the
 * sweep's cost estimate (cli/cost.ts), refusing one over limits.maxCostUsd. An s3:// source is only reported
 * (never fetched): a default grid then has its size but not its values, and its cost is not estimated.
 *
 * Also the helpers `regsweep start` shares: reading a spec file and finding a spec's local dataset.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { datasetOptions, readDatasetFile, usedColumns, type Dataset } from '../shared/data/parse';
import { planSplits, splitOptions, type SplitPlan } from '../shared/data/splits';
import type { CostEstimate } from '../shared/cost/estimate';
import { shapeOf } from '../shared/plan/cost';
import { columnLines, summarizeDataset, type DataSummary } from '../shared/data/summary';
import { UsageError } from '../shared/errors';
import { describeDefaults, resolveGrid, type ResolvedGrid } from '../shared/search/default-grid';
import { addsNone, expandConfigs, type TrialItem } from '../shared/search/grid';
import { expandGrid } from '../shared/search/strategy';
import { parseSpecText, stripBom, type SweepSpec } from '../shared/search/spec';
import { gridOf } from '../shared/steps/context';
import { formatBytes, regularFileSize } from '../shared/util/files';
import { sweepCost } from './cost';

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
 * Read and validate a spec file (what `--spec` of every command reads); every problem is a one-line
 * UserInputError naming the file. Anything but a regular file (a directory, a FIFO, a device) is refused at
 * once, and so is a file over 1 MB; a UTF-8 byte order mark is ignored.
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

/**
 * Parse a spec's local dataset exactly as PlanSweep parses it in S3 (refusing one over limits.maxDatasetBytes,
 * or anything but a regular file), plan its splits and resolve the grid on it. Errors name the file.
 */
export async function checkLocalDataset(spec: SweepSpec, file: string): Promise<{ dataset: Dataset; plan: SplitPlan; grid: ResolvedGrid }> {
  const dataset = await readDatasetFile(file, { ...datasetOptions(spec), name: spec.dataset.source, maxBytes: spec.limits.maxDatasetBytes });
  const plan = planSplits(dataset, splitOptions(spec));
  return { dataset, plan, grid: gridOf(dataset, spec, plan) };
}

export interface ValidateJson {
  trials: number;
  configs: number;
  folds: number;
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

export interface GridCheck {
  readonly items: TrialItem[];
  readonly configs: number;
  readonly folds: number;
}

/** Expand the grid (refusing one over limits.maxTrials, with its size). */
export function checkGrid(spec: SweepSpec, grid: ResolvedGrid): GridCheck {
  const items = expandGrid(spec, grid);
  return { items, configs: expandConfigs(spec, grid).length, folds: spec.validation.folds };
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

export async function validateSpec(file: string): Promise<{ json: ValidateJson; lines: string[] }> {
  const { spec } = readSpecFile(file);
  const source = spec.dataset.source;
  const local = isS3Source(source) ? undefined : resolveLocalDataset(source, file);
  const checked = local ? await checkLocalDataset(spec, local) : undefined;
  const grid = checked?.grid ?? resolveGrid(spec);
  const { items, configs, folds } = checkGrid(spec, grid);
  const json: ValidateJson = { trials: items.length, configs, folds, grid };
  const lines = [
    `spec:     ${file}: valid`,
    `grid:     ${configs} config${configs === 1 ? '' : 's'} x ${folds} fold${folds === 1 ? '' : 's'} = ${items.length} trial${items.length === 1 ? '' : 's'} (limits.maxTrials ${spec.limits.maxTrials})`,
    ...describeDefaults(grid).map((line) => `note:     ${line}`),
  ];
  if (addsNone(spec)) lines.push('note:     none (no regularization) is added to the grid as the baseline every config is compared with');
  if (isS3Source(source)) {
    json.dataset = { source, location: 's3' };
    lines.push(`dataset:  ${source} (in S3: not fetched here; PlanSweep checks it when the sweep starts)`);
  } else if (!local || !checked) {
    json.dataset = { source, location: 'missing' };
    lines.push(`dataset:  ${source}: not found (relative to the spec file or to the current directory); regsweep start needs the file`);
  } else {
    const { dataset: ds, plan } = checked;
    const summary = summarizeDataset(ds, plan.trainval);
    json.dataset = {
      source,
      location: 'local',
      path: local,
      rows: ds.y.length,
      features: usedColumns(ds).length,
      ...(ds.classes ? { classes: ds.classes } : {}),
      testRows: plan.test.length,
      constantColumns: ds.constantColumns,
      summary,
    };
    lines.push(...datasetLines(source, summary));
    const how = plan.folds.length > 1 ? `${plan.folds.length} folds` : 'a single holdout';
    lines.push(
      `split:    ${plan.test.length} test rows held out; ${plan.trainval.length} rows in ${how} ` +
        `(about ${Math.round(mean(plan.folds.map((f) => f.train.length)))} train / ${Math.round(mean(plan.folds.map((f) => f.validation.length)))} validation each)`,
    );
    if (ds.constantColumns.length > 0) lines.push(`note:     constant column(s): ${ds.constantColumns.join(', ')} (they carry no information)`);
    const cost = sweepCost(spec, items, shapeOf(plan, ds), file);
    json.cost = { ...cost.estimate, alternative: cost.alternative };
    lines.push(...cost.lines);
  }
  if (!json.cost)
    lines.push(
      `cost:     not estimated without the dataset's rows and columns${spec.limits.maxCostUsd !== undefined ? '; PlanSweep checks limits.maxCostUsd' : ''}`,
    );
  return { json, lines };
}

/** The dataset line, its columns (role and use) and its notices, as validate and local print them. */
export function datasetLines(source: string, s: DataSummary): string[] {
  const used = s.columns.filter((c) => !c.use.startsWith('dropped')).length;
  const dropped = used < s.columns.length ? ` (${s.columns.length - used} of ${s.columns.length} columns dropped)` : '';
  const classes = s.classNames ? `, ${s.classNames.length} classes: ${s.classNames.join(', ')}` : '';
  return [
    `dataset:  ${source}: ${s.rows} rows, ${used} features${dropped}, target ${s.target} (${s.task}${classes})`,
    'columns:  (roles inferred on the non-test rows; override with dataset.columns, dataset.drop, dataset.categorical)',
    ...columnLines(s),
    ...s.notices.map((n) => `note:     ${n}`),
  ];
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a sweep spec offline: validate it, count the trials, and parse and split a local dataset')
    .requiredOption('--spec <file>', 'sweep spec (JSON; fields: shared/spec.ts)')
    .option('--json', 'print { trials, configs, folds, grid, dataset, cost } as JSON')
    .action(async (flags: { spec: string; json?: boolean }) => {
      const { json, lines } = await validateSpec(flags.spec);
      process.stdout.write(flags.json ? `${JSON.stringify(json, null, 2)}\n` : `${lines.join('\n')}\n`);
    });
}
