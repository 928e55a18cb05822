/**
 * The model: an MLP (dense layers with an activation) or, with no hidden layer, a linear model. Its
 * parameters are plain tensors so training can apply the penalties, the proximal L1 step and inverted dropout
 * exactly as docs/ARCHITECTURE.md states them; `toLayersModel` turns the trained weights into a standard tf.LayersModel for
 * saving and serving (dropout is the identity at inference, so predictions agree).
 *
 * During training the parameters live in ONE flat vector (kernels first, then biases, layer by layer), so the
 * optimizer updates them with a handful of ops instead of a handful per tensor (see bench/README.md).
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed, type Rng } from '../util/random';

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

/** Parameters of a model as tensors: kernels (penalized) and biases (never penalized), layer by layer. */
export interface Params {
  readonly config: ModelConfig;
  readonly kernels: readonly tf.Tensor2D[];
  readonly biases: readonly tf.Tensor1D[];
}

/** A trained model: its parameters as variables. */
export interface Model extends Params {
  readonly kernels: tf.Variable<tf.Rank.R2>[];
  readonly biases: tf.Variable<tf.Rank.R1>[];
}

/** Where each parameter sits in the flat vector: all kernels, then all biases. */
export interface ParamLayout {
  readonly kernels: { readonly offset: number; readonly shape: [number, number] }[];
  readonly biases: { readonly offset: number; readonly size: number }[];
  /** Number of kernel entries (the penalized part, at the front). */
  readonly kernelSize: number;
  readonly size: number;
}

export function paramLayout(config: ModelConfig): ParamLayout {
  const sizes = [config.inputs, ...config.hidden, config.outputs];
  const kernels: ParamLayout['kernels'] = [];
  const biases: ParamLayout['biases'] = [];
  let offset = 0;
  for (let i = 0; i < sizes.length - 1; i++) {
    kernels.push({ offset, shape: [sizes[i], sizes[i + 1]] });
    offset += sizes[i] * sizes[i + 1];
  }
  const kernelSize = offset;
  for (let i = 1; i < sizes.length; i++) {
    biases.push({ offset, size: sizes[i] });
    offset += sizes[i];
  }
  return { kernels, biases, kernelSize, size: offset };
}

/** Fresh parameters: Glorot-uniform kernels from the seed, zero biases (output bias as configured). */
export function initialParams(config: ModelConfig): Float32Array {
  const layout = paramLayout(config);
  const flat = new Float32Array(layout.size);
  layout.kernels.forEach(({ offset, shape: [fanIn, fanOut] }, i) => {
    const rng = createRng(deriveSeed(config.seed, 1000 + i));
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let j = 0; j < fanIn * fanOut; j++) flat[offset + j] = (2 * rng() - 1) * limit;
  });
  const out = layout.biases[layout.biases.length - 1];
  flat.fill(config.outputBias ?? 0, out.offset, out.offset + out.size);
  return flat;
}

/** Views of a flat parameter vector as kernels and biases (tensors owned by the current tidy scope). */
export function paramViews(config: ModelConfig, layout: ParamLayout, flat: tf.Tensor1D): Params {
  return {
    config,
    kernels: layout.kernels.map(({ offset, shape }) => tf.slice(flat, offset, shape[0] * shape[1]).reshape<tf.Tensor2D>(shape)),
    biases: layout.biases.map(({ offset, size }) => tf.slice(flat, offset, size)),
  };
}

/** A model whose variables hold the given flat parameters. */
export function modelFromFlat(config: ModelConfig, flat: Float32Array): Model {
  const layout = paramLayout(config);
  return {
    config,
    kernels: layout.kernels.map(({ offset, shape }) =>
      tf.tidy(() => tf.variable(tf.tensor2d(flat.subarray(offset, offset + shape[0] * shape[1]), shape), true)),
    ),
    biases: layout.biases.map(({ offset, size }) => tf.tidy(() => tf.variable(tf.tensor1d(flat.subarray(offset, offset + size)), true))),
  };
}

/**
 * Flat parameters whose output is `mean + std * output`: the output layer's kernel and bias scaled by std and
 * the bias shifted by mean (a regression trained on a standardized target, answering in the target's units).
 */
export function scaleOutput(config: ModelConfig, flat: Float32Array, scale: { readonly mean: number; readonly std: number }): Float32Array {
  const layout = paramLayout(config);
  const out = flat.slice();
  const kernel = layout.kernels[layout.kernels.length - 1];
  const bias = layout.biases[layout.biases.length - 1];
  for (let i = kernel.offset; i < kernel.offset + kernel.shape[0] * kernel.shape[1]; i++) out[i] *= scale.std;
  for (let i = bias.offset; i < bias.offset + bias.size; i++) out[i] = out[i] * scale.std + scale.mean;
  return out;
}

/** A fresh model (see initialParams). */
export function createModel(config: ModelConfig): Model {
  return modelFromFlat(config, initialParams(config));
}

