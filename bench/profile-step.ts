/**
 * Where a training step's time goes on the current backend: data batching, forward, gradients (tape),
 * optimizer update, per-epoch evaluation; and the dispatch cost of one small op. Prints a table and JSON.
 * Usage: npx tsx bench/profile-step.ts [--backend wasm]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../shared/training/backend';
import { createModel, forward } from '../shared/training/model';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function time(label: string, reps: number, fn: () => void): [string, number] {
  for (let i = 0; i < Math.min(20, reps); i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) fn();
  return [label, Number(process.hrtime.bigint() - t0) / 1e3 / reps];
}

async function main() {
  const info = await initBackend({ preferred: arg('backend', 'tensorflow') as BackendName });
  const model = createModel({ inputs: 10, outputs: 1, hidden: [64, 64], activation: 'relu', seed: 1 });
  const X = tf.randomNormal<tf.Rank.R2>([265, 10], 0, 1, 'float32', 1);
  const Y = tf.randomNormal<tf.Rank.R2>([265, 1], 0, 1, 'float32', 2);
  const xb = X.slice([0, 0], [32, 10]);
  const yb = Y.slice([0, 0], [32, 1]);
  const vars = [...model.kernels, ...model.biases];
  const idx = Array.from({ length: 32 }, (_, i) => i * 3);
  const rows: [string, number][] = [
    time('one tiny op (add of 2 scalars)', 2000, () => tf.tidy(() => tf.scalar(1).add(tf.scalar(2)))),
    time('batch: tensor1d + 2 gathers', 500, () =>
      tf.tidy(() => {
        const i = tf.tensor1d(idx, 'int32');
        tf.gather(X, i);
        tf.gather(Y, i);
      }),
    ),
    time('forward, no dropout', 500, () => tf.tidy(() => forward(model, xb))),
    time('forward, dropout 0.2', 500, () => tf.tidy(() => forward(model, xb, { dropoutRate: 0.2, dropoutSeed: 3 }))),
    time('forward+loss+variableGrads, dropout', 300, () =>
      tf.tidy(() => tf.variableGrads(() => tf.squaredDifference(forward(model, xb, { dropoutRate: 0.2, dropoutSeed: 3 }), yb).mean<tf.Scalar>(), vars)),
    ),
    time('Adam-style update, 6 variables (14 ops each)', 300, () =>
      tf.tidy(() => {
        for (const v of vars) {
          const g = tf.onesLike(v);
          const m = g.mul(0.1).add(g.mul(0.9));
          const s = tf.square(g).mul(0.001).add(g.mul(0.999));
          v.assign(v.sub(m.mul(0).div(tf.sqrt(s).add(1e-7))));
        }
      }),
    ),
    time('epoch evaluation: forward 265 rows + MSE + dataSync', 300, () =>
      tf.tidy(() => {
        tf.squaredDifference(forward(model, X), Y).mean().dataSync();
      }),
    ),
  ];
  console.log(`backend ${info.name}`);
  for (const [label, us] of rows) console.log(`${label.padEnd(55)} ${us.toFixed(1).padStart(8)} µs`);
  console.log(JSON.stringify({ bench: 'profile-step', backend: info.name, microseconds: Object.fromEntries(rows) }));
}
void main();
