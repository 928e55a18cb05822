/** `regsweep train`: one config on a local file (api/train.ts trainConfig), printed as a trial record. */
import Table from 'cli-table3';
import type { Command } from 'commander';
import { exactSolverFor, trainConfig } from '../api/train';
import { UsageError } from '../shared/errors';
import { configLabel, type RegConfig } from '../shared/search/grid';
import type { SucceededTrial } from '../shared/study/records';
import { hasDropout, hasPenalty, makeConfig, REG_TYPES, type RegType } from '../shared/regularizers';
import type { Task } from '../shared/vocabulary';
import { choice, hiddenLayers, integer, number, regType } from './args';
import { fmt, scoreColumns } from './format';

interface TrainFlags {
  data: string;
  target: string;
  task: Task;
  reg: RegType;
  lambda?: number;
  dropout?: number;
  l1Ratio: number;
  hidden: number[];
  activation: 'relu' | 'tanh' | 'sigmoid' | 'elu';
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: 'adam' | 'sgd';
  patience: number;
  seed: number;
  holdout: number;
  features?: string;
  json?: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train one regularization config on a local CSV/JSONL file and print its trial record')
    .requiredOption('--data <file>', 'dataset file (.csv with a header row, or .jsonl)')
    .requiredOption('--target <column>', 'target column')
    .option('--task <task>', 'regression or classification', choice('--task', ['regression', 'classification'] as const), 'regression')
    .option('--reg <type>', REG_TYPES.join(', '), regType, 'none')
    .option(
      '--lambda <x>',
      'penalty strength lambda (for l1, l2, elasticnet)',
      number('--lambda', (n) => n >= 0, 'a number >= 0'),
    )
    .option(
      '--dropout <p>',
      'dropout rate p in [0, 1) (for dropout types)',
      number('--dropout', (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
    )
    .option(
      '--l1-ratio <r>',
      'weight of the L1 term for elasticnet, in (0, 1)',
      number('--l1-ratio', (n) => n > 0 && n < 1, 'a number in (0, 1)'),
      0.5,
    )
    .option('--hidden <sizes>', 'hidden layer sizes, e.g. 64,64; "" for a linear model', hiddenLayers, [64, 64])
    .option('--activation <name>', 'relu, tanh, sigmoid or elu', choice('--activation', ['relu', 'tanh', 'sigmoid', 'elu'] as const), 'relu')
    .option('--epochs <n>', 'maximum epochs', integer('--epochs', 1, 100000), 200)
    .option('--batch-size <n>', 'minibatch size', integer('--batch-size', 1, 1_000_000), 32)
    .option(
      '--learning-rate <x>',
      'learning rate',
      number('--learning-rate', (n) => n > 0, 'a number > 0'),
      0.001,
    )
    .option('--optimizer <name>', 'adam or sgd', choice('--optimizer', ['adam', 'sgd'] as const), 'adam')
    .option('--patience <n>', 'early-stopping patience in epochs (0: off)', integer('--patience', 0, 100000), 20)
    .option('--seed <n>', 'random seed', integer('--seed', 0, 2 ** 31 - 1), 42)
    .option(
      '--holdout <f>',
      'fraction of rows held out for validation; 0 trains on every row',
      number('--holdout', (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
      0.2,
    )
    .option('--features <list>', 'comma-separated feature columns (default: all but the target)')
    .option('--json', 'print the trial record alone as JSON on stdout')
    .action(async (flags: TrainFlags, cmd: Command) => {
      const given = SGD_FLAGS.filter(([key]) => cmd.getOptionValueSource(key) === 'cli').map(([, flag]) => flag);
      const reg = regFromFlags(flags);
      if (flags.hidden.length === 0 && given.length > 0) {
        const solver = exactSolverFor(flags.task, reg);
        if (solver)
          process.stderr.write(`regsweep: note: ${given.join(', ')} ignored: a linear ${flags.task} with ${reg.type} is solved exactly (${solver})\n`);
      }
      const record = await trainOne(flags);
      if (flags.json) process.stdout.write(JSON.stringify(record, null, 2) + '\n');
      else process.stdout.write(describeRecord(record) + '\n');
    });
}

/** Options that only mean something for SGD training, and their flags. */
const SGD_FLAGS = [
  ['epochs', '--epochs'],
  ['batchSize', '--batch-size'],
  ['learningRate', '--learning-rate'],
  ['optimizer', '--optimizer'],
  ['patience', '--patience'],
] as const;

function regFromFlags(f: TrainFlags): RegConfig {
  if (hasPenalty(f.reg) && f.lambda === undefined) throw new UsageError(`--reg ${f.reg} needs --lambda`);
  if (hasDropout(f.reg) && f.dropout === undefined) throw new UsageError(`--reg ${f.reg} needs --dropout`);
  if (!hasPenalty(f.reg) && f.lambda !== undefined) throw new UsageError(`--lambda does not apply to --reg ${f.reg}`);
  if (!hasDropout(f.reg) && f.dropout !== undefined) throw new UsageError(`--dropout does not apply to --reg ${f.reg}`);
  return makeConfig(f.reg, { lambda: f.lambda, dropoutRate: f.dropout, l1Ratio: f.l1Ratio });
}

function trainOne(f: TrainFlags): Promise<SucceededTrial> {
  const features = f.features
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return trainConfig({
    data: f.data,
    target: f.target,
    task: f.task,
    reg: regFromFlags(f),
    model: { hidden: f.hidden, activation: f.activation },
    training: { epochs: f.epochs, batchSize: f.batchSize, learningRate: f.learningRate, optimizer: f.optimizer, patience: f.patience },
    seed: f.seed,
    holdout: f.holdout,
    features,
    log: (line) => process.stderr.write(line + '\n'),
  });
}

function describeRecord(r: SucceededTrial): string {
  const lines = [
    `config      ${configLabel(r.reg)}`,
    `backend     ${r.backend}`,
    `solver      ${r.solver ?? 'unknown'}`,
    `rows        ${r.rows.train} train, ${r.rows.validation} validation`,
    ...(r.solver === 'adam' || r.solver === 'sgd' ? [`epochs      ${r.epochsRun} run, best ${r.bestEpoch}`] : []),
    ...(r.notices ?? []).map((n) => `note        ${n}`),
  ];
  const scores = scoreColumns(r.task);
  const table = new Table({ head: ['', 'loss', ...scores.map((s) => s.name)], style: { head: [], border: [], compact: true } });
  table.push(['train', fmt(r.train.loss), ...scores.map((s) => s.text(r.train))]);
  if (r.validation) table.push(['validation', fmt(r.validation.loss), ...scores.map((s) => s.text(r.validation!))]);
  lines.push(table.toString());
  if (r.gap !== null) lines.push(`gap         ${fmt(r.gap)} (validation - train loss)`);
  lines.push(`sparsity    ${(r.sparsity * 100).toFixed(1)}% of weights exactly zero; ${r.selectedFeatures.length}/${r.features.length} features selected`);
  if (r.coefficients) {
    const coef = new Table({ head: ['feature', 'coefficient (standardized)'], style: { head: [], border: [], compact: true } });
    for (const [k, v] of Object.entries(r.coefficients)) coef.push([k, fmt(v)]);
    coef.push(['(intercept)', fmt(r.intercept)]);
    lines.push(coef.toString());
  }
  lines.push(`duration    ${r.durationMs} ms`);
  return lines.join('\n');
}
