/**
 * Training with the regularization of one trial, following DESIGN.md's formulas (m = training rows, kernels
 * only, never biases):
 *   L1:  J = (1/2m) sum (h - y)^2 + (lambda/2m) sum |w|
 *   L2:  J = (1/2m) sum (h - y)^2 + (lambda/2m) sum w^2
 *   elastic net: (lambda/2m) * (l1Ratio * sum |w| + (1 - l1Ratio) * sum w^2)
 * Classification replaces the squared-error term by the mean cross-entropy. The L2 term is differentiated;
 * the L1 term is applied as a proximal step (soft-thresholding after each optimizer update), which gives exact
 * zeros. With Adam the threshold is scaled per coordinate by Adam's own step size, so a fixed point is a
 * stationary point of J. Dropout is inverted dropout (see model.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { RegConfig } from './grid';
import { assignWeights, cloneWeights, createModel, disposeWeights, forward, type Activation, type Model } from './model';
import { createRng, deriveSeed, permutation } from './random';
import type { Task } from './spec';

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
    if (task === 'regression') return tf.squaredDifference(pred, y).mean().div(2) as tf.Scalar;
    if (pred.shape[1] === 1) return tf.losses.sigmoidCrossEntropy(y, pred) as tf.Scalar;
    return tf.losses.softmaxCrossEntropy(y, pred) as tf.Scalar;
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

/** Adam or SGD with a proximal L1 step on the variables that have an l1 coefficient. */
class ProximalOptimizer {
  private t = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  constructor(
    private readonly vars: tf.Variable[],
    private readonly kind: OptimizerKind,
    private readonly lr: number,
    private readonly l1: number[],
  ) {
    const zeros = () => vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.m = kind === 'adam' ? zeros() : [];
    this.v = kind === 'adam' ? zeros() : [];
  }

  step(grads: tf.Tensor[]): void {
    this.t++;
    const [b1, b2, eps] = [0.9, 0.999, 1e-7];
    const lrT = this.kind === 'adam' ? (this.lr * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t) : this.lr;
    tf.tidy(() => {
      this.vars.forEach((w, i) => {
        const g = grads[i];
        let next: tf.Tensor;
        let threshold: tf.Tensor | number = lrT * this.l1[i];
        if (this.kind === 'adam') {
          const m = this.m[i].mul(b1).add(g.mul(1 - b1));
          const v = this.v[i].mul(b2).add(tf.square(g).mul(1 - b2));
          this.m[i].assign(m);
          this.v[i].assign(v);
          const denom = tf.sqrt(v).add(eps);
          next = w.sub(m.mul(lrT).div(denom));
          if (this.l1[i] > 0) threshold = tf.div(lrT * this.l1[i], denom);
        } else {
          next = w.sub(g.mul(lrT));
        }
        if (this.l1[i] > 0) next = softThreshold(next, threshold);
        w.assign(next);
      });
    });
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
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
  /** J (data term + penalty) on the training rows with the kept weights. */
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

/** Labels as the loss wants them: [n,1] values, or one-hot [n,K] for K > 2 classes. */
function targetTensor(task: Task, y: Float32Array, outputs: number): tf.Tensor2D {
  if (task === 'classification' && outputs > 1) {
    return tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(y), 'int32'), outputs).cast('float32') as tf.Tensor2D);
  }
  return tf.tensor2d(y, [y.length, 1]);
}

/** Loss and R² or accuracy of the model (inference: no dropout). */
export function evaluate(model: Model, task: Task, x: tf.Tensor2D, y: tf.Tensor2D): Metrics {
  return tf.tidy(() => {
    const pred = forward(model, x);
    if (task === 'regression') {
      const mse = tf.squaredDifference(pred, y).mean().dataSync()[0];
      const variance = tf.moments(y).variance.dataSync()[0];
      return { loss: mse, r2: variance > 0 ? 1 - mse / variance : NaN };
    }
    const loss = dataTerm(task, pred, y).dataSync()[0];
    const predicted = pred.shape[1] === 1 ? pred.greater(0).cast('int32').reshape([-1]) : pred.argMax(1);
    const actual = y.shape[1] === 1 ? y.reshape([-1]).cast('int32') : y.argMax(1);
    const accuracy = predicted.equal(actual).cast('float32').mean().dataSync()[0];
    return { loss, accuracy };
  });
}

function mean(a: Float32Array): number {
  let s = 0;
  for (const v of a) s += v;
  return a.length ? s / a.length : 0;
}

/**
 * Train one model. Deterministic from `opts.seed` (initial weights, batch order, dropout masks).
 * Leaves no tensors behind except the returned model's variables.
 */
