/**
 * Solver benchmark: regsweep's exact linear solvers against scikit-learn's, side by side in one run, on the same
 * standardized matrices (all rows of diabetes.csv and sparse_regression.csv):
 *   ridge path: 100 lambdas from one eigendecomposition (RidgePath) vs sklearn Ridge(alpha=lambda) per lambda;
 *   lasso path: 100 lambdas from lambda_max down to lambda_max/1000, coordinate descent warm-started along the path
 *               vs sklearn lasso_path (tol 1e-10).
 * Prints the median ms of each (5 repeats), the time ratio (ours / sklearn) and the largest coefficient difference
 * relative to the largest coefficient. Needs /usr/bin/python3 with Debian's python3-sklearn; OpenBLAS's
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for the Python side only (see the env notes in bench/README.md).
 * Usage: npm run bench:solvers
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { readDatasetFile } from '../shared/data/parse';
import { encodeRows, fitPreprocessor } from '../shared/data/preprocess';
import { designOf } from '../shared/training/linear/design';
import { elasticNet } from '../shared/training/linear/elastic-net';
import { gramOf } from '../shared/training/linear/gram';
import { linearPenalty } from '../shared/training/linear/penalty';
import { RidgePath } from '../shared/training/linear/ridge';

const DATA = path.join(__dirname, '..', 'examples', 'data');
const REPEATS = 5;

function logspace(hi: number, lo: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => hi * (lo / hi) ** (i / (n - 1)));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timed<T>(fn: () => T): { ms: number; out: T } {
  const times: number[] = [];
  let out!: T;
  for (let r = 0; r < REPEATS; r++) {
    const t0 = process.hrtime.bigint();
    out = fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: median(times), out };
}

const relDiff = (a: number[][], b: number[][]) => {
  let diff = 0;
  let scale = 0;
  a.forEach((row, i) => row.forEach((v, j) => ((diff = Math.max(diff, Math.abs(v - b[i][j]))), (scale = Math.max(scale, Math.abs(b[i][j]))))));
  return diff / (scale || 1);
};

async function bench(file: string, target: string) {
  const ds = await readDatasetFile(path.join(DATA, file), { target, task: 'regression' });
  const rows = ds.y.map((_, i) => i);
  const pre = fitPreprocessor(ds, rows); // every column numeric and complete: the design is the raw columns
  const x = encodeRows(pre, ds, rows);
  const s = pre.standardizer;
  const m = rows.length;
  const ybar = ds.y.reduce((a, b) => a + b, 0) / m;
  const yc = Float64Array.from(ds.y, (v) => v - ybar);
  const z = x.map((row) => row.map((v, j) => (v - s.mean[j]) / s.std[j]));

  const design = designOf(x, rows, s);
  let lambdaMax = 0;
  for (const c of design.cols) lambdaMax = Math.max(lambdaMax, 2 * Math.abs(c.reduce((acc, v, i) => acc + v * yc[i], 0)));
  const lassoLambdas = logspace(lambdaMax, lambdaMax / 1000, 100);
  const ridgeLambdas = logspace(1e4, 1e-2, 100);
  const reg = (lambda: number) => ({ type: 'l1' as const, lambda, dropoutRate: 0, l1Ratio: 1 });

  const ridge = timed(() => {
    const d = designOf(x, rows, s); // the design and its Gram matrix are part of the work, as sklearn's fit takes X
    const path = new RidgePath(gramOf(d, yc), m);
    return ridgeLambdas.map((l) => Array.from(path.solve(l)));
  });
  const lasso = timed(() => {
    const d = designOf(x, rows, s);
    const gram = gramOf(d, yc);
    let warm: Float64Array | undefined;
    return lassoLambdas.map((l) => {
      warm = elasticNet(gram, linearPenalty(reg(l), m, d.colSq), warm).w;
      return Array.from(warm);
    });
  });

  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const py = spawnSync('/usr/bin/python3', [path.join(__dirname, 'python', 'solvers.py')], {
    input: JSON.stringify({ X: z, y: ds.y, ridge: ridgeLambdas, lasso: lassoLambdas, repeats: REPEATS }),
    env,
    maxBuffer: 1 << 28,
  });
  if (py.status !== 0) throw new Error(`python3 failed (is python3-sklearn installed?): ${py.stderr.toString()}`);
  const sk = JSON.parse(py.stdout.toString()) as { sklearn: string; ridgeMs: number; ridge: number[][]; lassoMs: number; lasso: number[][] };
  return {
    dataset: `${file} (${m} x ${pre.features.length})`,
    sklearn: sk.sklearn,
    ridge: { oursMs: ridge.ms, sklearnMs: sk.ridgeMs, ratio: ridge.ms / sk.ridgeMs, maxRelDiff: relDiff(ridge.out, sk.ridge) },
    lasso: { oursMs: lasso.ms, sklearnMs: sk.lassoMs, ratio: lasso.ms / sk.lassoMs, maxRelDiff: relDiff(lasso.out, sk.lasso) },
  };
}

async function main() {
  const results = [await bench('diabetes.csv', 'progression'), await bench('sparse_regression.csv', 'y')];
  for (const r of results) {
    console.log(`${r.dataset}, scikit-learn ${r.sklearn}, 100 lambdas, median of ${REPEATS}`);
    for (const [name, x] of [
      ['ridge path', r.ridge],
      ['lasso path', r.lasso],
    ] as const) {
      console.log(
        `  ${name.padEnd(11)} ours ${x.oursMs.toFixed(2).padStart(8)} ms   sklearn ${x.sklearnMs.toFixed(2).padStart(8)} ms   ratio ${x.ratio.toFixed(3)}   max coef diff ${x.maxRelDiff.toExponential(2)} (relative)`,
      );
    }
  }
  console.log(JSON.stringify(results));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
