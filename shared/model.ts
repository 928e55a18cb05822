/**
 * The model: an MLP (dense layers with an activation) or, with no hidden layer, a linear model. Its
 * parameters are plain tf.Variables so training can apply the penalties, the proximal L1 step and inverted
 * dropout exactly as DESIGN.md states them; `toLayersModel` turns the trained weights into a standard
 * tf.LayersModel for saving and serving (dropout is the identity at inference, so predictions agree).
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from './random';

export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'elu';

export interface ModelConfig {
  readonly inputs: number;
  /** 1 for regression and binary classification, K for K-class classification. */
  readonly outputs: number;
  /** Hidden layer sizes; [] gives a linear model. */
  readonly hidden: readonly number[];
  readonly activation: Activation;
  readonly seed: number;
  /** Initial value of the output biases (e.g. the mean target of a regression). @default 0 */
  readonly outputBias?: number;
}

export interface Model {
  readonly config: ModelConfig;
  /** Kernels (weight matrices), penalized; layer i maps sizes[i] -> sizes[i+1]. */
  readonly kernels: tf.Variable[];
  /** Biases, never penalized. */
  readonly biases: tf.Variable[];
}

/** A fresh model: Glorot-uniform kernels from the seed, zero biases (output bias as configured). */
export function createModel(config: ModelConfig): Model {
  const sizes = [config.inputs, ...config.hidden, config.outputs];
  const kernels: tf.Variable[] = [];
  const biases: tf.Variable[] = [];
  for (let i = 0; i < sizes.length - 1; i++) {
    const [fanIn, fanOut] = [sizes[i], sizes[i + 1]];
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const last = i === sizes.length - 2;
    kernels.push(tf.tidy(() => tf.variable(tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', deriveSeed(config.seed, 1000 + i)))));
    biases.push(tf.tidy(() => tf.variable(tf.fill([fanOut], last ? (config.outputBias ?? 0) : 0))));
  }
  return { config, kernels, biases };
}

export function disposeModel(model: Model): void {
  for (const v of [...model.kernels, ...model.biases]) v.dispose();
}

function activate(x: tf.Tensor2D, a: Activation): tf.Tensor2D {
  switch (a) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'elu':
      return tf.elu(x);
  }
}

/**
 * Inverted dropout: each unit is dropped with probability `rate`, survivors are scaled by 1/(1-rate), so
 * the expected output equals the input. `seed` fixes the mask.
 */
export function invertedDropout(x: tf.Tensor2D, rate: number, seed: number): tf.Tensor2D {
  if (rate <= 0) return x;
  return tf.tidy(() => {
    const keep = tf.randomUniform(x.shape, 0, 1, 'float32', seed).greaterEqual(rate);
    return tf.mul(x, tf.mul(keep.cast('float32'), 1 / (1 - rate))) as tf.Tensor2D;
  });
}

export interface ForwardOptions {
  /** Dropout rate at training time; 0 (or inference) means none. */
  readonly dropoutRate?: number;
  /** Seed of this step's dropout masks (each layer derives its own). */
  readonly dropoutSeed?: number;
}

/**
 * The model's raw output (regression value or logits). With a dropout rate, inverted dropout is applied to
 * every hidden layer's output, or to the inputs of a linear model. Without one it is inference.
 */
export function forward(model: Model, x: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor2D {
  const rate = opts.dropoutRate ?? 0;
  const n = model.kernels.length;
  let h = x;
  if (rate > 0 && n === 1) h = invertedDropout(h, rate, deriveSeed(opts.dropoutSeed ?? 0, 0));
  for (let i = 0; i < n; i++) {
    h = tf.add(tf.matMul(h, model.kernels[i]), model.biases[i]) as tf.Tensor2D;
    if (i < n - 1) {
      h = activate(h, model.config.activation);
      if (rate > 0) h = invertedDropout(h, rate, deriveSeed(opts.dropoutSeed ?? 0, i + 1));
    }
  }
  return h;
}

/** A snapshot of the parameters (for early stopping); dispose with disposeWeights. */
export function cloneWeights(model: Model): tf.Tensor[] {
  return [...model.kernels, ...model.biases].map((v) => tf.clone(v));
}

export function assignWeights(model: Model, weights: tf.Tensor[]): void {
  [...model.kernels, ...model.biases].forEach((v, i) => v.assign(weights[i]));
}

export function disposeWeights(weights: tf.Tensor[]): void {
  for (const w of weights) w.dispose();
}

/**
 * A standard tf.LayersModel with the same weights, for tf.io saving and tf.loadLayersModel: Dense layers
 * (dropout layers included for the record; the identity at inference). The output layer is linear
 * (regression value or logits); `outputActivation` adds sigmoid/softmax for classification.
 */
export function toLayersModel(model: Model, dropoutRate = 0, outputActivation: 'linear' | 'sigmoid' | 'softmax' = 'linear'): tf.Sequential {
  const { inputs, hidden, outputs, activation } = model.config;
  const seq = tf.sequential();
  const sizes = [...hidden, outputs];
  if (dropoutRate > 0 && hidden.length === 0) seq.add(tf.layers.dropout({ rate: dropoutRate, inputShape: [inputs] }));
  sizes.forEach((units, i) => {
    const last = i === sizes.length - 1;
    seq.add(
      tf.layers.dense({
        units,
        activation: last ? outputActivation : activation,
        ...(seq.layers.length === 0 ? { inputShape: [inputs] } : {}),
      }),
    );
    if (!last && dropoutRate > 0) seq.add(tf.layers.dropout({ rate: dropoutRate }));
  });
  const weights: tf.Tensor[] = [];
  model.kernels.forEach((k, i) => weights.push(k, model.biases[i]));
  seq.setWeights(weights);
  return seq;
}
