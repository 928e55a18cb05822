/**
 * The exact linear solvers against independent answers: the ridge normal equations solved by LU, scikit-learn's
 * Lasso, ElasticNet and LogisticRegression (reference numbers in test/fixtures/sklearn/linear.json, made by
 * make_fixtures.py beside it with Debian's python3-sklearn; no Python runs here), the KKT conditions computed
 * here from scratch, and a long run of masked SGD for the dropout equivalence.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Matrix, solve } from 'ml-matrix';
import { parseDataset, readDatasetFile, type Dataset } from '../../../../shared/data/parse';
import { fitPreprocessor } from '../../../../shared/data/preprocess';
import { fitStandardizer } from '../../../../shared/data/standardize';
import { rawMatrix } from '../../../support/data';
import type { RegConfig } from '../../../../shared/search/grid';
import { LinearCache, solveLinear } from '../../../../shared/training/linear';
import { designOf } from '../../../../shared/training/linear/design';
import { COVARIANCE_MAX_FEATURES, logistic } from '../../../../shared/training/linear/logistic';
import { linearPenalty } from '../../../../shared/training/linear/penalty';
import { createRng } from '../../../../shared/util/random';

const DATA = join(__dirname, '../../../../examples/data');
const FIXTURES = join(__dirname, '../../../fixtures/sklearn');

interface Case {
  dataset: string;
  lambda: number;
  l1Ratio?: number;
  coef: number[] | number[][];
  intercept: number | number[];
}
const sk = JSON.parse(readFileSync(join(FIXTURES, 'linear.json'), 'utf8')) as { lasso: Case[]; elasticnet: Case[]; logistic: Case[] };

const datasets: Record<string, Promise<Dataset>> = {};
function load(name: string): Promise<Dataset> {
  const files: Record<string, [string, string, 'regression' | 'classification']> = {
    diabetes: [join(DATA, 'diabetes.csv'), 'progression', 'regression'],
    sparse_regression: [join(DATA, 'sparse_regression.csv'), 'y', 'regression'],
    breast_cancer: [join(DATA, 'breast_cancer.csv'), 'malignant', 'classification'],
    iris: [join(FIXTURES, 'iris.csv'), 'species', 'classification'],
  };
  const [file, target, task] = files[name];
  return (datasets[name] ??= readDatasetFile(file, { target, task }));
}

const allRows = (ds: Dataset) => ds.y.map((_, i) => i);
const reg = (type: RegConfig['type'], lambda: number, extra: Partial<RegConfig> = {}): RegConfig => ({
  type,
  lambda,
  dropoutRate: 0,
  l1Ratio: type.startsWith('l1') ? 1 : 0,
  ...extra,
});
function solveOn(ds: Dataset, r: RegConfig, rows = allRows(ds), cache?: LinearCache) {
  return solveLinear(ds, rows, fitPreprocessor(ds, rows), r, cache);
}
/** The standardized design (population std, constant column std 1) as a Matrix, and the targets. */
function standardized(ds: Dataset): { X: Matrix; y: number[] } {
  const { x } = rawMatrix(ds);
  const s = fitStandardizer(x, allRows(ds));
  return { X: new Matrix(x.map((row) => row.map((v, j) => (v - s.mean[j]) / s.std[j]))), y: ds.y };
}
const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe('ridge and no penalty: the closed form', () => {
  it.each([0, 0.5, 37, 1000, 1e6])("lambda %p equals the normal equations (X'X + lambda I) w = X'y solved by LU, to 1e-8 relative", async (lambda) => {
    const ds = await load('diabetes');
    const { X, y } = standardized(ds);
    const m = y.length;
    const ybar = y.reduce((a, b) => a + b, 0) / m;
    const xc = X.clone().subRowVector(X.mean('column'));
    const lhs = xc.transpose().mmul(xc).add(Matrix.eye(X.columns).mul(lambda));
    const expected = solve(lhs, xc.transpose().mmul(Matrix.columnVector(y.map((v) => v - ybar)))).getColumn(0);

    const got = solveOn(ds, reg(lambda === 0 ? 'none' : 'l2', lambda));

    expect(got.solver).toBe('closed-form');
    expect(maxDiff(got.weights, expected) / maxAbs(expected)).toBeLessThan(1e-8);
    // Standardized training columns have mean 0, so the intercept is the mean target.
    expect(Math.abs(got.intercepts[0] - ybar) / ybar).toBeLessThan(1e-12);
  });

  it('one decomposition serves every lambda of a fold (a cached path gives the same answer as a fresh one)', async () => {
    const ds = await load('diabetes');
    const cache = new LinearCache();
    const lambdas = [1000, 10, 0.1];
    const cached = lambdas.map((l) => solveOn(ds, reg('l2', l), undefined, cache).weights);
    lambdas.forEach((l, i) => expect(maxDiff(cached[i], solveOn(ds, reg('l2', l)).weights)).toBe(0));
  });
});

