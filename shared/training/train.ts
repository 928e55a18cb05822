/**
 * Training with the regularization of one trial, following the formulas of docs/ARCHITECTURE.md (m = training rows, kernels
 * only, never biases; the penalty's weights and its steps are the regularizer's, shared/regularizers):
 *   L1:  J = (1/2m) sum (h - y)^2 + (lambda/2m) sum |w|
 *   L2:  J = (1/2m) sum (h - y)^2 + (lambda/2m) sum w^2
 *   elastic net: (lambda/2m) * (l1Ratio * sum |w| + (1 - l1Ratio) * sum w^2)
 * Classification replaces the squared-error term by the mean cross-entropy. The L2 term is differentiated;
 * the L1 term is applied as a proximal step (soft-thresholding after each optimizer update), which gives exact
 * zeros. With Adam the threshold is scaled per coordinate by Adam's own step size, so a fixed point is a
 * stationary point of J. Dropout is inverted dropout (see model.ts).
 * A regression given its target's scale (`TrainOptions.target`) trains on the standardized target and answers
 * in the target's units: the scale is folded into the output layer of the returned model, and its metrics and
 * curves are in the target's (squared) units.
 */
import * as tf from '@tensorflow/tfjs';
import type { TargetScale } from '../data/standardize';
import { penaltyWeights, regularizerOf, type PenaltyWeights, type RegConfig } from '../regularizers';
import {
  activationGrad,
  disposeModel,
  forwardTrace,
  initialParams,
  modelFromFlat,
  paramLayout,
  scaleOutput,
  stepMasks,
  uploadParams,
  type Activation,
  type Model,
  type ModelConfig,
  type ParamLayout,
  type Params,
} from './model';
import { classificationScores, probabilitiesFromLogits, type ClassificationScores } from './metrics';
import { createOptimizer } from './optimizer';
import { createRng, deriveSeed, permutation } from '../util/random';
import type { Task } from '../search/spec';

/** The penalty's coefficients: c1 * sum|w| + c2 * sum w^2 (the registry's PenaltyWeights). */
export type PenaltyCoefficients = PenaltyWeights;

/** c1 = lambda * l1Ratio / 2m, c2 = lambda * (1 - l1Ratio) / 2m (both 0 for none and dropout), as the config's regularizer weighs them. */
export const penaltyCoefficients = (reg: RegConfig, m: number): PenaltyCoefficients => penaltyWeights(reg, m);

/** c1 * sum|w| + c2 * sum w^2 over the kernels. */
export function penaltyTerm(kernels: readonly tf.Tensor[], c: PenaltyCoefficients): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Scalar = tf.scalar(0);
    for (const k of kernels) {
      if (c.l1 > 0) total = total.add(tf.abs(k).sum().mul(c.l1));
      if (c.l2 > 0) total = total.add(tf.square(k).sum().mul(c.l2));
    }
    return total;
  });
}

/**
 * Each row's loss: the squared error (regression) or the cross-entropy of the logits (classification: sigmoid
 * on one logit for two classes, softmax over K logits otherwise; `y` then holds one-hot rows).
 */
function rowLosses(task: Task, pred: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
  if (task === 'regression') return tf.squaredDifference(pred, y).reshape([-1]);
  if (pred.shape[1] === 1) return tf.losses.sigmoidCrossEntropy(y, pred, undefined, 0, tf.Reduction.NONE).reshape([-1]);
  return tf.losses.softmaxCrossEntropy(y, pred, undefined, 0, tf.Reduction.NONE);
}

/** The data term of J on a batch: (1/2b) sum (h - y)^2 for regression; mean cross-entropy for classification. */
export function dataTerm(task: Task, pred: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const meanLoss = rowLosses(task, pred, y).mean<tf.Scalar>();
    return task === 'regression' ? meanLoss.div<tf.Scalar>(2) : meanLoss;
  });
}

/** The full objective J = data term + penalty (what the optimizer minimizes; L1 through the prox step). */
export function objective(task: Task, pred: tf.Tensor2D, y: tf.Tensor2D, kernels: readonly tf.Tensor[], c: PenaltyCoefficients): tf.Scalar {
  return tf.tidy(() => dataTerm(task, pred, y).add(penaltyTerm(kernels, c)));
}

type OptimizerKind = 'adam' | 'sgd';

/**
 * b times the gradient of the batch's data term with respect to the model output (b = the batch's rows; the
 * 1/b is applied on the host, one op less): h - y for the squared error (1/2b) sum (h - y)^2, and p - y for
 * the mean cross-entropy on logits.
 */
