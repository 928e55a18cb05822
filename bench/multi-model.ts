/**
 * Multi-model prototype (HFTA / vmap style): K MLP trials of one fold (same rows, same seed, so the same
 * minibatches; per-model lambda and dropout rate) trained in one set of tensor ops, against the same K trials
 * trained one after another by shared/training/train.ts, side by side in one run on wasm.
 *
 * Formulation (all models share each minibatch X):
 *   layer 1: X[b,p] x [p, K*h] as ONE 2-D matMul (the K first-layer kernels side by side), bias and ReLU fused;
 *   hidden layers after the first: per model (K 2-D matMuls on column blocks; tfjs-wasm's batched matMul is
 *            ~2 GFLOP/s against 13-20 for 2-D, and a block-diagonal kernel costs K^2 the arithmetic);
 *   output layer (one output): elementwise, sum(H * w) over each model's block, so one op whatever K;
 *   elementwise ops (dropout masks, ReLU derivative) on the [b, K*h] blocks at once; the optimizer per model on
 *   the host (optimizer.ts, each model its own penalty); per-epoch losses of all models from one forward pass;
 *   per-model early stopping (a stopped model is frozen at its best epoch and its updates skipped).
 * Dropout masks are those train.ts draws for each trial from its own seed: the uniforms of a step are drawn
 * once (the trials share the seed) and each model thresholds them at its own rate.
 *
 * Prints ms per trial-epoch for K = 1, 4, 8 (batched, and K separate train() calls), and how far each batched
 * trial's curves and final losses are from the same trial trained alone (the record tolerance).
 * Usage: npx tsx bench/multi-model.ts [--ks 1,4,8 --epochs 60 --reps 3 --patience 0]
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../shared/training/backend';
import { readDatasetFile } from '../shared/data/parse';
import { holdoutSplit } from '../shared/data/splits';
import type { RegConfig } from '../shared/search/grid';
import { prepareData } from '../shared/training/fit';
import { disposeModel, initialParams, paramLayout, type ModelConfig } from '../shared/training/model';
import { createOptimizer } from '../shared/training/optimizer';
import { penaltyCoefficients, train, type TrainData, type TrainOptions } from '../shared/training/train';
import { createRng, deriveSeed, permutation } from '../shared/util/random';
import { arg, emit, note, numbers, REPO, run } from './lib/cli';
import { machine, machineLine, otherLoadMeter } from './lib/machine';
import { median, round } from './lib/stats';

interface Curves {
  trainLoss: number[];
  valLoss: number[];
  bestEpoch: number;
}

/** K trials of one fold trained together (regression, ReLU, >= 1 hidden layer, one output). */
export function trainTogether(data: TrainData, base: TrainOptions, regs: readonly RegConfig[]): Curves[] {
  const K = regs.length;
  const n = data.yTrain.length;
  const nVal = data.yVal!.length;
  const d = data.features;
  const hidden = base.hidden;
  const L = hidden.length;
  const mean = data.yTrain.reduce((s, v) => s + v, 0) / n;
  const config: ModelConfig = { inputs: d, outputs: 1, hidden, activation: 'relu', seed: base.seed, outputBias: mean };
  const layout = paramLayout(config);
  const thetas = regs.map(() => initialParams(config));
  const grads = regs.map(() => new Float32Array(layout.size));
  const optimizers = regs.map((r) => {
    const c = penaltyCoefficients(r, n);
    return createOptimizer(layout.size, { kind: base.optimizer, learningRate: base.learningRate, l1: c.l1, l2: c.l2, kernelSize: layout.kernelSize });
  });
  const widths = hidden.map((h) => h * K);
  const kernel = (k: number, l: number) =>
    thetas[k].subarray(layout.kernels[l].offset, layout.kernels[l].offset + layout.kernels[l].shape[0] * layout.kernels[l].shape[1]);
  const bias = (k: number, l: number) => thetas[k].subarray(layout.biases[l].offset, layout.biases[l].offset + layout.biases[l].size);

  /** Host -> device: the first layer side by side, later hidden layers per model (and transposed), the output layer side by side. */
  const upload = () => {
    const h0 = hidden[0];
    const w1 = new Float32Array(d * widths[0]);
    for (let k = 0; k < K; k++) {
      const w = kernel(k, 0);
      for (let r = 0; r < d; r++) w1.set(w.subarray(r * h0, (r + 1) * h0), r * widths[0] + k * h0);
    }
    const cat = (l: number) => {
      const out = new Float32Array(hidden[l] * K);
      for (let k = 0; k < K; k++) out.set(bias(k, l), k * hidden[l]);
      return out;
    };
    const mid = [];
    for (let l = 1; l < L; l++) {
      const [rows, cols] = layout.kernels[l].shape;
      mid.push(
        regs.map((_, k) => {
          const w = kernel(k, l);
          const wt = new Float32Array(rows * cols);
          for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) wt[c * rows + r] = w[r * cols + c];
          return { w: tf.tensor2d(w, [rows, cols]), wt: tf.tensor2d(wt, [cols, rows]), b: tf.tensor1d(bias(k, l)) };
        }),
      );
    }
    const wOut = new Float32Array(widths[L - 1]);
    const bOut = new Float32Array(K);
    for (let k = 0; k < K; k++) {
      wOut.set(kernel(k, L), k * hidden[L - 1]);
      bOut[k] = bias(k, L)[0];
    }
    return {
      w1: tf.tensor2d(w1, [d, widths[0]]),
      b1: tf.tensor1d(cat(0)),
      mid,
      wOut: tf.tensor3d(wOut, [1, K, hidden[L - 1]]),
      bOut: tf.tensor1d(bOut),
    };
  };
  type Device = ReturnType<typeof upload>;
  const disposeDevice = (p: Device) => tf.dispose([p.w1, p.b1, p.wOut, p.bOut, ...p.mid.flatMap((m) => m.flatMap((x) => [x.w, x.wt, x.b]))]);

  /** Forward pass; masks (training) multiply each hidden layer's output. */
  const forward = (p: Device, x: tf.Tensor2D, masks?: tf.Tensor2D[]) => {
    const rows = x.shape[0];
    const acts: tf.Tensor2D[] = [];
    const blocks: tf.Tensor2D[][] = []; // the layer inputs of layers 2..L, per model
    let a = tf.fused.matMul({ a: x, b: p.w1, bias: p.b1, activation: 'relu' }) as tf.Tensor2D;
    acts.push(a);
    let h = masks ? tf.mul<tf.Tensor2D>(a, masks[0]) : a;
    for (let l = 1; l < L; l++) {
      const parts = tf.split<tf.Tensor2D>(h, K, 1);
      blocks.push(parts);
      a = tf.concat(
        parts.map((part, k) => tf.fused.matMul({ a: part, b: p.mid[l - 1][k].w, bias: p.mid[l - 1][k].b, activation: 'relu' }) as tf.Tensor2D),
        1,
      );
      acts.push(a);
      h = masks ? tf.mul<tf.Tensor2D>(a, masks[l]) : a;
    }
    const h3 = h.reshape<tf.Tensor3D>([rows, K, hidden[L - 1]]);
    const out = tf.add<tf.Tensor2D>(tf.sum(tf.mul(h3, p.wOut), 2), p.bOut); // [rows, K]
    return { out, acts, blocks, h3 };
  };

  const xEval = tf.tensor2d(Float32Array.from([...data.xTrain, ...data.xVal!]), [n + nVal, d]);
  const yEval = tf.tensor2d(Float32Array.from([...data.yTrain, ...data.yVal!]), [n + nVal, 1]);
  const rng = createRng(deriveSeed(base.seed, 7));
  const curves: Curves[] = regs.map(() => ({ trainLoss: [], valLoss: [], bestEpoch: 0 }));
  const best = regs.map(() => ({ loss: Infinity, epoch: 0 }));
  const stopped = regs.map(() => false);
  let dev = upload();
  let step = 0;
  const bs = Math.min(base.batchSize, n);
  for (let epoch = 1; epoch <= base.epochs && stopped.some((s) => !s); epoch++) {
    const order = permutation(n, rng);
    for (let start = 0; start < n; start += bs) {
      const idx = order.slice(start, start + bs);
      const rows = idx.length;
      step++;
      const xb = new Float32Array(rows * d);
      const yb = new Float32Array(rows);
      idx.forEach((r, i) => {
        xb.set(data.xTrain.subarray(r * d, (r + 1) * d), i * d);
        yb[i] = data.yTrain[r];
      });
      // Each trial's masks, as train.ts draws them: one uniform per entry, layer by layer, from the step's seed.
      const u = createRng(deriveSeed(base.seed, 100000 + step));
      const masks = hidden.map((h, l) => {
        const m = new Float32Array(rows * widths[l]);
        for (let r = 0; r < rows; r++)
          for (let j = 0; j < h; j++) {
            const v = u();
            for (let k = 0; k < K; k++) {
              const rate = regs[k].dropoutRate;
              m[r * widths[l] + k * h + j] = v >= rate ? 1 / (1 - rate) : 0;
            }
          }
        return m;
      });
      // (Host arrays leave the tidy through a variable: tf.tidy walks whatever it returns, element by element.)
      const pieces: { dWOut: Float32Array; dbOut: Float32Array; mid: Float32Array[][]; db: Float32Array[]; dW1: Float32Array } = {
        dWOut: new Float32Array(0),
        dbOut: new Float32Array(0),
        mid: Array.from({ length: L }, () => []),
        db: Array.from({ length: L }, () => new Float32Array(0)),
        dW1: new Float32Array(0),
      };
      tf.tidy(() => {
        const x = tf.tensor2d(xb, [rows, d]);
        const ms = masks.map((m, l) => tf.tensor2d(m, [rows, widths[l]]));
        const f = forward(dev, x, ms);
        const dz = tf.sub<tf.Tensor2D>(f.out, tf.tensor2d(yb, [rows, 1])); // [rows, K]
        const dz3 = dz.reshape([rows, K, 1]);
        const out = pieces;
        out.dWOut = tf.sum(tf.mul(f.h3, dz3), 0).dataSync() as Float32Array; // [K, hL]
        out.dbOut = dz.dataSync() as Float32Array;
        let dzl = tf.mul<tf.Tensor2D>(tf.mul(tf.mul(dz3, dev.wOut).reshape([rows, widths[L - 1]]), ms[L - 1]), tf.step(f.acts[L - 1]));
        for (let l = L - 1; l >= 1; l--) {
          out.db[l] = dzl.dataSync() as Float32Array;
          const parts = tf.split<tf.Tensor2D>(dzl, K, 1);
          out.mid[l] = parts.map((g, k) => tf.matMul(tf.transpose(f.blocks[l - 1][k]), g).dataSync() as Float32Array);
          const dh = tf.concat(
            parts.map((g, k) => tf.matMul(g, dev.mid[l - 1][k].wt)),
            1,
          );
          dzl = tf.mul(tf.mul(dh, ms[l - 1]), tf.step(f.acts[l - 1]));
        }
        out.db[0] = dzl.dataSync() as Float32Array;
        out.dW1 = tf.matMul(tf.transpose(x), dzl).dataSync() as Float32Array;
      });
      // Scatter into each model's flat gradient (1/b applied here), then each model's optimizer.
      const inv = 1 / rows;
      for (let k = 0; k < K; k++) {
        if (stopped[k]) continue;
        const g = grads[k];
        const h0 = hidden[0];
        const dW1 = pieces.dW1;
        const w0 = widths[0];
        for (let r = 0; r < d; r++) for (let j = 0; j < h0; j++) g[r * h0 + j] = dW1[r * w0 + k * h0 + j] * inv;
        for (let l = 1; l < L; l++) {
          const off = layout.kernels[l].offset;
          const w = pieces.mid[l][k];
          for (let i = 0; i < w.length; i++) g[off + i] = w[i] * inv;
        }
        const hl = hidden[L - 1];
        const dWOut = pieces.dWOut;
        const outOff = layout.kernels[L].offset;
        for (let j = 0; j < hl; j++) g[outOff + j] = dWOut[k * hl + j] * inv;
        for (let l = 0; l < L; l++) {
          const h = hidden[l];
          const w = widths[l];
          const off = layout.biases[l].offset;
          const db = pieces.db[l];
          for (let j = 0; j < h; j++) {
            let s = 0;
            for (let r = 0; r < rows; r++) s += db[r * w + k * h + j];
            g[off + j] = s * inv;
          }
        }
        const dbOut = pieces.dbOut;
        let s = 0;
        for (let r = 0; r < rows; r++) s += dbOut[r * K + k];
        g[layout.biases[L].offset] = s * inv;
        optimizers[k].step(thetas[k], g);
      }
      disposeDevice(dev);
      dev = upload();
    }
    const lossesT = tf.tidy(() => tf.squaredDifference(forward(dev, xEval).out, yEval)); // [n + nVal, K]
    const losses = lossesT.dataSync();
    lossesT.dispose();
    for (let k = 0; k < K; k++) {
      if (stopped[k]) continue;
      let tr = 0;
      let va = 0;
      for (let r = 0; r < n; r++) tr += losses[r * K + k];
      for (let r = n; r < n + nVal; r++) va += losses[r * K + k];
      curves[k].trainLoss.push(tr / n);
      curves[k].valLoss.push(va / nVal);
      curves[k].bestEpoch = epoch;
      if (base.patience > 0) {
        if (va / nVal < best[k].loss) best[k] = { loss: va / nVal, epoch };
        else if (epoch - best[k].epoch >= base.patience) stopped[k] = true;
        curves[k].bestEpoch = best[k].epoch;
      }
    }
  }
  disposeDevice(dev);
  tf.dispose([xEval, yEval]);
  return curves;
}

