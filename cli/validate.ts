/**
 * `regsweep validate --spec FILE`: check a sweep spec offline (api/validate.ts validateSpec) and print what it
 * found: the trial count, the grid's defaults, the dataset's columns and split, the cost estimate.
 */
import type { Command } from 'commander';
import { validateSpec, type SpecCheck } from '../api/validate';
import { columnLines, type DataSummary } from '../shared/data/summary';
import { describeDefaults } from '../shared/search/default-grid';
import { addsNone } from '../shared/search/grid';
import { costSummaryLines } from './cost';

export type { ValidateJson } from '../api/validate';

/** The lines `regsweep validate` prints for a checked spec. */
export function validateLines({ file, spec, result, split }: SpecCheck): string[] {
  const { trials, configs, folds, grid, dataset, cost } = result;
  const source = spec.dataset.source;
  const lines = [
    `spec:     ${file}: valid`,
    `grid:     ${configs} config${configs === 1 ? '' : 's'} x ${folds} fold${folds === 1 ? '' : 's'} = ${trials} trial${trials === 1 ? '' : 's'} (limits.maxTrials ${spec.limits.maxTrials})`,
    `search:   ${result.search.description}`,
    ...describeDefaults(grid).map((line) => `note:     ${line}`),
  ];
  if (addsNone(spec)) lines.push('note:     none (no regularization) is added to the grid as the baseline every config is compared with');
  if (dataset?.location === 's3') {
    lines.push(`dataset:  ${source} (in S3: not fetched here; PlanSweep checks it when the sweep starts)`);
  } else if (dataset?.location !== 'local' || !dataset.summary || !split) {
    lines.push(`dataset:  ${source}: not found (relative to the spec file or to the current directory); regsweep start needs the file`);
  } else {
    lines.push(...datasetLines(source, dataset.summary));
    const how = split.folds > 1 ? `${split.folds} folds` : 'a single holdout';
    lines.push(
      `split:    ${split.test} test rows held out; ${split.trainval} rows in ${how} ` +
        `(about ${Math.round(split.meanTrain)} train / ${Math.round(split.meanValidation)} validation each)`,
    );
    const constant = dataset.constantColumns ?? [];
    if (constant.length > 0) lines.push(`note:     constant column(s): ${constant.join(', ')} (they carry no information)`);
    if (cost) lines.push(...costSummaryLines(spec, { estimate: cost, alternative: cost.alternative }));
  }
  if (!cost)
    lines.push(
      `cost:     not estimated without the dataset's rows and columns${spec.limits.maxCostUsd !== undefined ? '; PlanSweep checks limits.maxCostUsd' : ''}`,
    );
  return lines;
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
      const check = await validateSpec(flags.spec);
      process.stdout.write(flags.json ? `${JSON.stringify(check.result, null, 2)}\n` : `${validateLines(check).join('\n')}\n`);
    });
}
