import * as tf from '@tensorflow/tfjs';
import { createModel, disposeModel, forward, forwardTrace, invertedDropout, paramLayout, stepMasks, type Activation } from '../../../../shared/training/model';
import { batchGradient, dataTerm, objective, penaltyCoefficients, penaltyTerm, train, type TrainOptions } from '../../../../shared/training/train';
import type { RegConfig } from '../../../../shared/search/grid';
import { regConfig } from '../../../support/artifacts';
import { lassoCD, relL2, ridgeClosedForm } from '../../../support/lasso';
import { ready, standardized } from '../../../support/tf';

const linearFullBatch = (n: number, r: RegConfig, over: Partial<TrainOptions> = {}): TrainOptions => ({
  task: 'regression',
  hidden: [],
  activation: 'relu',
  epochs: 3000,
  batchSize: n,
  learningRate: 0.05,
  optimizer: 'sgd',
  patience: 0,
  reg: r,
  seed: 1,
  ...over,
});

beforeAll(ready);

describe('penalized objective (the seed article example)', () => {
  // X = [[1,2],[2,4],[3,6],[4,8]], y = [1,3,5,7], theta = [1,1], lambda = 0.5:
  // (1/2m) sum (h-y)^2 = 54/8 = 6.75, penalty (lambda/2m) * 2 = 0.125.
  it.each([
    ['l1', regConfig('l1', 0.5)],
    ['l2', regConfig('l2', 0.5)],
  ])('%s gives 6.875 by the formulas (not 7.0 as the article code)', (_name, r) => {
    const value = tf.tidy(() => {
      const X = tf.tensor2d([
        [1, 2],
        [2, 4],
        [3, 6],
        [4, 8],
      ]);
      const y = tf.tensor2d([1, 3, 5, 7], [4, 1]);
      const theta = tf.tensor2d([1, 1], [2, 1]);
      return objective('regression', tf.matMul<tf.Tensor2D>(X, theta), y, [theta], penaltyCoefficients(r, 4)).dataSync()[0];
    });
    expect(value).toBeCloseTo(6.875, 6);
  });

  it('elastic net weighs both terms by l1Ratio', () => {
    const c = penaltyCoefficients(regConfig('elasticnet', 0.8, 0, 0.25), 4);
    expect(c.l1).toBeCloseTo((0.8 * 0.25) / 8, 12);
    expect(c.l2).toBeCloseTo((0.8 * 0.75) / 8, 12);
  });
});

describe('L2 on a linear model', () => {
  it("reaches the closed form (X'X + lambda I) w = X'y on diabetes.csv within 1e-3 relative", async () => {
    const { z, y, X, n } = await standardized('diabetes.csv', 'progression');
    const lambda = 10;
    const ybar = y.reduce((s, v) => s + v, 0) / n;
    const expected = ridgeClosedForm(
      X,
      Array.from(y, (v) => v - ybar),
      lambda,
    );

    const r = train({ xTrain: z, yTrain: y, features: X[0].length }, linearFullBatch(n, regConfig('l2', lambda), { learningRate: 0.1, epochs: 4000 }));
    const w = Array.from(r.model.kernels[0].dataSync());
    const b = r.model.biases[0].dataSync()[0];
    disposeModel(r.model);

    expect(relL2(w, expected)).toBeLessThan(1e-3);
    expect(b).toBeCloseTo(ybar, 2); // the intercept is not penalized: it is the mean of y
  });
});