describe('lasso and elastic net: coordinate descent against scikit-learn (tol 1e-12)', () => {
  it.each(sk.lasso.map((c) => [c.dataset, c.lambda, c] as const))(
    'lasso on %s, lambda %p: coefficients to 1e-6 relative, same support',
    async (name, lambda, c) => {
      const ds = await load(name);
      const got = solveOn(ds, reg('l1', lambda));
      const coef = c.coef as number[];
      expect(got.solver).toBe('coordinate-descent');
      expect(got.converged).toBe(true);
      expect(maxDiff(got.weights, coef) / Math.max(maxAbs(coef), 1e-12)).toBeLessThan(1e-6);
      expect(Array.from(got.weights, (w) => w !== 0)).toEqual(coef.map((w) => w !== 0));
      expect(Math.abs(got.intercepts[0] - (c.intercept as number)) / Math.abs(c.intercept as number)).toBeLessThan(1e-6);
    },
  );

  it.each(sk.elasticnet.map((c) => [c.dataset, c.lambda, c.l1Ratio, c] as const))(
    'elastic net on %s, lambda %p, l1Ratio %p: coefficients to 1e-6 relative',
    async (name, lambda, l1Ratio, c) => {
      const ds = await load(name);
      const got = solveOn(ds, reg('elasticnet', lambda, { l1Ratio }));
      const coef = c.coef as number[];
      expect(maxDiff(got.weights, coef) / maxAbs(coef)).toBeLessThan(1e-6);
      expect(Array.from(got.weights, (w) => w !== 0)).toEqual(coef.map((w) => w !== 0));
    },
  );

  it('on sparse_regression a lambda on the path keeps the 6 true features and zeroes most others (exact zeros)', async () => {
    const ds = await load('sparse_regression');
    const truth = JSON.parse(readFileSync(join(DATA, 'sparse_regression_truth.json'), 'utf8')) as { support?: string[]; informative?: string[] };
    const support = truth.support ?? truth.informative ?? [];
    const got = solveOn(ds, reg('l1', 50));
    const { features } = rawMatrix(ds);
    const kept = features.filter((_, j) => got.weights[j] !== 0);
    for (const f of support) expect(kept).toContain(f);
    expect(features.length - kept.length).toBeGreaterThanOrEqual(25);
  });

  it('a warm start along the path lands on the same answer as a cold start', async () => {
    const ds = await load('diabetes');
    const cache = new LinearCache();
    for (const l of [300, 50, 5]) solveOn(ds, reg('l1', l), undefined, cache);
    const warm = solveOn(ds, reg('l1', 0.5), undefined, cache);
    const cold = solveOn(ds, reg('l1', 0.5));
    expect(maxDiff(warm.weights, cold.weights) / maxAbs(cold.weights)).toBeLessThan(1e-9);
    expect(warm.iterations).toBeLessThan(cold.iterations);
  });
});

/** Largest KKT violation of J = mean CE + l1|w| + l2/2 |w|^2 at (w, b) on standardized X, computed from scratch. */
function logisticKkt(X: Matrix, labels: number[], K: number, w: Float64Array, b: Float64Array, l1: number, l2: number): number {
  const m = X.rows;
  const p = X.columns;
  const probs: number[][] = [];
  for (let i = 0; i < m; i++) {
    const eta = Array.from({ length: K }, (_, k) => b[k] + X.getRow(i).reduce((s, x, j) => s + x * w[j * K + k], 0));
    if (K === 1) probs.push([1 / (1 + Math.exp(-eta[0]))]);
    else {
      const top = Math.max(...eta);
      const e = eta.map((v) => Math.exp(v - top));
      const sum = e.reduce((a, c) => a + c, 0);
      probs.push(e.map((v) => v / sum));
    }
  }
  const target = (i: number, k: number) => (K === 1 ? labels[i] : labels[i] === k ? 1 : 0);
  let worst = 0;
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < p; j++) {
      let g = 0;
      for (let i = 0; i < m; i++) g += X.get(i, j) * (target(i, k) - probs[i][k]);
      g /= m;
      const wj = w[j * K + k];
      worst = Math.max(worst, wj === 0 ? Math.max(0, Math.abs(g) - l1) : Math.abs(g - l2 * wj - l1 * Math.sign(wj)));
    }
  }
  return worst;
}

