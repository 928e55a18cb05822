/**
 * The optimizer step on the host: Adam or plain SGD over the flat parameter vector (layout of model.ts: kernels
 * first), with the penalty applied on the kernels as the regularizer declares it (shared/regularizers: its smooth
 * part's gradient added, its non-smooth part a proximal step after the update; for L1, soft-thresholding). A few thousand parameters are updated in one JavaScript loop faster than by the
 * dozen TensorFlow.js ops the same update takes on the device (each op costs 5-15 µs of dispatch on wasm;
 * bench/README.md), and the host then holds the parameters for early stopping without a read back.
 */
import { separablePenalty, type KernelPenalty, type PenaltyWeights } from '../regularizers';

/** The penalty on the kernels: a regularizer's KernelPenalty, or a separable one's weights (c1 * sum|w| + c2 * sum w^2). */
export type OptimizerPenalty = { readonly penalty: KernelPenalty } | PenaltyWeights;

export type OptimizerSettings = OptimizerPenalty & {
  readonly kind: 'adam' | 'sgd';
  readonly learningRate: number;
  /** The kernels are parameters [0, kernelSize) (penalized); the biases follow (never penalized). */
  readonly kernelSize: number;
};

/** Adam's constants (as tf.train.adam's, with TensorFlow.js's epsilon). */
const [B1, B2, EPS] = [0.9, 0.999, 1e-7];

/**
 * An optimizer for `size` parameters: `step(theta, grad)` updates theta in place from the gradient of the
 * batch's data term (grad is overwritten). With Adam the L1 threshold is scaled per coordinate by Adam's own
 * step size, so a fixed point is a stationary point of J.
 */
export function createOptimizer(size: number, s: OptimizerSettings): { step(theta: Float32Array, grad: Float32Array): void } {
  const { learningRate: lr, kernelSize } = s;
  const penalty = 'penalty' in s ? s.penalty : separablePenalty(s);
  if (s.kind === 'sgd') {
    return {
      step(theta, grad) {
        penalty.addGradient(theta, grad, kernelSize);
        for (let i = 0; i < size; i++) theta[i] -= lr * grad[i];
        penalty.prox(theta, kernelSize, lr);
      },
    };
  }
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  const rate = new Float64Array(size);
  let t = 0;
  return {
    step(theta, grad) {
      t++;
      penalty.addGradient(theta, grad, kernelSize);
      const lrT = (lr * Math.sqrt(1 - B2 ** t)) / (1 - B1 ** t);
      for (let i = 0; i < size; i++) {
        const g = grad[i];
        const mi = (m[i] = B1 * m[i] + (1 - B1) * g);
        const vi = (v[i] = B2 * v[i] + (1 - B2) * g * g);
        const r = (rate[i] = lrT / (Math.sqrt(vi) + EPS));
        theta[i] -= mi * r;
      }
      penalty.prox(theta, kernelSize, rate);
    },
  };
}