describe('L1 on a linear model', () => {
  it('matches a coordinate-descent Lasso with alpha = lambda/(2m): same support, within 1%', async () => {
    const { z, y, X, n } = await standardized('sparse_regression.csv', 'y');
    const lambda = 0.3 * 2 * n; // alpha = 0.3
    const ybar = y.reduce((s, v) => s + v, 0) / n;
    const expected = lassoCD(
      X,
      Array.from(y, (v) => v - ybar),
      lambda / (2 * n),
    );

    const r = train({ xTrain: z, yTrain: y, features: X[0].length }, linearFullBatch(n, regConfig('l1', lambda), { learningRate: 0.05, epochs: 3000 }));
    const w = Array.from(r.model.kernels[0].dataSync());
    disposeModel(r.model);

    const support = (v: number[]) => v.map((x, i) => (x !== 0 ? i : -1)).filter((i) => i >= 0);
    expect(support(w)).toEqual(support(expected));
    expect(support(expected).length).toBeGreaterThan(0);
    expect(support(expected).length).toBeLessThan(X[0].length);
    expect(relL2(w, expected)).toBeLessThan(0.01);
  });

  it('on sparse_regression.csv some lambda keeps the 6 true features and zeroes most of the other 34', async () => {
    const { z, y, X, n, features } = await standardized('sparse_regression.csv', 'y');
    const truth = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'];
    const found: { lambda: number; kept: string[]; zeroedNoise: number }[] = [];
    for (const alpha of [0.05, 0.1, 0.2]) {
      const r = train({ xTrain: z, yTrain: y, features: X[0].length }, linearFullBatch(n, regConfig('l1', alpha * 2 * n), { epochs: 1500 }));
      const w = Array.from(r.model.kernels[0].dataSync());
      disposeModel(r.model);
      const kept = features.filter((_, i) => w[i] !== 0);
      found.push({ lambda: alpha * 2 * n, kept, zeroedNoise: features.filter((f, i) => !truth.includes(f) && w[i] === 0).length });
    }
    const good = found.filter((f) => truth.every((t) => f.kept.includes(t)) && f.zeroedNoise >= 25);
    expect(good.length).toBeGreaterThan(0);
  });

  it('the proximal step produces exact zeros with Adam and minibatches too', async () => {
    const { z, y, X } = await standardized('sparse_regression.csv', 'y');
    const r = train(
      { xTrain: z, yTrain: y, features: X[0].length },
      linearFullBatch(0, regConfig('l1', 0.2 * 2 * y.length), { batchSize: 32, optimizer: 'adam', learningRate: 0.05, epochs: 60 }),
    );
    const w = Array.from(r.model.kernels[0].dataSync());
    disposeModel(r.model);
    expect(w.filter((v) => v === 0).length).toBeGreaterThanOrEqual(20);
  });
});

describe('inverted dropout', () => {
  it('drops with probability p and scales survivors by 1/(1-p), so the expectation is unchanged', () => {
    const p = 0.3;
    const [meanOut, zeroFrac, survivors] = tf.tidy(() => {
      const out = invertedDropout(tf.ones([400, 250]), p, 11);
      const v = out.dataSync();
      const nonzero = Array.from(v).filter((x) => x !== 0);
      return [out.mean().dataSync()[0], 1 - nonzero.length / v.length, nonzero] as const;
    });
    expect(zeroFrac).toBeCloseTo(p, 2);
    expect(meanOut).toBeCloseTo(1, 1);
    expect(Math.abs(meanOut - 1)).toBeLessThan(0.02);
    for (const s of survivors.slice(0, 1000)) expect(s).toBeCloseTo(1 / (1 - p), 5);
  });

  it('on a linear model drops inputs: training outputs average to the inference output; inference is deterministic', () => {
    const model = createModel({ inputs: 5, outputs: 1, hidden: [], activation: 'relu', seed: 3 });
    const [inference, again, averaged] = tf.tidy(() => {
      const x = tf.tensor2d([[1, -2, 0.5, 3, -1]]);
      const inf = forward(model, x).dataSync()[0];
      const inf2 = forward(model, x).dataSync()[0];
      let sum = 0;
      const draws = 4000;
      for (let s = 0; s < draws; s++) sum += forward(model, x, { dropoutRate: 0.5, dropoutSeed: s }).dataSync()[0];
      return [inf, inf2, sum / draws];
    });
    disposeModel(model);
    expect(again).toBe(inference);
    expect(Math.abs(averaged - inference)).toBeLessThan(0.1 * Math.max(1, Math.abs(inference)));
  });
});

