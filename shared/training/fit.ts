/**
 * One trial: one regularization config trained on one fold's training rows, evaluated on its validation
 * rows, summarised as a TrialRecord. The rows are preprocessed (imputed, one-hot, standardized: data/preprocess.ts)
 * with what the training rows alone teach, and a regression's target is standardized with the training rows'
 * statistics; the record and the model answer in the target's own units.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/parse';
import { fitPreprocessor, transformRows, type Preprocessor } from '../data/preprocess';
import { fitTargetScale, selectTargets, type TargetScale } from '../data/standardize';
import { errorMessage } from '../errors';
import { dropout } from '../regularizers';
import { configId as makeConfigId, trialId as makeTrialId, type RegConfig } from '../search/grid';
import type { ModelSpec, TrainingSpec } from '../search/spec';
import type { FailedTrial, SucceededTrial } from '../study/records';
import { exactLinearSolver, LinearCache, solveLinear, type LinearSolution } from './linear';
import { evaluateLinear } from './linear/evaluate';
import { disposeModel, modelFromFlat, paramLayout, type Model, type ModelConfig } from './model';
import { linearCoefficients, sparsity, train, type TrainData, type TrainResult } from './train';

export interface TrialSettings {
  readonly model: ModelSpec;
  readonly training: TrainingSpec;
}

export interface TrialInput {
  readonly dataset: Dataset;
  readonly settings: TrialSettings;
  readonly reg: RegConfig;
  /** Row indices of the dataset to train on. */
  readonly trainRows: readonly number[];
  /** Row indices to validate on (may be empty: no validation metrics, no early stopping). */
  readonly validationRows: readonly number[];
  readonly fold: number;
  readonly seed: number;
  readonly backend: string;
  readonly sweepId?: string;
  /** Override the epochs of settings.training (refit trains for the epochs selection found). */
  readonly epochs?: number;
  /** Override early-stopping patience (refit: 0). */
  readonly patience?: number;
  /** Shared by the linear fits of a container (one decomposition per fold, warm starts along paths). */
  readonly linearCache?: LinearCache;
}

/**
 * A fitted trial: its metrics, how it was solved, and the model. An exact linear fit builds no TensorFlow.js model
 * unless one is asked for (the refit saves it): its metrics, sparsity and coefficients come from the float64 answer.
 */
export interface FitResult extends Omit<TrainResult, 'model'> {
  /** The model (caller disposes); absent for an exact fit made with `{ model: false }`. */
  readonly model?: Model;
  /** `closed-form`, `coordinate-descent` or `proximal-newton` (exact linear solvers), else the SGD optimizer. */
  readonly solver: string;
  /** The exact solver's float64 answer (linear models), before the model rounds it to float32. */
  readonly exact?: LinearSolution;
  readonly notices: string[];
  /** The design's columns (expanded feature names of the fold's preprocessor). */
  readonly features: string[];
}

/**
 * Preprocessed tensors' inputs for a train/evaluation split, the preprocessor, and a regression's target scale
 * (train rows only; training fits the standardized target and answers in its units).
 */
export function prepareData(
  ds: Dataset,
  trainRows: readonly number[],
  evalRows: readonly number[],
): { data: TrainData; preprocessor: Preprocessor; target?: TargetScale } {
  const preprocessor = fitPreprocessor(ds, trainRows);
  return {
    preprocessor,
    ...(ds.task === 'regression' ? { target: fitTargetScale(ds.y, trainRows, ds.target) } : {}),
    data: {
      xTrain: transformRows(preprocessor, ds, trainRows),
      yTrain: selectTargets(ds.y, trainRows),
      xVal: evalRows.length ? transformRows(preprocessor, ds, evalRows) : undefined,
      yVal: evalRows.length ? selectTargets(ds.y, evalRows) : undefined,
      features: preprocessor.features.length,
    },
  };
}

/**
 * Fit the trial's model; the caller owns (and disposes) the returned model. A linear model is solved exactly
 * (training/linear) unless it is a classifier with dropout; everything else is trained by SGD (training/train.ts).
 */