function outputGrad(task: Task, output: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  if (task === 'regression') return tf.sub(output, y);
  return tf.sub(output.shape[1] === 1 ? tf.sigmoid(output) : tf.softmax(output), y);
}

/** out[at + j] = sum over the rows of a row-major matrix's column j. */
function columnSums(a: ArrayLike<number>, cols: number, out: Float32Array, at: number): void {
  out.fill(0, at, at + cols);
  for (let i = 0; i < a.length; i += cols) for (let j = 0; j < cols; j++) out[at + j] += a[i + j];
}

/**
 * The gradient of the batch's data term (the L2 term and the L1 prox step are the optimizer's), by explicit
 * backpropagation through the dense layers, written into `grad` in the parameter layout's order. Written out
 * instead of taped autodiff because the tape's per-op bookkeeping dominated a small model's step
 * (bench/README.md); a test checks it against tf.variableGrads.
 */
export function batchGradient(
  params: Params,
  layout: ParamLayout,
  task: Task,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  masks: readonly tf.Tensor2D[],
  grad: Float32Array,
): void {
  tf.tidy(() => {
    const trace = forwardTrace(params, x, masks);
    const n = params.kernels.length;
    let dz = outputGrad(task, trace.output, y);
    for (let i = n - 1; i >= 0; i--) {
      // Explicit transposes: tfjs-wasm's matMul with a transpose flag is several times slower than
      // transpose + matMul on these small shapes (bench/README.md).
      grad.set(tf.matMul(tf.transpose(trace.layerInputs[i]), dz).dataSync(), layout.kernels[i].offset);
      columnSums(dz.dataSync(), layout.biases[i].size, grad, layout.biases[i].offset); // cheaper than tf.sum on wasm
      if (i > 0) {
        let dh = tf.matMul(dz, tf.transpose(params.kernels[i]));
        if (masks.length) dh = tf.mul(dh, masks[i - 1]);
        dz = tf.mul(dh, activationGrad(trace.activations[i - 1], params.config.activation));
      }
    }
  });
  const invBatch = 1 / x.shape[0];
  for (let i = 0; i < grad.length; i++) grad[i] *= invBatch;
}

/** Training rows (standardized features, row-major) and optional validation rows. */
export interface TrainData {
  readonly xTrain: Float32Array;
  readonly yTrain: Float32Array;
  readonly xVal?: Float32Array;
  readonly yVal?: Float32Array;
  readonly features: number;
}

export interface TrainOptions {
  readonly task: Task;
  /** Number of classes (classification). */
  readonly classes?: number;
  readonly hidden: readonly number[];
  readonly activation: Activation;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly optimizer: OptimizerKind;
  /** Early-stopping patience in epochs (0: off). Needs validation rows. */
  readonly patience: number;
  readonly reg: RegConfig;
  readonly seed: number;
  /**
   * Regression: the training rows' target mean and population std. Training then fits (y - mean) / std (one
   * scale: a lambda and a learning rate mean the same on every dataset) and the result is in y's units.
   * @default the target as given
   */
  readonly target?: TargetScale;
}

/** Loss, and R² (regression) or the classification scores. */
export interface Metrics extends Partial<ClassificationScores> {
  /** Mean squared error (regression) or mean cross-entropy (classification). */
  readonly loss: number;
  readonly r2?: number;
}

export interface TrainResult {
  /** The trained model, with the best epoch's weights when early stopping ran. Caller disposes. */
  readonly model: Model;
  readonly epochsRun: number;
  /** 1-based epoch whose weights were kept. */
  readonly bestEpoch: number;
  readonly train: Metrics;
  readonly validation?: Metrics;
  /** J (data term + penalty) on the training rows with the kept weights (times s_y^2 with a target scale). */
  readonly objective: number;
  readonly curves: { readonly trainLoss: number[]; readonly valLoss: number[] };
}

/** Training diverged (a non-finite loss); the message says what to change. */
export class TrainingDivergedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingDivergedError';
  }
}

const outputsFor = (task: Task, classes?: number) => (task === 'classification' && (classes ?? 2) > 2 ? classes! : 1);

/** Targets as the loss wants them: [n,1] values, or one-hot rows [n,K] for K > 2 classes (host side). */
function targetRows(y: Float32Array, outputs: number): Float32Array {
  if (outputs === 1) return y;
  const out = new Float32Array(y.length * outputs);
  y.forEach((label, i) => (out[i * outputs + label] = 1));
  return out;
}

/**
 * Loss and scores of the model (inference: no dropout): MSE and R² for regression; for classification the mean
 * cross-entropy (from the logits) and the scores of the predicted probabilities (metrics.ts, in float64 from the logits).
 */