describe('training', () => {
  const mlp = (r: RegConfig, seed = 5): TrainOptions => ({
    task: 'regression',
    hidden: [16, 16],
    activation: 'relu',
    epochs: 30,
    batchSize: 32,
    learningRate: 0.01,
    optimizer: 'adam',
    patience: 5,
    reg: r,
    seed,
  });

  it('is deterministic from the seed (weights and curves), and another seed differs', async () => {
    const { z, y, d } = await standardized('diabetes.csv', 'progression');
    const data = { xTrain: z.subarray(0, 300 * d), yTrain: y.subarray(0, 300), xVal: z.subarray(300 * d), yVal: y.subarray(300), features: d };
    const run = (seed: number) => {
      const r = train(data, mlp(regConfig('l2+dropout', 1, 0.2), seed));
      const w = Array.from(r.model.kernels[0].dataSync());
      disposeModel(r.model);
      return { w, curves: r.curves };
    };
    const a = run(5);
    const b = run(5);
    const c = run(6);
    expect(b.w).toEqual(a.w);
    expect(b.curves).toEqual(a.curves);
    expect(c.w).not.toEqual(a.w);
  });

  it('leaves no tensors behind but the model, and none after disposing it', async () => {
    const { z, y, d } = await standardized('diabetes.csv', 'progression');
    const before = tf.memory().numTensors;
    const r = train(
      { xTrain: z.subarray(0, 300 * d), yTrain: y.subarray(0, 300), xVal: z.subarray(300 * d), yVal: y.subarray(300), features: d },
      mlp(regConfig('l1+dropout', 5, 0.3)),
    );
    expect(tf.memory().numTensors).toBe(before + 6); // 3 kernels + 3 biases
    disposeModel(r.model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("stops early on validation loss and keeps the best epoch's weights", async () => {
    const { z, y, d } = await standardized('diabetes.csv', 'progression');
    const r = train(
      { xTrain: z.subarray(0, 120 * d), yTrain: y.subarray(0, 120), xVal: z.subarray(120 * d), yVal: y.subarray(120), features: d },
      { ...mlp(regConfig('none')), hidden: [64, 64], learningRate: 0.05, epochs: 300, patience: 10 },
    );
    disposeModel(r.model);
    const curve = r.curves.valLoss;
    const argmin = curve.indexOf(Math.min(...curve)) + 1;
    expect(r.epochsRun).toBeLessThan(300);
    expect(r.epochsRun).toBe(r.bestEpoch + 10);
    expect(r.bestEpoch).toBe(argmin);
    expect(r.validation!.loss).toBeCloseTo(curve[argmin - 1], 3);
  });

  it('classifies breast_cancer.csv with a mean cross-entropy loss and accuracy above 0.93', async () => {
    const { z, y, d } = await standardized('breast_cancer.csv', 'malignant', 'classification');
    const r = train(
      { xTrain: z.subarray(0, 450 * d), yTrain: y.subarray(0, 450), xVal: z.subarray(450 * d), yVal: y.subarray(450), features: d },
      { ...mlp(regConfig('l2', 1)), task: 'classification', classes: 2, epochs: 40 },
    );
    disposeModel(r.model);
    expect(r.validation!.accuracy).toBeGreaterThan(0.93);
    expect(r.validation!.loss).toBeGreaterThan(0);
    expect(r.validation!.loss).toBeLessThan(0.3);
  });
});

describe('explicit backpropagation', () => {
  it.each<[string, 'regression' | 'classification', number, Activation, number[], number]>([
    ['regression, relu MLP, dropout, L2', 'regression', 1, 'relu', [7, 5], 0.3],
    ['binary classification, tanh, L2', 'classification', 1, 'tanh', [6], 0],
    ['3-class softmax, sigmoid, dropout', 'classification', 3, 'sigmoid', [5], 0.25],
    ['regression, elu, dropout', 'regression', 1, 'elu', [4, 4], 0.5],
    ['linear model, input dropout, L2', 'regression', 1, 'relu', [], 0.2],
  ])('matches tf.variableGrads of the objective: %s', (_name, task, outputs, activation, hidden, rate) => {
    const config = { inputs: 4, outputs, hidden, activation, seed: 9 };
    const model = createModel(config);
    const layout = paramLayout(config);
    const l2 = 0.05;
    const [manual, auto] = tf.tidy(() => {
      const x = tf.randomNormal<tf.Rank.R2>([8, 4], 0, 1, 'float32', 1);
      const y =
        task === 'regression'
          ? tf.randomNormal<tf.Rank.R2>([8, 1], 0, 1, 'float32', 2)
          : outputs === 1
            ? tf.tensor2d([0, 1, 1, 0, 1, 0, 0, 1], [8, 1])
            : tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 2, 1], 'int32'), 3).cast<tf.Tensor2D>('float32');
      const masks = stepMasks(config, 8, rate, 77);
      // The data term's gradient, plus the L2 term's (which the optimizer adds): 2 c2 w on the kernels.
      const g = new Float32Array(layout.size);
      batchGradient(model, layout, task, x, y, masks, g);
      const flat = tf.concat([...model.kernels.map((k) => k.reshape([-1])), ...model.biases]).dataSync();
      for (let i = 0; i < layout.kernelSize; i++) g[i] += 2 * l2 * flat[i];
      const vars = [...model.kernels, ...model.biases];
      const { grads } = tf.variableGrads(
        () => tf.add<tf.Scalar>(dataTerm(task, forwardTrace(model, x, masks).output, y), penaltyTerm(model.kernels, { l1: 0, l2 })),
        vars,
      );
      const reference = tf.concat(vars.map((v) => grads[v.name].reshape([-1])));
      return [Array.from(g), Array.from(reference.dataSync())];
    });
    disposeModel(model);
    expect(manual).toHaveLength(layout.size);
    expect(relL2(manual, auto)).toBeLessThan(1e-5);
  });
});
