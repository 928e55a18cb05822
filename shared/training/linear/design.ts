/**
 * The design of one fit of a linear model, in float64: the training rows' features standardized with the
 * training statistics (as the MLP trainer sees them) and then centred exactly, column by column, so the
 * intercept separates from the penalized coefficients. Columns are stored one array each (coordinate descent
 * walks columns).
 */
import type { Standardizer } from '../../data/standardize';

export interface Design {
  /** Training rows. */
  readonly m: number;
  /** Features. */
  readonly p: number;
  /** Centred standardized columns: cols[j][i] = z_ij - mean_j(z), z = (x - mean) / std. */
  readonly cols: Float64Array[];
  /** Means of the standardized columns over the training rows (0 up to round-off). */
  readonly colMeans: Float64Array;
  /** a_j = (1/m) sum_i cols[j][i]^2: 1 for a standardized column, 0 for a constant one. */
  readonly colSq: Float64Array;
}

/** The design of `rows` of `x` (raw features), standardized with `s` (fitted on the same rows). */
export function designOf(x: readonly (readonly number[])[], rows: readonly number[], s: Standardizer): Design {
  const m = rows.length;
  const p = s.mean.length;
  const cols: Float64Array[] = [];
  const colMeans = new Float64Array(p);
  const colSq = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const c = new Float64Array(m);
    let sum = 0;
    for (let i = 0; i < m; i++) {
      c[i] = (x[rows[i]][j] - s.mean[j]) / s.std[j];
      sum += c[i];
    }
    const mean = sum / m;
    let sq = 0;
    for (let i = 0; i < m; i++) {
      c[i] -= mean;
      sq += c[i] * c[i];
    }
    cols.push(c);
    colMeans[j] = mean;
    colSq[j] = sq / m;
  }
  return { m, p, cols, colMeans, colSq };
}

/** The values of `y` at `rows`, in float64. */
export function targetsOf(y: readonly number[], rows: readonly number[]): Float64Array {
  return Float64Array.from(rows, (r) => y[r]);
}

export const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