export function fitTrial(input: TrialInput): { result: FitResult & { readonly model: Model }; preprocessor: Preprocessor };
export function fitTrial(input: TrialInput, opts: { readonly model: boolean }): { result: FitResult; preprocessor: Preprocessor };
export function fitTrial(input: TrialInput, opts: { readonly model: boolean } = { model: true }): { result: FitResult; preprocessor: Preprocessor } {
  const { dataset: ds, settings, reg } = input;
  const prepare = () => prepareData(ds, input.trainRows, input.validationRows);
  const { data, preprocessor, target } = input.linearCache ? input.linearCache.prepared(ds, input.trainRows, input.validationRows, prepare) : prepare();
  if (settings.model.hidden.length === 0 && exactLinearSolver(ds.task, reg)) {
    return { result: fitLinear(input, data, preprocessor, opts.model), preprocessor };
  }
  const trained = train(data, {
    task: ds.task,
    classes: ds.classes,
    hidden: settings.model.hidden,
    activation: settings.model.activation,
    epochs: input.epochs ?? settings.training.epochs,
    batchSize: settings.training.batchSize,
    learningRate: settings.training.learningRate,
    optimizer: settings.training.optimizer,
    patience: input.patience ?? settings.training.patience,
    reg,
    seed: input.seed,
    target,
  });
  const notices =
    settings.model.hidden.length === 0 && reg.dropoutRate > 0
      ? ['dropout on a linear classifier has no closed form: trained by masked SGD, so the answer depends on the training settings']
      : [];
  return { result: { ...trained, solver: settings.training.optimizer, notices, features: preprocessor.features }, preprocessor };
}

/** The exact answer of a linear model with its metrics (from the float64 answer), and as a model when asked (for saving). */
function fitLinear(input: TrialInput, data: TrainData, preprocessor: Preprocessor, withModel: boolean): FitResult {
  const { dataset: ds, reg } = input;
  const exact = solveLinear(ds, input.trainRows, preprocessor, reg, input.linearCache);
  const model = withModel ? linearModel(exact, data.features, input.seed) : undefined;
  const trainMetrics = evaluateLinear(ds.task, exact.weights, exact.intercepts, data.xTrain, data.yTrain);
  const validation = data.xVal && data.yVal ? evaluateLinear(ds.task, exact.weights, exact.intercepts, data.xVal, data.yVal) : undefined;
  const notices = [...exact.notices];
  if (reg.dropoutRate > 0) {
    const m = input.trainRows.length;
    notices.push(
      `dropout at rate ${reg.dropoutRate} solved exactly as its expected objective: an extra ridge term with lambda_eff = m*p/(1-p) = ${dropout.lambdaEff(reg, m).toPrecision(6)}`,
    );
  }
  return {
    ...(model ? { model } : {}),
    epochsRun: 1,
    bestEpoch: 1,
    train: trainMetrics,
    validation,
    objective: exact.objective,
    curves: { trainLoss: [trainMetrics.loss], valLoss: validation ? [validation.loss] : [] },
    solver: exact.solver,
    exact,
    notices,
    features: preprocessor.features,
  };
}

/** An exact linear answer as a (float32) TensorFlow.js model, to save or to predict with. */
function linearModel(exact: LinearSolution, inputs: number, seed: number): Model {
  const config: ModelConfig = { inputs, outputs: exact.intercepts.length, hidden: [], activation: 'relu', seed };
  const flat = new Float32Array(paramLayout(config).size);
  flat.set(exact.weights);
  flat.set(exact.intercepts, exact.weights.length);
  return modelFromFlat(config, flat);
}

/** Share of exact zeros among an exact answer's weights (p x K, row-major) and the features with a nonzero weight. */
function exactSparsity(exact: LinearSolution, features: readonly string[]): { sparsity: number; selectedFeatures: string[] } {
  const k = exact.intercepts.length;
  if (exact.weights.length !== features.length * k) throw new Error(`internal: ${exact.weights.length} weights for ${features.length} features x ${k} outputs`);
  let zeros = 0;
  for (const w of exact.weights) if (w === 0) zeros++;
  const selectedFeatures = features.filter((_, i) => exact.weights.subarray(i * k, (i + 1) * k).some((w) => w !== 0));
  return { sparsity: exact.weights.length ? zeros / exact.weights.length : 0, selectedFeatures };
}

/** The fields that identify a trial in its record, succeeded or failed. */
function recordIdentity(input: Pick<TrialInput, 'sweepId' | 'reg' | 'fold' | 'seed'>) {
  return {
    schemaVersion: 1 as const,
    ...(input.sweepId ? { sweepId: input.sweepId } : {}),
    trialId: makeTrialId(input.reg, input.fold, input.seed),
    configId: makeConfigId(input.reg),
    fold: input.fold,
    seed: input.seed,
    reg: input.reg,
  };
}