export function evaluate(params: Params, task: Task, x: tf.Tensor2D, y: tf.Tensor2D): Metrics {
  if (task === 'regression') {
    const [loss, r2] = tf.tidy(() => {
      const mse = tf.squaredDifference(forwardTrace(params, x).output, y).mean<tf.Scalar>();
      return tf.stack([mse, tf.sub(1, tf.div(mse, tf.moments(y).variance))]).dataSync();
    });
    return { loss, r2 };
  }
  const { loss, logits, labels } = tf.tidy(() => {
    const output = forwardTrace(params, x).output;
    return {
      loss: dataTerm(task, output, y).dataSync()[0],
      logits: output.dataSync(),
      labels: (y.shape[1] === 1 ? y.reshape([-1]) : y.argMax(1)).dataSync(),
    };
  });
  const proba = probabilitiesFromLogits(logits, y.shape[1]);
  return { loss, ...classificationScores(labels, proba, proba.length / labels.length) };
}

/** `evaluate` on host rows: standardized features (row-major) and targets (values, or class labels). */
export function evaluateRows(params: Params, task: Task, x: Float32Array, y: Float32Array): Metrics {
  const outputs = params.config.outputs;
  const xs = tf.tensor2d(x, [y.length, params.config.inputs]);
  const ys = tf.tensor2d(targetRows(y, outputs), [y.length, outputs]);
  try {
    return evaluate(params, task, xs, ys);
  } finally {
    xs.dispose();
    ys.dispose();
  }
}

function mean(a: Float32Array): number {
  let s = 0;
  for (const v of a) s += v;
  return a.length ? s / a.length : 0;
}

