/**
 * Training with the regularization of one trial, following the formulas of docs/ARCHITECTURE.md (m = training rows, kernels
 * only, never biases):
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
import type { RegConfig } from '../search/grid';
import {
  activationGrad,
  forwardTrace,
  initialParams,
  modelFromFlat,
  paramLayout,
  scaleOutput,
  paramViews,
  stepMasks,
  type Activation,
  type Model,
  type ModelConfig,
  type Params,
} from './model';
import { createRng, deriveSeed, permutation } from '../util/random';
import type { Task } from '../search/spec';

/** The penalty's coefficients: c1 * sum|w| + c2 * sum w^2. */
export interface PenaltyCoefficients {
  readonly l1: number;
  readonly l2: number;
}

/** c1 = lambda * l1Ratio / 2m, c2 = lambda * (1 - l1Ratio) / 2m (both 0 for none and dropout). */
export function penaltyCoefficients(reg: RegConfig, m: number): PenaltyCoefficients {
  if (reg.lambda === 0) return { l1: 0, l2: 0 };
  return { l1: (reg.lambda * reg.l1Ratio) / (2 * m), l2: (reg.lambda * (1 - reg.l1Ratio)) / (2 * m) };
}

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
 * The data term of J on a batch: (1/2b) sum (h - y)^2 for regression; mean cross-entropy for classification
 * (sigmoid on one logit for two classes, softmax over K logits otherwise; `y` then holds one-hot rows).
 */
export function dataTerm(task: Task, pred: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    if (task === 'regression') return tf.squaredDifference(pred, y).mean().div<tf.Scalar>(2);
    if (pred.shape[1] === 1) return tf.losses.sigmoidCrossEntropy<tf.Tensor2D, tf.Scalar>(y, pred);
    return tf.losses.softmaxCrossEntropy<tf.Tensor2D, tf.Scalar>(y, pred);
  });
}

/** The full objective J = data term + penalty (what the optimizer minimizes; L1 through the prox step). */
export function objective(task: Task, pred: tf.Tensor2D, y: tf.Tensor2D, kernels: readonly tf.Tensor[], c: PenaltyCoefficients): tf.Scalar {
  return tf.tidy(() => dataTerm(task, pred, y).add(penaltyTerm(kernels, c)));
}

/** Soft-thresholding: sign(w) * max(|w| - t, 0), the proximal operator of t * |w|. */
export function softThreshold(w: tf.Tensor, t: tf.Tensor | number): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.sign(w), tf.relu(tf.sub(tf.abs(w), t))));
}

type OptimizerKind = 'adam' | 'sgd';

/** The gradient of the batch's data term with respect to the model output (regression value or logits). */
function outputGrad(task: Task, output: tf.Tensor2D, y: tf.Tensor2D, invBatch: tf.Scalar): tf.Tensor2D {
  if (task === 'regression') return tf.mul(tf.sub(output, y), invBatch); // d/dh of (1/2b) sum (h - y)^2
  const p = output.shape[1] === 1 ? tf.sigmoid(output) : tf.softmax(output);
  return tf.mul(tf.sub(p, y), invBatch); // mean cross-entropy on logits
}

/**
 * The gradient of the batch objective (data term + L2 term; L1 goes through the prox step), by explicit
 * backpropagation through the dense layers, flat in the parameter layout's order. Written out instead of
 * taped autodiff because the tape's per-op bookkeeping dominated a small model's step (bench/README.md);
 * a test checks it against tf.variableGrads.
 */
