/**
 * glmnet's lambda_max in the project's convention (training/linear/lambda-max.ts): against a hand computation,
 * against scikit-learn's _alpha_grid mapped through the convention (test/fixtures/sklearn/linear.json), and
 * against its definition: the exact L1 path is all zeros at lambda_max and not below it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDataset, readDatasetFile, type Dataset } from '../../../../shared/data/parse';
import { fitStandardizer } from '../../../../shared/data/standardize';
import { defaultEpsilon, logPath } from '../../../../shared/search/default-grid';
import { solveLinear } from '../../../../shared/training/linear';
import { lambdaMax } from '../../../../shared/training/linear/lambda-max';
import { regConfig } from '../../../support/artifacts';

const DATA = join(__dirname, '../../../../examples/data');
const FIXTURES = join(__dirname, '../../../fixtures/sklearn');

interface AlphaGridCase {
  dataset: string;
  l1Ratio: number;
  rows: number;
  targetStd: number;
  eps: number;
  count: number;
  alphaMax: number;
  alphaMin: number;
}
const sk = JSON.parse(readFileSync(join(FIXTURES, 'linear.json'), 'utf8')) as { alphaGrid: AlphaGridCase[] };

const files: Record<string, [string, string, 'regression' | 'classification']> = {
  diabetes: [join(DATA, 'diabetes.csv'), 'progression', 'regression'],
  sparse_regression: [join(DATA, 'sparse_regression.csv'), 'y', 'regression'],
  breast_cancer: [join(DATA, 'breast_cancer.csv'), 'malignant', 'classification'],
  iris: [join(FIXTURES, 'iris.csv'), 'species', 'classification'],
};
const load = (name: string): Promise<Dataset> => readDatasetFile(files[name][0], { target: files[name][1], task: files[name][2] });
const allRows = (ds: Dataset) => ds.y.map((_, i) => i);
const l1 = (lambda: number) => regConfig('l1', lambda);
const enet = (lambda: number, l1Ratio: number) => regConfig('elasticnet', lambda, 0, l1Ratio);
const nonZero = (ds: Dataset, rows: number[], reg: ReturnType<typeof l1>) =>
  Array.from(solveLinear(ds, rows, fitStandardizer(ds.x, rows), reg).weights).filter((w) => w !== 0).length;

describe('lambda_max', () => {
  it('on a 4-row table equals 2m times the largest |correlation| with the target, worked by hand', () => {
    // x1 = 1,2,3,4 and x2 = 2,1,4,3 (mean 2.5, population variance 1.25); y = 1,3,2,6 (mean 3, variance 3.5).
    // cov(x1, y) = 37/4 - 7.5 = 1.75, cov(x2, y) = 31/4 - 7.5 = 0.25: x1 wins, corr = 1.75 / sqrt(1.25 * 3.5).
    const ds = parseDataset('x1,x2,y\n1,2,1\n2,1,3\n3,4,2\n4,3,6\n', { name: 'hand.csv', target: 'y', task: 'regression' });
    expect(lambdaMax(ds, allRows(ds))).toBeCloseTo((2 * 4 * 1.75) / Math.sqrt(1.25 * 3.5), 12);
    // Scaling and shifting the target changes nothing (one scale).
    const shifted = { ...ds, y: ds.y.map((v) => 1000 * v + 5) };
    expect(lambdaMax(shifted, allRows(ds))).toBeCloseTo(lambdaMax(ds, allRows(ds)), 10);
  });

  it.each(sk.alphaGrid.map((c) => [c.dataset, c.l1Ratio, c] as const))(
    "on %s with l1Ratio %p equals scikit-learn's _alpha_grid mapped through alpha = lambda (rho s_y + 2(1 - rho)) / 2m",
    async (name, rho, c) => {
      const ds = await load(name);
      const toLambda = (alpha: number) => (2 * c.rows * alpha) / (rho * c.targetStd + 2 * (1 - rho));
      const max = lambdaMax(ds, allRows(ds));
      // The path's top: lambda_max / rho (glmnet); its bottom: eps times that.
      expect(Math.abs(max / rho - toLambda(c.alphaMax)) / toLambda(c.alphaMax)).toBeLessThan(1e-10);
      expect(defaultEpsilon(c.rows, ds.features.length)).toBe(c.eps);
      const path = logPath(max / rho, (max * c.eps) / rho, c.count);
      expect(path).toHaveLength(c.count);
      // The grid keeps 4 significant digits.
      expect(Math.abs(path[0] - toLambda(c.alphaMax)) / toLambda(c.alphaMax)).toBeLessThan(1e-3);
      expect(Math.abs(path[c.count - 1] - toLambda(c.alphaMin)) / toLambda(c.alphaMin)).toBeLessThan(5e-4);
    },
  );

  it.each(['diabetes', 'sparse_regression', 'breast_cancer', 'iris'])(
    'on %s (the first 80%% of rows) the exact L1 path is all zeros at lambda_max and not at 0.99 lambda_max; elastic net at lambda_max / rho',
    async (name) => {
      const ds = await load(name);
      const rows = allRows(ds).slice(0, Math.floor(0.8 * ds.y.length));
      const max = lambdaMax(ds, rows);
      expect(nonZero(ds, rows, l1(max * (1 + 1e-9)))).toBe(0);
      expect(nonZero(ds, rows, l1(0.99 * max))).toBeGreaterThan(0);
      expect(nonZero(ds, rows, enet((max / 0.5) * (1 + 1e-9), 0.5))).toBe(0);
      expect(nonZero(ds, rows, enet((0.99 * max) / 0.5, 0.5))).toBeGreaterThan(0);
    },
  );
});
