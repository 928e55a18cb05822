/**
 * evaluateLinear (the metrics of an exact linear answer, on the host) against evaluateRows (the same metrics from a
 * tfjs model of the same coefficients): regression, two classes and three classes, on random rows.
 */
import { evaluateLinear } from '../../../../shared/training/linear/evaluate';
import { disposeModel, modelFromFlat, paramLayout } from '../../../../shared/training/model';
import { evaluateRows } from '../../../../shared/training/train';
import { createRng } from '../../../../shared/util/random';
import { ready } from '../../../support/tf';

beforeAll(ready);

function case_(n: number, p: number, K: number, labels: number | undefined, seed: number) {
  const rng = createRng(seed);
  const x = Float32Array.from({ length: n * p }, () => rng() * 4 - 2);
  const weights = Float64Array.from({ length: p * K }, () => rng() * 3 - 1.5);
  const intercepts = Float64Array.from({ length: K }, () => rng() - 0.5);
  const y = Float32Array.from({ length: n }, () => (labels ? Math.floor(rng() * labels) : rng() * 100 - 20));
  return { x, weights, intercepts, y };
}

function viaModel(task: 'regression' | 'classification', c: ReturnType<typeof case_>) {
  const K = c.intercepts.length;
  const p = c.weights.length / K;
  const config = { inputs: p, outputs: K, hidden: [], activation: 'relu' as const, seed: 1 };
  const flat = new Float32Array(paramLayout(config).size);
  flat.set(c.weights);
  flat.set(c.intercepts, c.weights.length);
  const model = modelFromFlat(config, flat);
  try {
    return evaluateRows(model, task, c.x, c.y);
  } finally {
    disposeModel(model);
  }
}

describe('evaluateLinear: the metrics of a linear answer without a tfjs model', () => {
  it('regression: MSE and R² as evaluateRows gives them (float32 model: 1e-5 relative)', () => {
    const c = case_(200, 7, 1, undefined, 3);
    const host = evaluateLinear('regression', c.weights, c.intercepts, c.x, c.y);
    const tf = viaModel('regression', c);
    expect(host.loss).toBeCloseTo(tf.loss, 0);
    expect(Math.abs(host.loss - tf.loss) / tf.loss).toBeLessThan(1e-5);
    expect(host.r2).toBeCloseTo(tf.r2!, 5);
    // By hand on two rows: predictions 1*2 + 0.5 = 2.5 and 1*(-1) + 0.5 = -0.5 against 3 and 0: MSE 0.25; Var(y) 2.25.
    const tiny = evaluateLinear('regression', Float64Array.of(1), Float64Array.of(0.5), Float32Array.of(2, -1), Float32Array.of(3, 0));
    expect(tiny.loss).toBeCloseTo(0.25, 12);
    expect(tiny.r2).toBeCloseTo(1 - 0.25 / 2.25, 12);
  });

  it.each([
    ['two classes (one logit)', 1, 2],
    ['three classes (softmax)', 3, 3],
  ])('classification, %s: cross-entropy and the scores as evaluateRows gives them', (_, K, classes) => {
    const c = case_(300, 5, K, classes, 11);
    const host = evaluateLinear('classification', c.weights, c.intercepts, c.x, c.y);
    const tf = viaModel('classification', c);
    expect(Math.abs(host.loss - tf.loss) / tf.loss).toBeLessThan(1e-5);
    expect(host.accuracy).toBe(tf.accuracy);
    expect(host.balancedAccuracy).toBeCloseTo(tf.balancedAccuracy!, 12);
    expect(host.macroF1).toBeCloseTo(tf.macroF1!, 12);
    expect(host.rocAuc).toBeCloseTo(tf.rocAuc!, 4);
  });

  it('a confident wrong logit costs its full loss, not a rounded-off infinity (log-sum-exp)', () => {
    // One row, logit 800 for class 1, label 0: the loss is 800 (+ log(1 + e^-800)).
    const r = evaluateLinear('classification', Float64Array.of(1), Float64Array.of(0), Float32Array.of(800), Float32Array.of(0));
    expect(r.loss).toBeCloseTo(800, 9);
  });
});
