/** Standardization with statistics fitted on training rows only: features, and a regression's target. */
import { DatasetError } from '../errors';

/** Per-feature mean and population std; the std of a constant column is stored as 1. */
export interface Standardizer {
  readonly mean: number[];
  readonly std: number[];
}

/** Mean and population std (ddof 0) of each column over the given rows only (fit on training rows). */
export function fitStandardizer(x: number[][], rows: readonly number[]): Standardizer {
  if (rows.length === 0) throw new RangeError('fitStandardizer needs at least 1 row');
  const p = x[rows[0]].length;
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < p; j++) {
    const first = x[rows[0]][j];
    let constant = true;
    let sum = 0;
    for (const r of rows) {
      sum += x[r][j];
      if (x[r][j] !== first) constant = false;
    }
    if (constant) {
      mean.push(first);
      std.push(1);
      continue;
    }
    let mu = sum / rows.length;
    let dev = 0;
    for (const r of rows) dev += x[r][j] - mu;
    mu += dev / rows.length; // second pass corrects rounding in the mean
    let ss = 0;
    for (const r of rows) ss += (x[r][j] - mu) ** 2;
    const sd = Math.sqrt(ss / rows.length);
    mean.push(mu);
    std.push(sd > 0 ? sd : 1);
  }
  return { mean, std };
}

/** The given rows, standardized, as a row-major Float32Array of rows.length x features. */
export function standardizeRows(s: Standardizer, x: number[][], rows: readonly number[]): Float32Array {
  const p = s.mean.length;
  const out = new Float32Array(rows.length * p);
  rows.forEach((r, i) => {
    const row = x[r];
    for (let j = 0; j < p; j++) out[i * p + j] = (row[j] - s.mean[j]) / s.std[j];
  });
  return out;
}

/** The targets of the given rows. */
export function selectTargets(y: number[], rows: readonly number[]): Float32Array {
  return Float32Array.from(rows, (r) => y[r]);
}

/** A regression target's mean and population std over the training rows: training sees (y - mean) / std. */
export interface TargetScale {
  readonly mean: number;
  readonly std: number;
}

/**
 * The target's mean and population std (ddof 0) over the training rows. A constant target cannot be
 * standardized (nor predicted from anything): a DatasetError naming the column.
 */
export function fitTargetScale(y: readonly number[], rows: readonly number[], target: string): TargetScale {
  if (rows.length === 0) throw new RangeError('fitTargetScale needs at least 1 row');
  let mean = 0;
  for (const r of rows) mean += y[r];
  mean /= rows.length;
  let ss = 0;
  for (const r of rows) ss += (y[r] - mean) ** 2;
  const std = Math.sqrt(ss / rows.length);
  if (!(std > 0) || rows.every((r) => y[r] === y[rows[0]])) {
    throw new DatasetError(
      `target column ${JSON.stringify(target)} is constant on the training rows (every value is ${y[rows[0]]}): a regression target must vary to be standardized and learned`,
    );
  }
  return { mean, std };
}