export function disposeModel(model: Model): void {
  for (const v of [...model.kernels, ...model.biases]) v.dispose();
}

export function activate(x: tf.Tensor2D, a: Activation): tf.Tensor2D {
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
 * The derivative of the activation, written in terms of its output A (all four are): relu' = [A > 0],
 * tanh' = 1 - A^2, sigmoid' = A (1 - A), elu' = 1 where A > 0 else A + 1.
 */
export function activationGrad(a: tf.Tensor2D, kind: Activation): tf.Tensor2D {
  switch (kind) {
    case 'relu':
      return tf.step(a);
    case 'tanh':
      return tf.sub<tf.Tensor2D>(1, tf.square(a));
    case 'sigmoid':
      return tf.mul<tf.Tensor2D>(a, tf.sub(1, a));
    case 'elu':
      return tf.where(tf.greater(a, 0), tf.onesLike(a), tf.add(a, 1)) as tf.Tensor2D;
  }
}

/**
 * An inverted-dropout mask: each entry is 0 with probability `rate`, else 1/(1-rate), so that x * mask has
 * the expectation of x. Drawn from the seeded generator on the host (the same on every backend).
 */
export function dropoutMask(rows: number, cols: number, rate: number, rng: Rng): Float32Array {
  const mask = new Float32Array(rows * cols);
  const keep = 1 / (1 - rate);
  for (let i = 0; i < mask.length; i++) mask[i] = rng() >= rate ? keep : 0;
  return mask;
}

/** Inverted dropout of x with the mask drawn from `seed`. */
export function invertedDropout(x: tf.Tensor2D, rate: number, seed: number): tf.Tensor2D {
  if (rate <= 0) return x;
  const [rows, cols] = x.shape;
  return tf.tidy(() => tf.mul(x, tf.tensor2d(dropoutMask(rows, cols, rate, createRng(seed)), [rows, cols])));
}

/**
 * Masks for one training step: for a linear model one over the inputs, else one per hidden layer's output;
 * empty without dropout.
 */
export function stepMasks(config: ModelConfig, rows: number, rate: number, seed: number): tf.Tensor2D[] {
  if (rate <= 0) return [];
  const rng = createRng(seed);
  const widths = config.hidden.length === 0 ? [config.inputs] : config.hidden;
  return widths.map((w) => tf.tensor2d(dropoutMask(rows, w, rate, rng), [rows, w]));
}

export interface ForwardTrace {
  /** The output (regression value or logits). */
  readonly output: tf.Tensor2D;
  /** The input each layer multiplied (after dropout), for the backward pass. */
  readonly layerInputs: tf.Tensor2D[];
  /** Each hidden layer's activation before dropout (for the activation's derivative). */
  readonly activations: tf.Tensor2D[];
}

/**
 * The forward pass with explicit dropout masks (see stepMasks; none = inference), keeping what the backward
 * pass needs. Inverted dropout applies to every hidden layer's output, or to the inputs of a linear model.
 */
export function forwardTrace(params: Params, x: tf.Tensor2D, masks: readonly tf.Tensor2D[] = []): ForwardTrace {
  const n = params.kernels.length;
  const layerInputs: tf.Tensor2D[] = [];
  const activations: tf.Tensor2D[] = [];
  let h: tf.Tensor2D = n === 1 && masks.length ? tf.mul(x, masks[0]) : x;
  for (let i = 0; i < n; i++) {
    layerInputs.push(h);
    const z = tf.add<tf.Tensor2D>(tf.matMul(h, params.kernels[i]), params.biases[i]);
    if (i === n - 1) return { output: z, layerInputs, activations };
    const a = activate(z, params.config.activation);
    activations.push(a);
    h = masks.length ? tf.mul(a, masks[i]) : a;
  }
  throw new Error('a model has at least one layer');
}

export interface ForwardOptions {
  /** Dropout rate at training time; 0 (or inference) means none. */
  readonly dropoutRate?: number;
  /** Seed of this step's dropout masks. */
  readonly dropoutSeed?: number;
}

/** The model's output (regression value or logits); with a dropout rate, a training-time pass. */
export function forward(params: Params, x: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor2D {
  const rate = opts.dropoutRate ?? 0;
  return tf.tidy(() => forwardTrace(params, x, rate > 0 ? stepMasks(params.config, x.shape[0], rate, opts.dropoutSeed ?? 0) : []).output);
}

/**
 * A standard tf.LayersModel with the same weights, for tf.io saving and tf.loadLayersModel: Dense layers
 * (dropout layers included for the record; the identity at inference). The output layer is linear
 * (regression value or logits); `outputActivation` adds sigmoid/softmax for classification.
 */
export function toLayersModel(model: Params, dropoutRate = 0, outputActivation: 'linear' | 'sigmoid' | 'softmax' = 'linear'): tf.Sequential {
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
