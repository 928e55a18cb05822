/**
 * Each regularizer's declared behaviour (shared/regularizers): its penalty's value against the documented
 * formula, its proximal step against the closed-form soft threshold, its gradient against finite differences,
 * its lambda_max against the exact solvers and scikit-learn's _alpha_grid (through the lambda convention),
 * its default range, its exact solver and its place in the simplicity order.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDatasetFile, type Dataset } from '../../../../shared/data/parse';
import { fitPreprocessor } from '../../../../shared/data/preprocess';
import {
  compareSimplicity,
  dropout,
  exactFor,
  exactSolverOf,
  makeConfig,
  PENALTIES,
  regularizerOf,
  separableProx1d,
  separableValue,
  sklearnEquivalent,
  softThreshold,
  type RegConfig,
  type RegType,
} from '../../../../shared/regularizers';
import { solveLinear } from '../../../../shared/training/linear';
import { lambdaMax } from '../../../../shared/training/linear/lambda-max';

const [, l1, l2, elasticNet] = PENALTIES;
const m = 40;
const w = [0.8, -0.3, 0, 2.5, -1e-3];
const sumAbs = w.reduce((s, v) => s + Math.abs(v), 0);
const sumSq = w.reduce((s, v) => s + v * v, 0);
const cfg = (type: RegType, lambda: number, over: { dropoutRate?: number; l1Ratio?: number } = {}): RegConfig =>
  makeConfig(type, { lambda, l1Ratio: 0.3, ...over });

describe('penalty value: (lambda/2m) (rho sum|w| + (1 - rho) sum w^2)', () => {
  it.each<[string, RegConfig, number]>([
    ['none', cfg('none', 0), 0],
    ['l1', cfg('l1', 3), (3 / (2 * m)) * sumAbs],
    ['l2', cfg('l2', 3), (3 / (2 * m)) * sumSq],
    ['elasticnet rho 0.3', cfg('elasticnet', 3), (3 / (2 * m)) * (0.3 * sumAbs + 0.7 * sumSq)],
    ['l2+dropout (dropout adds no penalty term for SGD)', cfg('l2+dropout', 3, { dropoutRate: 0.4 }), (3 / (2 * m)) * sumSq],
  ])('%s', (_name, c, expected) => {
    const pen = regularizerOf(c.type).penalty;
    expect(pen.kernelPenalty(c, m).value(w)).toBeCloseTo(expected, 14);
    expect(separableValue(pen.weights(c, m), w)).toBeCloseTo(expected, 14);
  });

  it("the seed example's penalty: theta = [1, 1], lambda = 0.5, m = 4 gives 0.125 for l1 and l2", () => {
    for (const type of ['l1', 'l2'] as const) expect(regularizerOf(type).penalty.kernelPenalty(cfg(type, 0.5), 4).value([1, 1])).toBeCloseTo(0.125, 15);
  });
});

describe('proximal step of the non-smooth part (what the SGD trainer applies after each update)', () => {
  // + 0: a zero is a zero whatever its sign
  const soft = (v: number, t: number) => Math.sign(v) * Math.max(Math.abs(v) - t, 0) + 0;
  const plain = (xs: ArrayLike<number>) => Array.from(xs, (v) => v + 0);

  it.each<[string, RegConfig, number]>([
    ['l1', cfg('l1', 3), 3 / (2 * m)],
    ['elasticnet', cfg('elasticnet', 3), (3 * 0.3) / (2 * m)],
    ['l1+dropout', cfg('l1+dropout', 3, { dropoutRate: 0.2 }), 3 / (2 * m)],
  ])('%s soft-thresholds by step * its L1 weight, a uniform step (SGD) or one per coordinate (Adam)', (_name, c, l1Weight) => {
    const theta = Float64Array.from([...w, 7]); // the last entry is a bias: never touched
    regularizerOf(c.type).penalty.kernelPenalty(c, m).prox(theta, w.length, 0.5);
    expect(plain(theta)).toEqual([...w.map((v) => soft(v, 0.5 * l1Weight)), 7]);
    const steps = w.map((_, i) => 0.1 * (i + 1));
    const perCoordinate = Float64Array.from(w);
    regularizerOf(c.type).penalty.kernelPenalty(c, m).prox(perCoordinate, w.length, steps);
    expect(plain(perCoordinate)).toEqual(w.map((v, i) => soft(v, steps[i] * l1Weight)));
    expect(theta.filter((v) => v === 0).length).toBeGreaterThan(1); // exact zeros
  });

  it.each(['none', 'l2', 'dropout'] as const)('%s has no non-smooth part: the prox leaves the weights as they are', (type) => {
    const theta = Float64Array.from(w);
    regularizerOf(type)
      .penalty.kernelPenalty(cfg(type, 3, { dropoutRate: 0.2 }), m)
      .prox(theta, w.length, 0.5);
    expect(Array.from(theta)).toEqual(w);
  });

  it('softThreshold is the prox of t|.|: the closed form, and the argmin of (u - v)^2 / 2 + t|u| on a fine grid', () => {
    for (const [v, t] of [
      [2, 0.5],
      [-2, 0.5],
      [0.3, 0.5],
      [-0.3, 0.5],
      [0.5, 0.5],
    ]) {
      expect(softThreshold(v, t)).toBeCloseTo(soft(v, t), 15);
      const grid = Array.from({ length: 40001 }, (_, i) => -4 + i * 2e-4);
      const best = grid.reduce((a, u) => ((u - v) ** 2 / 2 + t * Math.abs(u) < (a - v) ** 2 / 2 + t * Math.abs(a) ? u : a));
      expect(Math.abs(softThreshold(v, t) - best)).toBeLessThan(2e-4);
    }
  });

  it("the whole penalty's prox S(v, t l1) / (1 + 2 t l2) is the argmin of (u - v)^2 / 2t + l1|u| + l2 u^2", () => {
    const pen = elasticNet.weights(cfg('elasticnet', 30), m);
    for (const [v, t] of [
      [1.5, 0.7],
      [-0.9, 2],
      [0.1, 1],
    ]) {
      const f = (u: number) => (u - v) ** 2 / (2 * t) + pen.l1 * Math.abs(u) + pen.l2 * u * u;
      const p = separableProx1d(pen, v, t);
      for (const d of [1e-4, -1e-4, 1e-2, -1e-2]) expect(f(p)).toBeLessThanOrEqual(f(p + d));
    }
    // Pure L1 and pure L2: the soft threshold and the shrinkage v / (1 + 2 t l2).
    expect(separableProx1d(l1.weights(cfg('l1', 8), m), 0.5, 2)).toBeCloseTo(soft(0.5, (2 * 8) / (2 * m)), 15);
    expect(separableProx1d(l2.weights(cfg('l2', 8), m), 0.5, 2)).toBeCloseTo(0.5 / (1 + (2 * 2 * 8) / (2 * m)), 15);
  });
});

describe("the smooth part's gradient (the SGD trainer adds it to the data term's)", () => {
  const smoothValue = (c: RegConfig, x: number[]) => {
    const { l2: c2 } = regularizerOf(c.type).penalty.weights(c, m);
    return separableValue({ l1: 0, l2: c2 }, x);
  };

  it.each<[string, RegConfig]>([
    ['l2', cfg('l2', 3)],
    ['elasticnet', cfg('elasticnet', 3)],
    ['l2+dropout', cfg('l2+dropout', 3, { dropoutRate: 0.1 })],
  ])('%s: matches central finite differences of its L2 term', (_name, c) => {
    const grad = new Float64Array(w.length + 1).fill(0.25); // the data term's gradient, kept; the last entry a bias
    regularizerOf(c.type).penalty.kernelPenalty(c, m).addGradient(w, grad, w.length);
    const h = 1e-6;
    w.forEach((_, j) => {
      const up = w.map((v, i) => (i === j ? v + h : v));
      const down = w.map((v, i) => (i === j ? v - h : v));
      expect(grad[j] - 0.25).toBeCloseTo((smoothValue(c, up) - smoothValue(c, down)) / (2 * h), 8);
    });
    expect(grad[w.length]).toBe(0.25);
  });

  it.each(['none', 'l1', 'dropout'] as const)('%s adds no gradient (no smooth term; L1 is the prox)', (type) => {
    const grad = new Float64Array(w.length).fill(0.25);
    regularizerOf(type).penalty.kernelPenalty(cfg(type, 3), m).addGradient(w, grad, w.length);
    expect(Array.from(grad)).toEqual(w.map(() => 0.25));
  });
});

describe('lambda_max and the default range', () => {
  const DATA = join(__dirname, '../../../../examples/data');
  const FIXTURES = join(__dirname, '../../../fixtures/sklearn');
  const sk = JSON.parse(readFileSync(join(FIXTURES, 'linear.json'), 'utf8')) as {
    alphaGrid: { dataset: string; l1Ratio: number; rows: number; targetStd: number; alphaMax: number }[];
  };
  const files: Record<string, [string, string]> = {
    diabetes: [join(DATA, 'diabetes.csv'), 'progression'],
    sparse_regression: [join(DATA, 'sparse_regression.csv'), 'y'],
  };
  const load = (name: string): Promise<Dataset> => readDatasetFile(files[name][0], { target: files[name][1], task: 'regression' });
  const allRows = (ds: Dataset) => ds.y.map((_, i) => i);
  const nonZero = (ds: Dataset, rows: number[], reg: RegConfig) =>
    Array.from(solveLinear(ds, rows, fitPreprocessor(ds, rows), reg).weights).filter((v) => v !== 0).length;

  it.each(sk.alphaGrid.map((c) => [c.dataset, c.l1Ratio, c] as const))(
    "on %s with l1Ratio %p the penalty's lambda_max, mapped to scikit-learn by sklearnEquivalent, is _alpha_grid's alpha_max",
    async (name, rho, c) => {
      const ds = await load(name);
      const max = lambdaMax(ds, allRows(ds));
      const type = rho === 1 ? 'l1' : 'elasticnet';
      const top = regularizerOf(type).penalty.lambdaMax(max, rho)!;
      const eq = sklearnEquivalent('regression', makeConfig(type, { lambda: top, l1Ratio: rho }), c.rows, c.targetStd);
      expect(eq.estimator).toBe(rho === 1 ? 'Lasso' : 'ElasticNet');
      expect(Math.abs((eq.params.alpha as number) - c.alphaMax) / c.alphaMax).toBeLessThan(1e-10);
    },
  );

  it('l1 and elasticnet: the exact fit is all zeros at lambda_max and not at 0.99 lambda_max; l2 and none declare none', async () => {
    const ds = await load('diabetes');
    const rows = allRows(ds).slice(0, 350);
    const max = lambdaMax(ds, rows);
    for (const [type, rho] of [
      ['l1', 1],
      ['elasticnet', 0.4],
    ] as const) {
      const top = regularizerOf(type).penalty.lambdaMax(max, rho)!;
      expect(nonZero(ds, rows, makeConfig(type, { lambda: top * (1 + 1e-9), l1Ratio: rho }))).toBe(0);
      expect(nonZero(ds, rows, makeConfig(type, { lambda: 0.99 * top, l1Ratio: rho }))).toBeGreaterThan(0);
    }
    expect(regularizerOf('l2').penalty.lambdaMax(max, 0)).toBeUndefined();
    expect(regularizerOf('none').penalty.lambdaMax(max, 0)).toBeUndefined();
  });

  it.each<[string, (typeof PENALTIES)[number], number, 'exact' | 'sgd' | 'mlp', [number, number]]>([
    ['l1 exact', l1, 1, 'exact', [100, 0.1]],
    ['l1 mlp', l1, 1, 'mlp', [10, 0.1]],
    ['elasticnet exact (glmnet: lambda_max / rho)', elasticNet, 0.5, 'exact', [200, 0.2]],
    ['elasticnet mlp', elasticNet, 0.5, 'mlp', [20, 0.2]],
    ['l2 exact (lambda_max / eps)', l2, 0, 'exact', [100000, 0.1]],
    ['l2 sgd', l2, 0, 'sgd', [100, 0.1]],
    ['l2 mlp', l2, 0, 'mlp', [10, 0.1]],
  ])('%s: the documented range from lambda_max 100, eps 1e-3', (_name, pen, rho, fit, [top, bottom]) => {
    const [t, b] = pen.defaultRange(100, 1e-3, rho, fit);
    expect(t).toBeCloseTo(top, 9);
    expect(b).toBeCloseTo(bottom, 12);
  });
});

describe('exact solvers and dropout', () => {
  it.each<[RegType, string | undefined, string | undefined]>([
    ['none', 'closed-form', 'proximal-newton'],
    ['l1', 'coordinate-descent', 'proximal-newton'],
    ['l2', 'closed-form', 'proximal-newton'],
    ['elasticnet', 'coordinate-descent', 'proximal-newton'],
    ['dropout', 'closed-form', undefined],
    ['l1+dropout', 'coordinate-descent', undefined],
    ['l2+dropout', 'closed-form', undefined],
    ['elasticnet+dropout', 'coordinate-descent', undefined],
  ])('%s: regression %s, classification %s', (type, regression, classification) => {
    const c = makeConfig(type, { lambda: 2, dropoutRate: 0.3, l1Ratio: 0.5 });
    expect(exactSolverOf('regression', c)).toBe(regression);
    expect(exactSolverOf('classification', c)).toBe(classification);
    expect(exactFor('classification', type)).toBe(classification !== undefined);
    // lambda 0 is least squares; a dropout rate of 0 is no dropout
    expect(exactSolverOf('regression', { ...c, lambda: 0 })).toBe('closed-form');
    expect(exactSolverOf('classification', { ...c, dropoutRate: 0 })).toBe('proximal-newton');
  });

  it("dropout's expectation on a linear regression is ridge with lambda_eff = m p / (1 - p): scikit-learn's Ridge alpha adds it", () => {
    const c = makeConfig('l2+dropout', { lambda: 5, dropoutRate: 0.2 });
    expect(dropout.ridgeWeight(c)).toBeCloseTo(0.25, 15);
    expect(dropout.lambdaEff(c, m)).toBeCloseTo(10, 12);
    expect(sklearnEquivalent('regression', c, m, 3)).toEqual({ estimator: 'Ridge', params: { alpha: expect.closeTo(5 + 10, 10) as number } });
  });
});

describe('the lambda convention against scikit-learn (the mapping make_fixtures.py uses)', () => {
  const [lam, sy, rho] = [7, 2.5, 0.3];
  it.each<[string, RegConfig, 'regression' | 'classification', string, Record<string, number | string | null>]>([
    ['none', cfg('none', 0), 'regression', 'LinearRegression', {}],
    ['l2: alpha = lambda', cfg('l2', lam), 'regression', 'Ridge', { alpha: lam }],
    ['l1: alpha = lambda s_y / 2m', cfg('l1', lam), 'regression', 'Lasso', { alpha: (lam * sy) / (2 * m) }],
    [
      'elasticnet',
      cfg('elasticnet', lam, { l1Ratio: rho }),
      'regression',
      'ElasticNet',
      { alpha: (lam * (rho * sy + 2 * (1 - rho))) / (2 * m), l1_ratio: (rho * sy) / (rho * sy + 2 * (1 - rho)) },
    ],
    ['logistic l2: C = 1 / lambda', cfg('l2', lam), 'classification', 'LogisticRegression', { penalty: 'l2', C: 1 / lam }],
    ['logistic l1: C = 2 / lambda', cfg('l1', lam), 'classification', 'LogisticRegression', { penalty: 'l1', C: 2 / lam }],
  ])('%s', (_name, c, task, estimator, params) => {
    const eq = sklearnEquivalent(task, c, m, sy);
    expect(eq.estimator).toBe(estimator);
    expect(Object.keys(eq.params).sort()).toEqual(Object.keys(params).sort());
    for (const [k, v] of Object.entries(params)) {
      if (typeof v === 'number') expect(eq.params[k]).toBeCloseTo(v, 12);
      else expect(eq.params[k]).toBe(v);
    }
  });
});

describe('simplicity order (ties in selection)', () => {
  it('fewer hyperparameters first, then type order, then smaller lambda, rate and l1Ratio', () => {
    const expected: RegConfig[] = [
      cfg('none', 0),
      cfg('l1', 0.1),
      cfg('l1', 1),
      cfg('l2', 0.1),
      cfg('dropout', 0, { dropoutRate: 0.1 }),
      cfg('dropout', 0, { dropoutRate: 0.5 }),
      cfg('elasticnet', 1, { l1Ratio: 0.2 }),
      cfg('elasticnet', 1, { l1Ratio: 0.8 }),
      cfg('l1+dropout', 1, { dropoutRate: 0.1 }),
      cfg('l2+dropout', 0.1, { dropoutRate: 0.5 }),
      cfg('l2+dropout', 1, { dropoutRate: 0.1 }),
      cfg('elasticnet+dropout', 1, { dropoutRate: 0.1 }),
    ];
    const shuffled = [...expected].reverse();
    shuffled.push(shuffled.splice(3, 1)[0]);
    expect([...shuffled].sort(compareSimplicity)).toEqual(expected);
    expect(expected.map((c) => regularizerOf(c.type).hyperparameters)).toEqual([0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3]);
  });
});
