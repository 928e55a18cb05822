import { Matrix, solve } from 'ml-matrix';
import { readDatasetFile } from '../../shared/data/parse';
import { regsweep } from '../support/cli';

/** The trial record `regsweep train --json` prints (JSON: a missing metric is null). */
interface TrainJson {
  status: string;
  solver?: string;
  rows: { train: number; validation: number };
  validation: { r2: number } | null;
  gap: number | null;
  coefficients?: Record<string, number>;
  intercept?: number;
}

describe('regsweep train', () => {
  it('trains a linear L1 model and prints the record alone as JSON, coefficients keyed by feature', () => {
    const r = regsweep([
      'train',
      '--data',
      'examples/data/sparse_regression.csv',
      '--target',
      'y',
      '--hidden',
      '',
      '--reg',
      'l1',
      '--lambda',
      '60',
      '--optimizer',
      'sgd',
      '--batch-size',
      '1000',
      '--learning-rate',
      '0.05',
      '--epochs',
      '400',
      '--patience',
      '0',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const rec = JSON.parse(r.stdout) as TrainJson;
    expect(rec.status).toBe('succeeded');
    expect(rec.rows).toEqual({ train: 480, validation: 120 });
    expect(Object.keys(rec.coefficients!)).toEqual(Array.from({ length: 40 }, (_, i) => `f${i}`));
    expect(typeof rec.intercept).toBe('number');
    // alpha = λ·s_y/2m = 60 * 4.06 / (2 * 480) ≈ 0.25 (s_y of the 480 training rows): the six true features stay, most noise features are exactly zero
    for (const f of ['f0', 'f1', 'f2', 'f3', 'f4']) expect(rec.coefficients![f]).not.toBe(0);
    expect(Object.values(rec.coefficients!).filter((v) => v === 0).length).toBeGreaterThanOrEqual(25);
    expect(rec.validation!.r2).toBeGreaterThan(0.7);
    expect(r.stderr).toMatch(/TensorFlow.js backend: (wasm|tensorflow|cpu)/);
  });

  it('a linear L2 model is exact with the default flags: the closed-form ridge solution to 1e-8 relative; SGD flags are ignored with a notice', async () => {
    const ds = await readDatasetFile('examples/data/diabetes.csv', { target: 'progression', task: 'regression' });
    const m = ds.y.length;
    const cols = ds.features.map((_, j) => ds.x.map((row) => row[j]));
    const z = new Matrix(
      ds.x.map((row) =>
        row.map((v, j) => {
          const mean = cols[j].reduce((a, b) => a + b, 0) / m;
          const sd = Math.sqrt(cols[j].reduce((a, b) => a + (b - mean) ** 2, 0) / m);
          return (v - mean) / sd;
        }),
      ),
    );
    const ybar = ds.y.reduce((a, b) => a + b, 0) / m;
    const expected = solve(
      z.transpose().mmul(z).add(Matrix.eye(ds.features.length).mul(37)),
      z.transpose().mmul(Matrix.columnVector(ds.y.map((v) => v - ybar))),
    ).getColumn(0);

    const args = [
      'train',
      '--data',
      'examples/data/diabetes.csv',
      '--target',
      'progression',
      '--reg',
      'l2',
      '--lambda',
      '37',
      '--hidden',
      '',
      '--holdout',
      '0',
    ];
    const r = regsweep([...args, '--json']);
    expect(r.code).toBe(0);
    const rec = JSON.parse(r.stdout) as TrainJson;
    expect(rec.solver).toBe('closed-form');
    const got = ds.features.map((f) => rec.coefficients![f]);
    const err = Math.max(...got.map((g, j) => Math.abs(g - expected[j]))) / Math.max(...expected.map(Math.abs));
    expect(err).toBeLessThan(1e-8);

    const noisy = regsweep([...args, '--learning-rate', '0.5', '--epochs', '3', '--json']);
    expect(noisy.code).toBe(0);
    expect(noisy.stderr).toMatch(/note: --epochs, --learning-rate ignored: a linear regression with l2 is solved exactly \(closed-form\)/);
    expect((JSON.parse(noisy.stdout) as TrainJson).coefficients).toEqual(rec.coefficients);
  });

  it('--holdout 0 trains on every row and reports no validation metrics', () => {
    const r = regsweep([
      'train',
      '--data',
      'examples/data/diabetes.csv',
      '--target',
      'progression',
      '--hidden',
      '8',
      '--epochs',
      '3',
      '--holdout',
      '0',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const rec = JSON.parse(r.stdout) as TrainJson;
    expect(rec.rows).toEqual({ train: 442, validation: 0 });
    expect(rec.validation).toBeNull();
    expect(rec.gap).toBeNull();
    expect(rec.coefficients).toBeUndefined();
  });

  it('prints a readable summary without --json', () => {
    const r = regsweep([
      'train',
      '--data',
      'examples/data/breast_cancer.csv',
      '--target',
      'malignant',
      '--task',
      'classification',
      '--hidden',
      '16',
      '--reg',
      'l2+dropout',
      '--lambda',
      '1',
      '--dropout',
      '0.2',
      '--epochs',
      '20',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/config\s+l2\+dropout λ=1 p=0.2/);
    expect(r.stdout).toMatch(/accuracy/);
  });

  it.each<[string, string[], RegExp]>([
    ['a missing file', ['--data', 'nope.csv', '--target', 'y'], /nope.csv: cannot read/],
    ['an unknown target', ['--data', 'examples/data/diabetes.csv', '--target', 'nope'], /target column "nope" not found/],
    [
      'a bad lambda',
      ['--data', 'examples/data/diabetes.csv', '--target', 'progression', '--reg', 'l2', '--lambda', '-1'],
      /--lambda must be a number >= 0, got "-1"/,
    ],
    ['a missing lambda', ['--data', 'examples/data/diabetes.csv', '--target', 'progression', '--reg', 'l2'], /--reg l2 needs --lambda/],
    [
      'dropout of 1',
      ['--data', 'examples/data/diabetes.csv', '--target', 'progression', '--reg', 'dropout', '--dropout', '1'],
      /--dropout must be a number in \[0, 1\), got "1"/,
    ],
    ['an unknown regularization', ['--data', 'examples/data/diabetes.csv', '--target', 'progression', '--reg', 'l3'], /--reg must be one of none, l1/],
    ['bad hidden sizes', ['--data', 'examples/data/diabetes.csv', '--target', 'progression', '--hidden', '64,x'], /--hidden must be layer sizes/],
    ['a non-integer class label', ['--data', 'examples/data/diabetes.csv', '--target', 'bmi', '--task', 'classification'], /bmi/],
  ])('refuses %s: one line on stderr, exit 2, no stack trace', (_name, args, message) => {
    const r = regsweep(['train', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });
});