const finiteOrNull = (v: number | null | undefined) => (v === undefined || v === null || !Number.isFinite(v) ? null : v);

/** A trial whose loss is NaN or infinite: a failed trial with this cause, never a "succeeded" record with nulls. */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';
}

/** The record of a trained model; a NonFiniteLossError when its training or validation loss is not a finite number. */
export function buildRecord(input: TrialInput, result: FitResult, startedAt: Date): SucceededTrial {
  for (const [rows, m] of [
    ['training', result.train],
    ['validation', result.validation],
  ] as const) {
    if (m && !Number.isFinite(m.loss)) {
      throw new NonFiniteLossError(
        `the ${rows} loss is ${m.loss} after ${result.epochsRun} epoch${result.epochsRun === 1 ? '' : 's'}: ` +
          `the fit diverged or overflowed (a smaller learning rate or lambda, or rescaled columns, may help)`,
      );
    }
  }
  const ds = input.dataset;
  const { features } = result;
  // Sparsity and coefficients in float64 from an exact solver; else read back from the model.
  const { exact, model } = result;
  if (!exact && !model) throw new Error('internal: a fit with neither an exact answer nor a model');
  const { sparsity: sp, selectedFeatures } = exact ? exactSparsity(exact, features) : sparsity(model!, features);
  const linear = exact
    ? exact.intercepts.length === 1
      ? { coefficients: Array.from(exact.weights), intercept: exact.intercepts[0] }
      : undefined
    : linearCoefficients(model!);
  const finishedAt = new Date();
  const metrics = (m: TrainResult['train']) => ({
    loss: finiteOrNull(m.loss),
    ...(m.r2 !== undefined ? { r2: finiteOrNull(m.r2) } : {}),
    ...(m.accuracy !== undefined ? { accuracy: finiteOrNull(m.accuracy) } : {}),
    ...(m.balancedAccuracy !== undefined ? { balancedAccuracy: finiteOrNull(m.balancedAccuracy) } : {}),
    ...(m.macroF1 !== undefined ? { macroF1: finiteOrNull(m.macroF1) } : {}),
    ...(m.rocAuc !== undefined ? { rocAuc: finiteOrNull(m.rocAuc) } : {}),
  });
  const undefinedAuc = result.validation?.rocAucUndefined;
  const notices = undefinedAuc ? [...result.notices, `validation rows: ${undefinedAuc}`] : result.notices;
  return {
    ...recordIdentity(input),
    status: 'succeeded',
    backend: input.backend,
    task: ds.task,
    rows: { train: input.trainRows.length, validation: input.validationRows.length },
    solver: result.solver,
    ...(notices.length ? { notices } : {}),
    epochsRun: result.epochsRun,
    bestEpoch: result.bestEpoch,
    train: metrics(result.train),
    validation: result.validation ? metrics(result.validation) : null,
    gap: result.validation ? finiteOrNull(result.validation.loss - result.train.loss) : null,
    objective: finiteOrNull(result.objective),
    sparsity: sp,
    features,
    selectedFeatures,
    curves: { trainLoss: result.curves.trainLoss.map(finiteOrNull), valLoss: result.curves.valLoss.map(finiteOrNull) },
    ...(linear ? { coefficients: Object.fromEntries(features.map((f, i) => [f, linear.coefficients[i]])), intercept: linear.intercept } : {}),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
  };
}

/**
 * Fit the trial's model, build its record and dispose the model: one trial end to end. `leaked` counts the
 * tensors the trial left behind (0 unless something is wrong).
 */
export function fitRecord(input: TrialInput, startedAt = new Date()): { record: SucceededTrial; leaked: number } {
  const before = tf.memory().numTensors;
  const { result } = fitTrial(input, { model: false }); // an exact fit needs no tf model for its record
  let record: SucceededTrial;
  try {
    record = buildRecord(input, result, startedAt);
  } finally {
    if (result.model) disposeModel(result.model);
  }
  return { record, leaked: tf.memory().numTensors - before };
}

/** The record of a trial that failed. */
export function failedRecord(
  input: Omit<TrialInput, 'dataset' | 'settings' | 'trainRows' | 'validationRows' | 'backend'>,
  error: unknown,
  startedAt: Date,
  attempts?: number,
): FailedTrial {
  const finishedAt = new Date();
  return {
    ...recordIdentity(input),
    status: 'failed',
    error: { name: error instanceof Error ? error.name : 'Error', message: errorMessage(error) },
    ...(attempts !== undefined ? { attempts } : {}),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
  };
}

export type { Model };
