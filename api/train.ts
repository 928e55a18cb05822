/**
 * One regularization config trained on a local file, as `regsweep train` runs it: a holdout split, the fold's
 * preprocessing, then the exact solver of a linear model or SGD training (shared/training/fit.ts), giving the
 * trial record a sweep would write.
 */
import * as path from 'node:path';
import { readDatasetFile } from '../shared/data/parse';
import { holdoutSplit } from '../shared/data/splits';
import type { RegConfig } from '../shared/search/grid';
import type { ModelSpec, Task, TrainingSpec } from '../shared/search/spec';
import type { SucceededTrial } from '../shared/study/records';
import type { TrialInput } from '../shared/training/fit';
import { exactLinearSolver } from '../shared/training/linear';

/** What {@link trainConfig} trains. */
export interface TrainOptions {
  /** The dataset file: CSV with a header row, JSON Lines or a JSON array. */
  readonly data: string;
  /** The target column. */
  readonly target: string;
  /** @default 'regression' */
  readonly task?: Task;
  /** The config: type, lambda, dropout rate, l1Ratio (0 where they do not apply). */
  readonly reg: RegConfig;
  /** Hidden layer sizes (`[]`: a linear model) and activation. @default { hidden: [64, 64], activation: 'relu' } */
  readonly model?: ModelSpec;
  /** SGD settings (ignored by the exact linear solvers). @default 200 epochs, batch 32, Adam 0.001, patience 20 */
  readonly training?: Partial<TrainingSpec>;
  /** @default 42 */
  readonly seed?: number;
  /** Share of the rows held out for validation; 0 trains on every row. @default 0.2 */
  readonly holdout?: number;
  /** Feature columns. @default every column but the target */
  readonly features?: readonly string[];
  /** Where the TensorFlow.js backend's messages go. @default dropped */
  readonly log?: (line: string) => void;
}

const DEFAULT_TRAINING: TrainingSpec = { epochs: 200, batchSize: 32, learningRate: 0.001, optimizer: 'adam', patience: 20 };

/**
 * The exact solver that fits a linear model of `task` with `reg` (`closed-form`, `coordinate-descent`,
 * `proximal-newton`), or undefined when it is trained by SGD (a linear classifier with dropout).
 */
export function exactSolverFor(task: Task, reg: RegConfig): string | undefined {
  return exactLinearSolver(task, reg);
}

/**
 * Train one config and return its trial record (losses, scores, sparsity, coefficients of a linear model).
 * @throws DatasetError naming the file, row and column; TrainingDivergedError when SGD diverges
 */
export async function trainConfig(o: TrainOptions): Promise<SucceededTrial> {
  const task = o.task ?? 'regression';
  const seed = o.seed ?? 42;
  const dataset = await readDatasetFile(o.data, { name: path.basename(o.data), target: o.target, task, features: o.features ? [...o.features] : undefined });
  const split = holdoutSplit(dataset, o.holdout ?? 0.2, seed);
  // TensorFlow.js is loaded only when a command trains (it takes about half a second).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { initBackend } = require('../shared/training/backend') as typeof import('../shared/training/backend');
  const { fitRecord } = require('../shared/training/fit') as typeof import('../shared/training/fit');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const { name: backend } = await initBackend({ log: o.log ?? (() => {}) });
  const input: TrialInput = {
    dataset,
    settings: { model: o.model ?? { hidden: [64, 64], activation: 'relu' }, training: { ...DEFAULT_TRAINING, ...o.training } },
    reg: o.reg,
    trainRows: split.train,
    validationRows: split.validation,
    fold: 0,
    seed,
    backend,
  };
  return fitRecord(input).record;
}