describe('logistic regression: proximal Newton', () => {
  it.each(sk.logistic.map((c) => [c.dataset, c.lambda, c] as const))(
    'L2 on %s, lambda %p equals LogisticRegression(C = 1/lambda) to 1e-4 relative',
    async (name, lambda, c) => {
      const ds = await load(name);
      const got = solveOn(ds, reg('l2', lambda));
      const coef = (c.coef as number[][]).flat(); // p x K row-major, as ours
      expect(got.solver).toBe('proximal-newton');
      expect(got.converged).toBe(true);
      expect(maxDiff(got.weights, coef) / maxAbs(coef)).toBeLessThan(1e-4);
    },
  );

  it.each([
    ['breast_cancer', 5],
    ['iris', 2],
  ])('L1 and elastic net on %s (lambda %p) satisfy the KKT conditions of J to 1e-8, with exact zeros', async (name, lambda) => {
    const ds = await load(name);
    const { X } = standardized(ds);
    const K = ds.classes === 2 ? 1 : ds.classes!;
    const m = ds.y.length;
    for (const r of [reg('l1', lambda), reg('elasticnet', lambda, { l1Ratio: 0.5 })]) {
      const got = solveOn(ds, r);
      const l1 = (r.lambda * r.l1Ratio) / (2 * m);
      const l2 = (r.lambda * (1 - r.l1Ratio)) / m;
      expect(logisticKkt(X, ds.y, K, got.weights, got.intercepts, l1, l2)).toBeLessThan(1e-8);
      expect(Array.from(got.weights).some((w) => w === 0)).toBe(true);
    }
  });

  it.each([
    ['breast_cancer', 'l2', 0.05],
    ['breast_cancer', 'elasticnet', 2],
    ['iris', 'l1', 0.5],
    ['iris', 'l2', 1],
  ] as const)('%s, %s lambda %p: the inner descent on the weighted Gram matrix and on the rows give the same fit', async (name, type, lambda) => {
    const ds = await load(name);
    const rows = allRows(ds);
    const { x } = rawMatrix(ds);
    const design = designOf(x, rows, fitStandardizer(x, rows));
    const labels = Int32Array.from(ds.y);
    const pen = linearPenalty(reg(type, lambda, type === 'elasticnet' ? { l1Ratio: 0.5 } : {}), rows.length, design.colSq);
    const onGram = logistic(design, labels, ds.classes!, pen);
    const onRows = logistic(design, labels, ds.classes!, pen, undefined, { covarianceMaxFeatures: 0 });
    expect(design.p).toBeLessThanOrEqual(COVARIANCE_MAX_FEATURES); // the default took the Gram path
    expect(onGram.converged && onRows.converged).toBe(true);
    // The same optimum: the two descents round differently, so the KKT stop (1e-10) may come a Newton step apart.
    expect(Math.abs(onGram.objective - onRows.objective) / onRows.objective).toBeLessThan(1e-10);
    expect(maxDiff(onGram.w, onRows.w) / maxAbs(onRows.w)).toBeLessThan(1e-6);
    expect(maxDiff(onGram.b, onRows.b)).toBeLessThan(1e-6);
    expect(Array.from(onGram.w, (w) => w === 0)).toEqual(Array.from(onRows.w, (w) => w === 0)); // the same support
  });

  it('perfectly separable classes with no penalty: says so and stops at a bound, quickly', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i < 20 ? i : i + 5},${i % 3},${i < 20 ? 0 : 1}`);
    const ds = parseDataset(['x,noise,y', ...rows].join('\n'), { name: 'separable.csv', target: 'y', task: 'classification' });
    const started = Date.now();
    const got = solveOn(ds, reg('none', 0));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(got.notices.join(' ')).toMatch(/perfectly separable/);
    expect(got.converged).toBe(false);
    // Stopped where the current coefficients separate the classes: every row on its side.
    const { X } = standardized(ds);
    ds.y.forEach((label, i) =>
      expect((label === 1 ? 1 : -1) * (got.intercepts[0] + X.get(i, 0) * got.weights[0] + X.get(i, 1) * got.weights[1])).toBeGreaterThan(0),
    );
  });
});

describe('dropout on a linear regression: ridge with lambda_eff = m p / (1 - p)', () => {
  it('the exact answer is where a long run of masked SGD (inverted dropout on the inputs) settles, to 2%', async () => {
    const ds = await load('diabetes');
    const p = 0.3;
    const exact = solveOn(ds, reg('dropout', 0, { dropoutRate: p }));
    const ridge = solveOn(ds, reg('l2', (ds.y.length * p) / (1 - p)));
    expect(maxDiff(exact.weights, ridge.weights)).toBeLessThan(1e-9 * maxAbs(ridge.weights));

    // Masked SGD on the dropout objective, in float64, averaged over the second half of the run (Polyak).
    const { X, y } = standardized(ds);
    const m = y.length;
    const d = X.columns;
    const rows = X.to2DArray();
    const ybar = y.reduce((a, b) => a + b, 0) / m;
    const rng = createRng(7);
    const w = new Float64Array(d);
    const avg = new Float64Array(d);
    let b = ybar;
    const steps = 400_000;
    for (let t = 1; t <= steps; t++) {
      const i = Math.floor(rng() * m);
      const x = rows[i].map((v) => (rng() < p ? 0 : v / (1 - p)));
      const err = b + x.reduce((s, v, j) => s + v * w[j], 0) - y[i];
      const lr = 0.02 / (1 + t / 20000);
      for (let j = 0; j < d; j++) w[j] -= lr * err * x[j];
      b -= lr * err;
      if (t > steps / 2) for (let j = 0; j < d; j++) avg[j] += w[j] / (steps / 2);
    }
    expect(maxDiff(avg, exact.weights) / maxAbs(exact.weights)).toBeLessThan(0.02);
    expect(exact.notices).toEqual([]);
  });
});

describe('degenerate designs get an answer, never NaN or a hang', () => {
  const table = (header: string, rows: string[]) => parseDataset([header, ...rows].join('\n'), { name: 'd.csv', target: 'y', task: 'regression' });
  const rows = Array.from({ length: 30 }, (_, i) => {
    const a = Math.sin(i) * 3;
    const b = Math.cos(i * 1.3);
    return { a, b, y: 2 * a - b + 0.1 * Math.sin(7 * i) };
  });

  it('a constant column gets coefficient 0 under every penalty', () => {
    const ds = table(
      'a,c,b,y',
      rows.map((r) => `${r.a},5,${r.b},${r.y}`),
    );
    for (const r of [reg('none', 0), reg('l2', 1), reg('l1', 1), reg('elasticnet', 1, { l1Ratio: 0.5 })]) {
      const got = solveOn(ds, r);
      expect(got.weights[1]).toBe(0);
      expect(Array.from(got.weights).every(Number.isFinite)).toBe(true);
    }
  });

  it('a duplicated column: no penalty gives the minimum-norm solution (split equally) and says so', () => {
    const ds = table(
      'a,a2,b,y',
      rows.map((r) => `${r.a},${r.a},${r.b},${r.y}`),
    );
    const got = solveOn(ds, reg('none', 0));
    expect(Math.abs(got.weights[0] - got.weights[1])).toBeLessThan(1e-9);
    expect(got.notices.join(' ')).toMatch(/minimum-norm/);
    const single = solveOn(
      table(
        'a,b,y',
        rows.map((r) => `${r.a},${r.b},${r.y}`),
      ),
      reg('none', 0),
    );
    expect(Math.abs(got.weights[0] + got.weights[1] - single.weights[0])).toBeLessThan(1e-9);
  });

  it('more features than rows: ridge and lasso answer, the lasso keeps at most m features', () => {
    const header = [...Array.from({ length: 50 }, (_, j) => `f${j}`), 'y'].join(',');
    const rng = createRng(3);
    const lines = Array.from({ length: 20 }, () => {
      const x = Array.from({ length: 50 }, () => rng() - 0.5);
      return [...x, x[0] * 3 - x[1]].join(',');
    });
    const ds = table(header, lines);
    expect(Array.from(solveOn(ds, reg('l2', 1)).weights).every(Number.isFinite)).toBe(true);
    const lasso = solveOn(ds, reg('l1', 0.5));
    expect(lasso.converged).toBe(true);
    expect(Array.from(lasso.weights).filter((w) => w !== 0).length).toBeLessThanOrEqual(20);
  });
});
