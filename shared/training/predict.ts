/**
 * Predictions of a refit model on the raw rows of any table (`regsweep predict`): best.json's preprocessing
 * (data/preprocess.ts applyPreprocessor: columns matched by name, missing values imputed as in training, a
 * category never seen in training encoded as all zeros) then the saved tfjs model, one prediction per row in
 * the table's order.
 *
 *   regression       `prediction`: the model's output, in the target's units
 *   classification   `prediction`: the class name (best.json classNames); then `p(<class>)` per class, in
 *                    classNames order: the model's probability of that class (sigmoid for two classes, whose
 *                    prediction is the second class when its probability is over 0.5; softmax otherwise)
 */
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors';
import { applyPreprocessor } from '../data/preprocess';
import type { RawTable } from '../data/read';
import type { BestRecord } from '../study/best';

/** A model saved by the refit (SweepStore.model) as a tfjs LayersModel. */
export function loadSavedModel(files: { modelJson: tf.io.ModelJSON; weights: Uint8Array }): Promise<tf.LayersModel> {
  const { modelJson, weights } = files;
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData: weights.slice().buffer }),
  );
}

export interface Predictions {
  /** Output column names: `prediction`, then for classification `p(<class>)` per class. */
  readonly columns: string[];
  /** One row per input row, in input order: a number (regression) or class name, then probabilities. */
  readonly rows: (string | number)[][];
}

/** The name of a class's probability column. */
export const probabilityColumn = (className: string): string => `p(${className})`;

/** The model's input for a table: its rows preprocessed as in training, row-major `rows` x features. */
export interface PreparedRows {
  readonly x: Float32Array;
  readonly rows: number;
  /** Input columns the model does not use (the target, `split`, columns dropped in training, others). */
  readonly ignored: string[];
}

/**
 * Preprocess every row of `table` (read from the file `name`, named in errors) with best.json's preprocessing.
 * A column the model needs and the table lacks, or a cell its column's role cannot read, is a DatasetError
 * naming the file (and row and column): checked before any model is loaded.
 */
export function prepareRows(best: BestRecord, table: RawTable, name: string): PreparedRows {
  if (!best.preprocessing) {
    throw new UsageError(`best.json of sweep ${best.sweepId} has no preprocessing (written before regsweep stored it): run the sweep again to predict`);
  }
  return applyPreprocessor(best.preprocessing, table, name);
}

/** Predict the prepared rows with the refit `model` of `best`: one output row per input row, in order. */
export function predictRows(best: BestRecord, model: tf.LayersModel, prepared: PreparedRows): Predictions {
  const { x, rows } = prepared;
  const width = best.standardizer.features.length;
  const out = rows === 0 ? [] : tf.tidy(() => (model.predict(tf.tensor2d(x, [rows, width])) as tf.Tensor).arraySync() as number[][]);
  if (best.task === 'regression') return { columns: ['prediction'], rows: out.map((o) => [o[0]]) };
  const names = best.classNames ?? Array.from({ length: best.classes ?? 2 }, (_, k) => String(k));
  const probabilities = out.map((o) => (o.length === 1 ? [1 - o[0], o[0]] : o));
  return { columns: ['prediction', ...names.map(probabilityColumn)], rows: probabilities.map((p) => [names[argMax(p)], ...p]) };
}

/** The index of the largest value; the first on a tie (so a two-class probability of exactly 0.5 is class 0). */
function argMax(values: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
  return best;
}
