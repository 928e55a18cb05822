import * as path from 'node:path';
import { initBackend } from '../../shared/training/backend';
import { readDatasetFile, type Dataset } from '../../shared/data/parse';
import { fitStandardizer, selectTargets, standardizeRows } from '../../shared/data/standardize';

export const DATA_DIR = path.join(__dirname, '..', '..', 'examples', 'data');

/** Initialise the TensorFlow.js backend the way the app does (tfjs-node if present, else wasm). */
export const ready = () => initBackend();

/** A dataset from examples/data, standardized over all its rows (population std). */
export async function standardized(file: string, target: string, task: Dataset['task'] = 'regression') {
  const ds = await readDatasetFile(path.join(DATA_DIR, file), { target, task });
  const rows = ds.y.map((_, i) => i);
  const z = standardizeRows(fitStandardizer(ds.x, rows), ds.x, rows);
  const y = selectTargets(ds.y, rows);
  const d = ds.features.length;
  const X = rows.map((i) => Array.from(z.subarray(i * d, (i + 1) * d)));
  return { ds, z, y, X, d, n: rows.length };
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
