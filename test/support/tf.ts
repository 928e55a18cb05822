import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../shared/training/backend';
import { readDatasetFile, type Dataset } from '../../shared/data/parse';
import type { BestRecord } from '../../shared/study/best';
import type { Blobs } from '../../shared/store/blobs';
import { fitPreprocessor, transformRows } from '../../shared/data/preprocess';
import { selectTargets } from '../../shared/data/standardize';
import { SweepStore } from '../../shared/store/sweep-store';
import { loadSavedModel } from '../../shared/training/predict';

export const DATA_DIR = path.join(__dirname, '..', '..', 'examples', 'data');

/** Initialise the TensorFlow.js backend the way the app does (tfjs-node if present, else wasm). */
export const ready = () => initBackend();

/** A dataset from examples/data, standardized over all its rows (population std). */
export async function standardized(file: string, target: string, task: Dataset['task'] = 'regression') {
  const ds = await readDatasetFile(path.join(DATA_DIR, file), { target, task });
  const rows = ds.y.map((_, i) => i);
  const pre = fitPreprocessor(ds, rows);
  const z = transformRows(pre, ds, rows);
  const y = selectTargets(ds.y, rows);
  const d = pre.features.length;
  const X = rows.map((i) => Array.from(z.subarray(i * d, (i + 1) * d)));
  return { ds, z, y, X, d, n: rows.length, features: pre.features };
}

/** A small diabetes sweep spec for harness tests: `search` configs x 2 folds of a 4-unit MLP for 4 epochs. */
export const tinyDiabetesSpec = (sweepId: string, source: string, search: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  sweepId,
  dataset: { source, target: 'progression', task: 'regression' },
  model: { hidden: [4] },
  training: { epochs: 4, learningRate: 0.05 },
  validation: { folds: 2 },
  search,
  ...extra,
});

/**
 * Load the tfjs model a refit saved under sweeps/<sweepId>/best/ (as `regsweep predict` does, with tf.loadLayersModel) and
 * return its mean squared error on `rows` of `ds`, preprocessed with best.json's preprocessing.
 */
export async function savedModelMse(store: Blobs, sweepId: string, best: BestRecord, ds: Dataset, rows: readonly number[]): Promise<number> {
  const model = await loadSavedModel((await new SweepStore(store, sweepId).model())!);
  const x = tf.tensor2d(transformRows(best.preprocessing!, ds, rows), [rows.length, best.standardizer.features.length]);
  const pred = model.predict(x) as tf.Tensor;
  const p = pred.dataSync();
  tf.dispose([x, pred]);
  model.dispose();
  return rows.reduce((s, r, i) => s + (p[i] - ds.y[r]) ** 2, 0) / rows.length;
}