const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

async function main() {
  const ks = numbers('ks', [1, 4, 8]);
  const epochs = Number(arg('epochs', '60'));
  const reps = Number(arg('reps', '3'));
  const patience = Number(arg('patience', '0'));
  await initBackend({ preferred: 'wasm' });
  const m = machine();
  const ds = await readDatasetFile(path.join(REPO, 'examples', 'data', 'diabetes.csv'), { target: 'progression', task: 'regression' });
  const split = holdoutSplit(ds, 0.2, 42);
  const { data } = prepareData(ds, split.train, split.validation);
  const base: TrainOptions = {
    task: 'regression',
    hidden: [64, 64],
    activation: 'relu',
    epochs,
    batchSize: 32,
    learningRate: 1e-3,
    optimizer: 'adam',
    patience,
    reg: { type: 'none', lambda: 0, dropoutRate: 0, l1Ratio: 0 },
    seed: 42,
  };
  // K configs of one fold: l2 + dropout, lambda and rate varying.
  const regsOf = (K: number): RegConfig[] =>
    Array.from({ length: K }, (_, k) => ({ type: 'l2+dropout', lambda: 10 ** (k - 2), dropoutRate: [0.1, 0.2, 0.3][k % 3], l1Ratio: 0 }));
  const solo = (regs: RegConfig[]) =>
    regs.map((reg) => {
      const r = train(data, { ...base, reg });
      disposeModel(r.model);
      return { trainLoss: r.curves.trainLoss, valLoss: r.curves.valLoss, bestEpoch: r.bestEpoch };
    });
  // warm-up
  trainTogether(data, { ...base, epochs: 2 }, regsOf(2));
  solo(regsOf(1));

  const lines = [machineLine(m), `MLP 10-64-64-1 relu, l2+dropout, adam, batch 32, ${epochs} epochs, patience ${patience}, ${split.train.length} train rows`];
  const json: Record<string, unknown>[] = [];
  for (const K of ks) {
    const regs = regsOf(K);
    const together: number[] = [];
    const separate: number[] = [];
    let worst = { curve: 0, finalVal: 0, bestEpochSame: true };
    const meter = otherLoadMeter();
    for (let r = 0; r < reps; r++) {
      let c0 = process.cpuUsage();
      const a = trainTogether(data, base, regs);
      let c = process.cpuUsage(c0);
      together.push((c.user + c.system) / 1000 / a.reduce((s, x) => s + x.trainLoss.length, 0));
      c0 = process.cpuUsage();
      const b = solo(regs);
      c = process.cpuUsage(c0);
      separate.push((c.user + c.system) / 1000 / b.reduce((s, x) => s + x.trainLoss.length, 0));
      a.forEach((x, k) => {
        const y = b[k];
        const len = Math.min(x.valLoss.length, y.valLoss.length);
        for (let e = 0; e < len; e++) worst.curve = Math.max(worst.curve, relDiff(x.valLoss[e], y.valLoss[e]), relDiff(x.trainLoss[e], y.trainLoss[e]));
        worst = {
          ...worst,
          finalVal: Math.max(worst.finalVal, relDiff(x.valLoss[y.bestEpoch - 1] ?? NaN, y.valLoss[y.bestEpoch - 1])),
          bestEpochSame: worst.bestEpochSame && x.bestEpoch === y.bestEpoch,
        };
      });
    }
    const other = meter();
    const t = median(together);
    const s = median(separate);
    lines.push(
      `K=${K}: together ${round(t, 3)} ms CPU per trial-epoch, separately ${round(s, 3)} (${round(s / t, 2)}x); ` +
        `largest relative difference from the trial alone: curves ${worst.curve.toExponential(1)}, kept epoch's validation loss ${worst.finalVal.toExponential(1)}, same kept epoch: ${worst.bestEpochSame}` +
        (other?.high ? ' (NOTE: others took > 0.5 core)' : ''),
    );
    json.push({
      K,
      togetherMs: round(t),
      separateMs: round(s),
      speedup: round(s / t, 2),
      togetherRuns: together.map((x) => round(x)),
      separateRuns: separate.map((x) => round(x)),
      maxCurveRelDiff: worst.curve,
      maxKeptValRelDiff: worst.finalVal,
      sameBestEpoch: worst.bestEpochSame,
      otherCores: other?.otherCores,
    });
    note(lines.at(-1)!);
  }
  emit(lines, { bench: 'multi-model', epochs, patience, runs: json });
}

if (require.main === module) run(main);