export function train(data: TrainData, opts: TrainOptions): TrainResult {
  const n = data.yTrain.length;
  const d = data.features;
  const outputs = outputsFor(opts.task, opts.classes);
  const model = createModel({
    inputs: d,
    outputs,
    hidden: opts.hidden,
    activation: opts.activation,
    seed: opts.seed,
    // A regression output starts at the mean target (the target stays in its units).
    outputBias: opts.task === 'regression' ? mean(data.yTrain) : 0,
  });
  const coeffs = penaltyCoefficients(opts.reg, n);
  const vars = [...model.kernels, ...model.biases];
  const optimizer = new ProximalOptimizer(vars, opts.optimizer, opts.learningRate, vars.map((_, i) => (i < model.kernels.length ? coeffs.l1 : 0)));
  const l2Only: typeof coeffs = { l1: 0, l2: coeffs.l2 };
  const dropoutRate = opts.reg.dropoutRate;

  const xTrain = tf.tensor2d(data.xTrain, [n, d]);
  const yTrain = targetTensor(opts.task, data.yTrain, outputs);
  const hasVal = data.xVal !== undefined && data.yVal !== undefined && data.yVal.length > 0;
  const xVal = hasVal ? tf.tensor2d(data.xVal!, [data.yVal!.length, d]) : undefined;
  const yVal = hasVal ? targetTensor(opts.task, data.yVal!, outputs) : undefined;

  const rng = createRng(deriveSeed(opts.seed, 7));
  const batchSize = Math.min(opts.batchSize, n);
  const earlyStopping = hasVal && opts.patience > 0;
  const curves = { trainLoss: [] as number[], valLoss: [] as number[] };
  let best: { epoch: number; loss: number; weights: tf.Tensor[] } | undefined;
  let epoch = 0;
  let step = 0;
  try {
    for (epoch = 1; epoch <= opts.epochs; epoch++) {
      const order = permutation(n, rng);
      for (let start = 0; start < n; start += batchSize) {
        const idx = order.slice(start, start + batchSize);
        const dropoutSeed = deriveSeed(opts.seed, 100000 + step++);
        tf.tidy(() => {
          const indices = tf.tensor1d(idx, 'int32');
          const xb = tf.gather(xTrain, indices) as tf.Tensor2D;
          const yb = tf.gather(yTrain, indices) as tf.Tensor2D;
          const { grads } = tf.variableGrads(
            () => objective(opts.task, forward(model, xb, { dropoutRate, dropoutSeed }), yb, model.kernels, l2Only),
            vars,
          );
          optimizer.step(vars.map((v) => grads[v.name]));
        });
      }
      const trainLoss = evaluate(model, opts.task, xTrain, yTrain).loss;
      if (!Number.isFinite(trainLoss)) {
        throw new TrainingDivergedError(
          `training diverged: the training loss is ${trainLoss} at epoch ${epoch}; lower training.learningRate (now ${opts.learningRate}) or lambda`,
        );
      }
      curves.trainLoss.push(trainLoss);
      if (hasVal) {
        const valLoss = evaluate(model, opts.task, xVal!, yVal!).loss;
        curves.valLoss.push(valLoss);
        if (earlyStopping) {
          if (!best || valLoss < best.loss) {
            if (best) disposeWeights(best.weights);
            best = { epoch, loss: valLoss, weights: cloneWeights(model) };
          } else if (epoch - best.epoch >= opts.patience) {
            break;
          }
        }
      }
    }
    const epochsRun = Math.min(epoch, opts.epochs);
    if (best) assignWeights(model, best.weights);
    const bestEpoch = best ? best.epoch : epochsRun;
    const trainMetrics = evaluate(model, opts.task, xTrain, yTrain);
    const validation = hasVal ? evaluate(model, opts.task, xVal!, yVal!) : undefined;
    const J = tf.tidy(() => objective(opts.task, forward(model, xTrain), yTrain, model.kernels, coeffs).dataSync()[0]);
    return { model, epochsRun, bestEpoch, train: trainMetrics, validation, objective: J, curves };
  } catch (e) {
    for (const v of vars) v.dispose();
    throw e;
  } finally {
    if (best) disposeWeights(best.weights);
    optimizer.dispose();
    for (const t of [xTrain, yTrain, xVal, yVal]) t?.dispose();
  }
}

/** Fraction of kernel weights that are exactly zero, and the input features the first layer still uses. */
export function sparsity(model: Model, featureNames: readonly string[]): { sparsity: number; selectedFeatures: string[] } {
  let zeros = 0;
  let total = 0;
  for (const k of model.kernels) {
    const v = k.dataSync();
    total += v.length;
    for (const x of v) if (x === 0) zeros++;
  }
  const first = model.kernels[0];
  const [rows, cols] = first.shape as [number, number];
  const w = first.dataSync();
  const selectedFeatures = featureNames.filter((_, i) => {
    for (let j = 0; j < cols; j++) if (w[i * cols + j] !== 0) return true;
    return false;
  });
  if (rows !== featureNames.length) throw new Error(`model has ${rows} inputs but ${featureNames.length} feature names`);
  return { sparsity: total ? zeros / total : 0, selectedFeatures };
}

/** Coefficients (standardized units, in feature order) and intercept of a linear model. */
export function linearCoefficients(model: Model): { coefficients: number[]; intercept: number } | undefined {
  if (model.kernels.length !== 1 || model.config.outputs !== 1) return undefined;
  return { coefficients: Array.from(model.kernels[0].dataSync()), intercept: model.biases[0].dataSync()[0] };
}