/** Copy rows `idx` of a row-major matrix with `width` columns. */
function gatherRows(src: Float32Array, width: number, idx: readonly number[]): Float32Array {
  const out = new Float32Array(idx.length * width);
  idx.forEach((r, i) => out.set(src.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

/**
 * Train one model. Deterministic from `opts.seed` (initial weights, batch order, dropout masks).
 * Leaves no tensors behind except the returned model's variables.
 */
export function train(data: TrainData, opts: TrainOptions): TrainResult {
  const n = data.yTrain.length;
  const d = data.features;
  const outputs = outputsFor(opts.task, opts.classes);
  const { target } = opts;
  // The targets training fits: standardized with the given scale, else as given.
  const fitted = (y: Float32Array) => (target ? y.map((v) => (v - target.mean) / target.std) : y);
  /** Squared units of the data: losses on the fitted targets times this are in the target's units. */
  const lossScale = target ? target.std * target.std : 1;
  const config: ModelConfig = {
    inputs: d,
    outputs,
    hidden: opts.hidden,
    activation: opts.activation,
    seed: opts.seed,
    // A regression output starts at the mean fitted target (0 on a standardized one).
    outputBias: opts.task === 'regression' ? mean(fitted(data.yTrain)) : 0,
  };
  const layout = paramLayout(config);
  const coeffs = penaltyCoefficients(opts.reg, n);
  const dropoutRate = opts.reg.dropoutRate;
  const yRows = targetRows(fitted(data.yTrain), outputs);
  const hasVal = data.xVal !== undefined && data.yVal !== undefined && data.yVal.length > 0;
  const nVal = hasVal ? data.yVal.length : 0;
  const earlyStopping = hasVal && opts.patience > 0;
  const theta = initialParams(config);
  const grad = new Float32Array(layout.size);
  const optimizer = createOptimizer(layout.size, {
    kind: opts.optimizer,
    learningRate: opts.learningRate,
    penalty: regularizerOf(opts.reg.type).penalty.kernelPenalty(opts.reg, n),
    kernelSize: layout.kernelSize,
  });

  // Everything created here is disposed in `finally`.
  const owned: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => (owned.push(t), t);
  const xTrain = keep(tf.tensor2d(data.xTrain, [n, d]));
  const yTrain = keep(tf.tensor2d(yRows, [n, outputs]));
  const xVal = hasVal ? keep(tf.tensor2d(data.xVal, [nVal, d])) : undefined;
  const yVal = hasVal ? keep(tf.tensor2d(targetRows(fitted(data.yVal), outputs), [nVal, outputs])) : undefined;
  // The targets in their own units, for the returned model's metrics (the same tensors without a scale).
  const yTrainOut = target ? keep(tf.tensor2d(data.yTrain, [n, 1])) : yTrain;
  const yValOut = target && hasVal ? keep(tf.tensor2d(data.yVal, [nVal, 1])) : yVal;
  // The per-epoch evaluation runs the training and validation rows in one forward pass.
  const xEval = hasVal ? keep(tf.concat2d([xTrain, xVal!], 0)) : xTrain;
  const yEval = hasVal ? keep(tf.concat2d([yTrain, yVal!], 0)) : yTrain;
  // The parameters on the device, uploaded after every update (for the next step or the evaluation).
  let params = uploadParams(config, layout, theta);

  const rng = createRng(deriveSeed(opts.seed, 7));
  const batchSize = Math.min(opts.batchSize, n);
  const curves = { trainLoss: [] as number[], valLoss: [] as number[] };
  let best: { epoch: number; loss: number; weights: Float32Array } | undefined;
  let epoch = 0;
  let step = 0;
  try {
    for (epoch = 1; epoch <= opts.epochs; epoch++) {
      const order = permutation(n, rng);
      for (let start = 0; start < n; start += batchSize) {
        const idx = order.slice(start, start + batchSize);
        const rows = idx.length;
        step++;
        tf.tidy(() => {
          const xb = tf.tensor2d(gatherRows(data.xTrain, d, idx), [rows, d]);
          const yb = tf.tensor2d(gatherRows(yRows, outputs, idx), [rows, outputs]);
          const masks = stepMasks(config, rows, dropoutRate, deriveSeed(opts.seed, 100000 + step));
          batchGradient(params, layout, opts.task, xb, yb, masks, grad);
        });
        optimizer.step(theta, grad);
        disposeModel(params);
        params = uploadParams(config, layout, theta);
      }
      const [trainLoss, valLoss] = tf
        .tidy(() => {
          const losses = rowLosses(opts.task, forwardTrace(params, xEval).output, yEval);
          // Means on the device, in its precision: the kept epoch's validation loss equals its curve point.
          return tf.stack(hasVal ? [losses.slice(0, n).mean(), losses.slice(n, nVal).mean()] : [losses.mean()]).dataSync();
        })
        .map((l) => l * lossScale);
      if (!Number.isFinite(trainLoss)) {
        throw new TrainingDivergedError(
          `training diverged: the training loss is ${trainLoss} at epoch ${epoch}; lower training.learningRate (now ${opts.learningRate}) or lambda`,
        );
      }
      curves.trainLoss.push(trainLoss);
      if (hasVal) {
        curves.valLoss.push(valLoss);
        if (earlyStopping) {
          if (!best || valLoss < best.loss) best = { epoch, loss: valLoss, weights: theta.slice() };
          else if (epoch - best.epoch >= opts.patience) break;
        }
      }
    }
    const epochsRun = Math.min(epoch, opts.epochs);
    const kept = best ? best.weights : theta;
    const J = tf.tidy(() => {
      const keptParams = uploadParams(config, layout, kept);
      return objective(opts.task, forwardTrace(keptParams, xTrain).output, yTrain, keptParams.kernels, coeffs).dataSync()[0] * lossScale;
    });
    // The returned model predicts in the target's units: the scale folded into its output layer.
    const model = modelFromFlat(config, target ? scaleOutput(config, kept, target) : kept);
    const bestEpoch = best ? best.epoch : epochsRun;
    const trainMetrics = evaluate(model, opts.task, xTrain, yTrainOut);
    const validation = hasVal ? evaluate(model, opts.task, xVal!, yValOut!) : undefined;
    return { model, epochsRun, bestEpoch, train: trainMetrics, validation, objective: J, curves };
  } finally {
    disposeModel(params);
    for (const t of owned) t.dispose();
  }
}

/** Fraction of kernel weights that are exactly zero, and the input features the first layer still uses. */
export function sparsity(model: Params, featureNames: readonly string[]): { sparsity: number; selectedFeatures: string[] } {
  let zeros = 0;
  let total = 0;
  for (const k of model.kernels) {
    const v = k.dataSync();
    total += v.length;
    for (const x of v) if (x === 0) zeros++;
  }
  const first = model.kernels[0];
  const [rows, cols] = first.shape;
  const w = first.dataSync();
  const selectedFeatures = featureNames.filter((_, i) => {
    for (let j = 0; j < cols; j++) if (w[i * cols + j] !== 0) return true;
    return false;
  });
  if (rows !== featureNames.length) throw new Error(`model has ${rows} inputs but ${featureNames.length} feature names`);
  return { sparsity: total ? zeros / total : 0, selectedFeatures };
}

/** Coefficients (standardized units, in feature order) and intercept of a linear model. */
export function linearCoefficients(model: Params): { coefficients: number[]; intercept: number } | undefined {
  if (model.kernels.length !== 1 || model.config.outputs !== 1) return undefined;
  return { coefficients: Array.from(model.kernels[0].dataSync()), intercept: model.biases[0].dataSync()[0] };
}
