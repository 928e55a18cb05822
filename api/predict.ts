/**
 * Predictions of a finished sweep's chosen model (a results directory, or an s3:// sweep prefix) for the raw rows
 * of a file (CSV, JSON Lines or a JSON array), one per row in the file's order: what `regsweep predict` writes.
 * The columns are matched by name and preprocessed as at the refit (shared/training/predict.ts); every check of
 * the file runs before TensorFlow.js starts.
 */
import * as path from 'node:path';
import { readDataBytes } from '../shared/data/parse';
import { checkColumnNames, readTable, type DatasetFormat } from '../shared/data/read';
import { UsageError } from '../shared/errors';
import { bestKey, bestPrefix } from '../shared/store/layout';
import type { Predictions } from '../shared/training/predict';
import { withSweep } from './results';

export type { Predictions } from '../shared/training/predict';

/** What {@link predict} reads. */
export interface PredictOptions {
  /** A sweep directory (from a local sweep's `out`) or `s3://<bucket>/sweeps/<sweepId>/`. */
  readonly sweep: string;
  /** The rows to predict: CSV with a header row, JSON Lines or a JSON array. */
  readonly data: string;
  /** @default from the file name or content */
  readonly format?: DatasetFormat;
  /** The S3 endpoint of an s3:// sweep (a local server). @default AWS */
  readonly s3Endpoint?: string;
  /** Told, before the model runs, which of the file's columns the model does not use (the target among them). */
  readonly onIgnoredColumns?: (columns: readonly string[], info: { readonly file: string; readonly target: string }) => void;
  /** Where the TensorFlow.js backend's messages go. @default dropped */
  readonly log?: (line: string) => void;
}

/**
 * Predict every row of `data` with the sweep's refit model.
 * @returns the columns (the prediction, or the class and `p(<class>)` per class) and one row per input row
 * @throws UsageError when the sweep has no refit model; DatasetError naming the file, row and column
 */
export async function predict(o: PredictOptions): Promise<Predictions> {
  const { best, files } = await withSweep(o.sweep, { s3Endpoint: o.s3Endpoint }, async (sweep) => {
    const best = await sweep.best();
    if (!best) throw new UsageError(`no best model: ${sweep.uri(bestKey(sweep.sweepId))} not found (was the sweep refit?)`);
    const files = await sweep.model();
    if (!files) throw new UsageError(`no saved model: ${sweep.uri(bestPrefix(sweep.sweepId))}model.json or weights.bin not found`);
    return { best, files };
  });
  const name = path.basename(o.data);
  const { table } = readTable(await readDataBytes(o.data, name, Infinity), name, o.format);
  checkColumnNames(table, name);
  // Loaded only now, so bad input is refused before tfjs starts.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadSavedModel, predictRows, prepareRows } = require('../shared/training/predict') as typeof import('../shared/training/predict');
  const prepared = prepareRows(best, table, name);
  if (prepared.ignored.length > 0) o.onIgnoredColumns?.(prepared.ignored, { file: name, target: best.target });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { initBackend } = require('../shared/training/backend') as typeof import('../shared/training/backend');
  await initBackend({ log: o.log ?? (() => {}) });
  const model = await loadSavedModel(files);
  try {
    return predictRows(best, model, prepared);
  } finally {
    model.dispose();
  }
}
