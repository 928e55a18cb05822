/**
 * Calibration of the cost estimate's trial-duration model (shared/cost/duration.ts): times the trial's own fit
 * (fitRecord: standardize, solve or train, evaluate, build the record; no S3) on synthetic regression data of
 * several shapes, on the backend in use (wasm here), one thread, and fits the model's constants:
 *
 *   MLP epoch ms   = stepMs x steps + nsPerFlop x flops / 1e6   (least squares over the shapes)
 *   linear trial ms = a + b·size (shared/cost/duration.ts linearWorkSize), through two shapes per solver
 *
 * Usage: flock /tmp/bench.lock npx tsx bench/cost.ts    (prints one JSON line; ~2 min on an idle machine)
 */
import { initBackend } from '../shared/training/backend';
import { parseDataset, type Dataset } from '../shared/data/parse';
import { linearWorkSize, mlpEpochFlops } from '../shared/cost/duration';
import type { RegConfig } from '../shared/search/grid';
import { LinearCache } from '../shared/training/linear';
import { fitRecord, type TrialInput } from '../shared/training/fit';
import { createRng } from '../shared/util/random';

/** y = x·w + noise on standard normal-ish features (uniform, which is enough for timing). */
function synthetic(rows: number, features: number, seed: number, task: Dataset['task'] = 'regression'): Dataset {
  const rand = createRng(seed);
  const w = Array.from({ length: features }, () => rand() - 0.5);
  const x = Array.from({ length: rows }, () => Array.from({ length: features }, () => rand() * 2 - 1));
  const score = x.map((r) => r.reduce((s, v, j) => s + v * w[j], 0) + 0.3 * (rand() - 0.5));
  const y = task === 'regression' ? score : score.map((v) => (v > 0 ? 1 : 0));
  const csv = [[...w.map((_, j) => `x${j}`), 'y'].join(','), ...x.map((r, i) => [...r, y[i]].join(','))].join('\n');
  return parseDataset(csv, { name: `synthetic-${rows}x${features}.csv`, target: 'y', task });
}

const settings = (hidden: number[], epochs: number) => ({
  model: { hidden, activation: 'relu' as const },
  training: { epochs, batchSize: 32, learningRate: 1e-3, optimizer: 'adam' as const, patience: 0 },
});

function input(ds: Dataset, hidden: number[], epochs: number, reg: RegConfig, cache?: LinearCache): TrialInput {
  const n = ds.y.length;
  const train = Array.from({ length: Math.round(n * 0.8) }, (_, i) => i);
  const validation = Array.from({ length: n - train.length }, (_, i) => train.length + i);
  return {
    dataset: ds,
    settings: settings(hidden, epochs),
    reg,
    trainRows: train,
    validationRows: validation,
    fold: 0,
    seed: 1,
    backend: 'bench',
    linearCache: cache,
  };
}

const msOf = (f: () => void) => {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

async function main() {
  const backend = await initBackend({ log: (l) => console.error(l) });
  const none: RegConfig = { type: 'none', lambda: 0, dropoutRate: 0, l1Ratio: 0 };
  const dropout: RegConfig = { type: 'l2+dropout', lambda: 1, dropoutRate: 0.2, l1Ratio: 0 };

  // MLP: per-epoch time over shapes that separate the per-step cost from the per-FLOP cost
  const shapes = [
    { rows: 354, features: 10, hidden: [8] },
    { rows: 354, features: 10, hidden: [32, 32] },
    { rows: 354, features: 10, hidden: [128, 128] },
    { rows: 1400, features: 10, hidden: [32, 32] },
    { rows: 1400, features: 40, hidden: [128, 128] },
    { rows: 1400, features: 40, hidden: [256, 256] },
  ];
  const epochs = 30;
  fitRecord(input(synthetic(354, 10, 7), [32, 32], 20, dropout)); // warm-up: the backend, the JIT
  const mlp = shapes.map((s) => {
    const ds = synthetic(s.rows, s.features, 7);
    const trainRows = Math.round(s.rows * 0.8);
    fitRecord(input(ds, s.hidden, 3, dropout)); // warm-up: kernels for these shapes
    const ms = Math.min(...[0, 1, 2, 3, 4, 5, 6].map(() => msOf(() => fitRecord(input(ds, s.hidden, epochs, dropout))))) / epochs; // the least disturbed run
    const work = { trainRows, validationRows: s.rows - trainRows, features: s.features, hidden: s.hidden, outputs: 1, batchSize: 32 };
    return { ...s, msPerEpoch: +ms.toFixed(3), steps: Math.ceil(trainRows / 32), flops: mlpEpochFlops(work) };
  });
  // least squares of the relative error, without intercept: ms = a·steps + b·flops, each row divided by its ms
  let sss = 0;
  let ssf = 0;
  let sff = 0;
  let sys = 0;
  let syf = 0;
  for (const r of mlp) {
    const [s, f] = [r.steps / r.msPerEpoch, r.flops / r.msPerEpoch];
    sss += s * s;
    ssf += s * f;
    sff += f * f;
    sys += s;
    syf += f;
  }
  const det = sss * sff - ssf * ssf;
  const stepMs = (sys * sff - syf * ssf) / det;
  const msPerFlop = (sss * syf - ssf * sys) / det;

  // linear: mean ms per trial along a 20-λ path of each exact solver, one container cache (as a warm Lambda); best of 3
  const lambdas = Array.from({ length: 20 }, (_, i) => 10 ** (3 - (5 * i) / 19));
  const linear = [
    { rows: 442, features: 10 },
    { rows: 2000, features: 50 },
  ].flatMap((s) => {
    const regression = synthetic(s.rows, s.features, 11);
    const classification = synthetic(s.rows, s.features, 11, 'classification');
    const runs = [
      { ds: regression, type: 'l2' as const, solver: 'closed-form' },
      { ds: regression, type: 'l1' as const, solver: 'coordinate-descent' },
      { ds: classification, type: 'l2' as const, solver: 'proximal-newton' },
    ];
    return runs.map(({ ds, type, solver }) => {
      const path = () => {
        const cache = new LinearCache();
        fitRecord(input(ds, [], 1, none, cache));
        return msOf(() => {
          for (const lambda of lambdas) fitRecord(input(ds, [], 1, { type, lambda, dropoutRate: 0, l1Ratio: type === 'l1' ? 1 : 0 }, cache));
        });
      };
      const total = Math.min(path(), path(), path());
      return { ...s, solver, trainRows: Math.round(s.rows * 0.8), msPerTrial: +(total / lambdas.length).toFixed(3) };
    });
  });
  // two-point fit per solver: ms = a + b·size, size = n·p (n·p² for proximal Newton: a weighted Gram per Newton step)
  const linearFit = Object.fromEntries(
    (['closed-form', 'coordinate-descent', 'proximal-newton'] as const).map((solver) => {
      const [small, large] = linear.filter((r) => r.solver === solver);
      const size = (r: typeof small) => linearWorkSize(solver, r.trainRows, r.features);
      const b = (large.msPerTrial - small.msPerTrial) / (size(large) - size(small));
      return [solver, { a: +(small.msPerTrial - b * size(small)).toFixed(3), b: +b.toPrecision(3) }];
    }),
  );
  const result = {
    bench: 'cost',
    backend: backend.name,
    date: new Date().toISOString().slice(0, 10),
    mlp,
    fit: { stepMs: +stepMs.toFixed(4), nsPerFlop: +(msPerFlop * 1e6).toFixed(4) },
    linear,
    linearFit,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
