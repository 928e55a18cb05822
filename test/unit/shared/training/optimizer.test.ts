import * as tf from '@tensorflow/tfjs';
import { createOptimizer } from '../../../../shared/training/optimizer';
import { ready } from '../../../support/tf';

beforeAll(ready);

/** The t-th gradient of a fixed sequence of magnitude ~1 (so epsilon plays no part), the same for both optimizers. */
const gradientAt = (t: number) => Float32Array.from([Math.sin(t), Math.cos(0.7 * t) - 0.3, 0.5 + Math.sin(1.3 * t)]);

describe('host optimizer', () => {
  it("takes TensorFlow.js's Adam steps (same betas and epsilon): the same trajectory to 1e-5 relative over 200 steps", () => {
    // Prepare
    const theta = Float32Array.from([0.3, -0.2, 0.1]);
    const reference = tf.variable(tf.tensor1d(theta));
    const adam = tf.train.adam(0.05, 0.9, 0.999, 1e-7);
    const ours = createOptimizer(3, { kind: 'adam', learningRate: 0.05, l1: 0, l2: 0, kernelSize: 3 });

    // Act: step both, comparing at every step (the early steps are where the bias correction shows)
    let largest = 0; // relative to max(1, |parameter|)
    for (let t = 0; t < 200; t++) {
      ours.step(theta, gradientAt(t));
      tf.tidy(() => adam.applyGradients([{ name: reference.name, tensor: tf.tensor1d(gradientAt(t)) }]));
      const expected = reference.dataSync();
      theta.forEach((v, i) => (largest = Math.max(largest, Math.abs(v - expected[i]) / Math.max(1, Math.abs(expected[i])))));
    }
    reference.dispose();
    adam.dispose();

    // Assess: float32 rounding (TensorFlow.js keeps m and v in float32) accumulates to ~1e-6 of the parameters
    expect(largest).toBeLessThan(1e-5);
  });

  it('adds the L2 gradient 2 c2 w on the kernels only and soft-thresholds them by lr * c1 (SGD)', () => {
    // Prepare: two kernel entries, one bias; zero data gradient.
    const theta = Float32Array.from([1, -0.004, 1]);
    const sgd = createOptimizer(3, { kind: 'sgd', learningRate: 0.1, l1: 0.05, l2: 0.5, kernelSize: 2 });

    // Act
    sgd.step(theta, new Float32Array(3));

    // Assess: w - lr * 2 c2 w = 0.9 w, then shrunk by lr * c1 = 0.005 towards 0; the bias is untouched.
    expect(theta[0]).toBeCloseTo(0.9 - 0.005, 7);
    expect(theta[1]).toBe(0); // |0.9 * -0.004| = 0.0036 < 0.005: an exact zero
    expect(theta[2]).toBe(1);
  });
});
