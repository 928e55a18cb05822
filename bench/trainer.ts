/**
 * Trainer benchmark: ms per epoch of the MLP 10 -> 64 ReLU -> 64 ReLU -> 1 with dropout after each ReLU,
 * Adam lr 1e-3, batch 32, on diabetes.csv's 265 training rows (standardized), per available backend.
 * Usage: npm run bench:trainer [-- --epochs 200 --backend wasm]
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../shared/training/backend';
import { readDatasetFile } from '../shared/data/parse';
import { fitPreprocessor, transformRows } from '../shared/data/preprocess';
import { selectTargets } from '../shared/data/standardize';
import { disposeModel } from '../shared/training/model';
import { train } from '../shared/training/train';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main() {
  const epochs = Number(arg('epochs', '200'));
  const preferred = arg('backend', 'tensorflow') as BackendName;
  const info = await initBackend({ preferred, log: (l) => console.error(l) });
  const ds = await readDatasetFile(path.join(__dirname, '..', 'examples', 'data', 'diabetes.csv'), { target: 'progression', task: 'regression' });
  const rows = Array.from({ length: 265 }, (_, i) => i);
  const pre = fitPreprocessor(ds, rows);
  const data = { xTrain: transformRows(pre, ds, rows), yTrain: selectTargets(ds.y, rows), features: pre.features.length };
  const opts = {
    task: 'regression' as const,
    hidden: [64, 64],
    activation: 'relu' as const,
    epochs,
    batchSize: 32,
    learningRate: 1e-3,
    optimizer: 'adam' as const,
    patience: 0,
    reg: { type: 'dropout' as const, lambda: 0, dropoutRate: 0.2, l1Ratio: 0 },
    seed: 1,
  };
  // warm-up (kernel compilation, allocator)
  disposeModel(train(data, { ...opts, epochs: 5 }).model);
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    const res = train(data, opts);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    disposeModel(res.model);
    runs.push(ms / epochs);
  }
  const best = Math.min(...runs);
  const median = [...runs].sort((a, b) => a - b)[2];
  const result = {
    bench: 'trainer',
    backend: info.name,
    epochs,
    rows: 265,
    stepsPerEpoch: Math.ceil(265 / 32),
    msPerEpochBest: +best.toFixed(3),
    msPerEpochMedian: +median.toFixed(3),
    pytorchReferenceMsPerEpoch: 4.36,
    tensors: tf.memory().numTensors,
  };
  console.log(
    `trainer  backend=${result.backend}  ${result.msPerEpochMedian} ms/epoch (median of 5 runs; best ${result.msPerEpochBest}); PyTorch reference 4.36 ms/epoch`,
  );
  console.log(JSON.stringify(result));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