export function batchGradient(
  params: Params,
  flat: tf.Tensor1D,
  task: Task,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  masks: readonly tf.Tensor2D[],
  l2: { readonly coefficient: number; readonly kernelMask?: tf.Tensor1D },
  invBatch: tf.Scalar,
): tf.Tensor1D {
  const trace = forwardTrace(params, x, masks);
  const n = params.kernels.length;
  const dKernels = new Array<tf.Tensor>(n);
  const dBiases = new Array<tf.Tensor>(n);
  let dz = outputGrad(task, trace.output, y, invBatch);
  for (let i = n - 1; i >= 0; i--) {
    // Explicit transposes: tfjs-wasm's matMul with a transpose flag is several times slower than
    // transpose + matMul on these small shapes (bench/README.md).
    dKernels[i] = tf.matMul(tf.transpose(trace.layerInputs[i]), dz).reshape([-1]);
    dBiases[i] = tf.sum(dz, 0);
    if (i > 0) {
      let dh = tf.matMul(dz, tf.transpose(params.kernels[i]));
      if (masks.length) dh = tf.mul(dh, masks[i - 1]);
      dz = tf.mul(dh, activationGrad(trace.activations[i - 1], params.config.activation));
    }
  }
  const grad = tf.concat([...dKernels, ...dBiases], 0) as tf.Tensor1D;
  if (l2.coefficient > 0 && l2.kernelMask) return tf.add(grad, tf.mul(tf.mul(flat, l2.kernelMask), 2 * l2.coefficient));
  return grad;
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

export interface Metrics {
  /** Mean squared error (regression) or mean cross-entropy (classification). */
  readonly loss: number;
  readonly r2?: number;
  readonly accuracy?: number;
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

/** The loss alone: mean squared error, or mean cross-entropy (what the curves and early stopping use). */
function lossTensor(params: Params, task: Task, x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  const pred = forwardTrace(params, x).output;
  return task === 'regression' ? tf.squaredDifference(pred, y).mean<tf.Scalar>() : dataTerm(task, pred, y);
}

/** Loss (MSE, or mean cross-entropy) and R² or accuracy, as tensors (for one read per epoch). */
function metricTensors(params: Params, task: Task, x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar[] {
  const pred = forwardTrace(params, x).output;
  if (task === 'regression') {
    const mse = tf.squaredDifference(pred, y).mean<tf.Scalar>();
    const variance = tf.moments(y).variance as tf.Scalar;
    return [mse, tf.sub(1, tf.div(mse, variance))];
  }
  const loss = dataTerm(task, pred, y);
  const predicted = pred.shape[1] === 1 ? pred.greater(0).cast('int32').reshape([-1]) : pred.argMax(1);
  const actual = y.shape[1] === 1 ? y.reshape([-1]).cast('int32') : y.argMax(1);
  return [loss, predicted.equal(actual).cast('float32').mean<tf.Scalar>()];
}

function toMetrics(task: Task, values: ArrayLike<number>): Metrics {
  const [loss, second] = [values[0], values[1]];
  return task === 'regression' ? { loss, r2: second } : { loss, accuracy: second };
}

/** Loss and R² or accuracy of the model (inference: no dropout). */
export function evaluate(params: Params, task: Task, x: tf.Tensor2D, y: tf.Tensor2D): Metrics {
  return toMetrics(
    task,
    tf.tidy(() => tf.stack(metricTensors(params, task, x, y)).dataSync()),
  );
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
  const lr = opts.learningRate;
  const [b1, b2, eps] = [0.9, 0.999, 1e-7];
  const yRows = targetRows(fitted(data.yTrain), outputs);
  const hasVal = data.xVal !== undefined && data.yVal !== undefined && data.yVal.length > 0;
  const earlyStopping = hasVal && opts.patience > 0;

  // Everything created here is disposed in `finally`.
  const owned: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => (owned.push(t), t);
  const theta = keep(tf.tidy(() => tf.variable(tf.tensor1d(initialParams(config)), false)));
  const m = opts.optimizer === 'adam' ? keep(tf.tidy(() => tf.variable(tf.zeros([layout.size]), false))) : undefined;
  const v = opts.optimizer === 'adam' ? keep(tf.tidy(() => tf.variable(tf.zeros([layout.size]), false))) : undefined;
  const kernelMask = coeffs.l1 > 0 || coeffs.l2 > 0 ? keep(tf.tensor1d(new Float32Array(layout.size).fill(1, 0, layout.kernelSize))) : undefined;
  const l1Mask = coeffs.l1 > 0 ? keep(tf.mul<tf.Tensor1D>(kernelMask!, coeffs.l1)) : undefined;
  const constants = new Map<number, tf.Scalar>();
  const constant = (x: number) => constants.get(x) ?? (constants.set(x, keep(tf.keep(tf.scalar(x)))), constants.get(x)!);
  const xTrain = keep(tf.tensor2d(data.xTrain, [n, d]));
  const yTrain = keep(tf.tensor2d(yRows, [n, outputs]));
  const xVal = hasVal ? keep(tf.tensor2d(data.xVal, [data.yVal.length, d])) : undefined;
  const yVal = hasVal ? keep(tf.tensor2d(targetRows(fitted(data.yVal), outputs), [data.yVal.length, outputs])) : undefined;
  // The targets in their own units, for the returned model's metrics (the same tensors without a scale).
  const yTrainOut = target ? keep(tf.tensor2d(data.yTrain, [n, 1])) : yTrain;
  const yValOut = target && hasVal ? keep(tf.tensor2d(data.yVal, [data.yVal.length, 1])) : yVal;

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
          const params = paramViews(config, layout, theta);
          const g = batchGradient(params, theta, opts.task, xb, yb, masks, { coefficient: coeffs.l2, kernelMask }, constant(1 / rows));
          let next: tf.Tensor1D;
          let threshold: tf.Tensor1D | undefined;
          if (m && v) {
            // Adam, with the L1 threshold scaled per coordinate by Adam's own step size.
            const lrT = tf.scalar((lr * Math.sqrt(1 - b2 ** step)) / (1 - b1 ** step));
            const mNext = tf.add(tf.mul(m, constant(b1)), tf.mul(g, constant(1 - b1)));
            const vNext = tf.add(tf.mul(v, constant(b2)), tf.mul(tf.square(g), constant(1 - b2)));
            m.assign(mNext);
            v.assign(vNext);
            const rate = tf.div(lrT, tf.add(tf.sqrt(vNext), constant(eps)));
            next = tf.sub<tf.Tensor1D>(theta, tf.mul(mNext, rate));
            if (l1Mask) threshold = tf.mul<tf.Tensor1D>(l1Mask, rate);
          } else {
            next = tf.sub<tf.Tensor1D>(theta, tf.mul(g, constant(lr)));
            if (l1Mask) threshold = tf.mul<tf.Tensor1D>(l1Mask, constant(lr));
          }
          theta.assign(threshold ? (softThreshold(next, threshold) as tf.Tensor1D) : next);
        });
      }
      const [trainLoss, valLoss] = tf
        .tidy(() => {
          const params = paramViews(config, layout, theta);
          const losses = [lossTensor(params, opts.task, xTrain, yTrain)];
          if (hasVal) losses.push(lossTensor(params, opts.task, xVal!, yVal!));
          return tf.stack(losses).dataSync();
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
          if (!best || valLoss < best.loss) best = { epoch, loss: valLoss, weights: theta.dataSync().slice() as Float32Array };
          else if (epoch - best.epoch >= opts.patience) break;
        }
      }
    }
    const epochsRun = Math.min(epoch, opts.epochs);
    const kept = best ? best.weights : (theta.dataSync() as Float32Array);
    const J = tf.tidy(() => {
      const params = paramViews(config, layout, tf.tensor1d(kept));
      return objective(opts.task, forwardTrace(params, xTrain).output, yTrain, params.kernels, coeffs).dataSync()[0] * lossScale;
    });
    // The returned model predicts in the target's units: the scale folded into its output layer.
    const model = modelFromFlat(config, target ? scaleOutput(config, kept, target) : kept);
    const bestEpoch = best ? best.epoch : epochsRun;
    const trainMetrics = evaluate(model, opts.task, xTrain, yTrainOut);
    const validation = hasVal ? evaluate(model, opts.task, xVal!, yValOut!) : undefined;
    return { model, epochsRun, bestEpoch, train: trainMetrics, validation, objective: J, curves };
  } finally {
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
