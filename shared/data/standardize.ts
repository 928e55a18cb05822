/** Standardization with statistics fitted on training rows only. */

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
