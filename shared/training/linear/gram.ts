/**
 * The Gram matrix of one fold's centred design and its correlations with the centred targets, computed once
 * (O(m p^2)) and shared by every linear regression fit of the fold: the ridge path's eigendecomposition and
 * coordinate descent's covariance updates.
 */
import type { Design } from './design';

export interface Gram {
  readonly p: number;
  /** G = X'X / m, row-major p x p. */
  readonly g: Float64Array;
  /** c = X'y / m. */
  readonly c: Float64Array;
  /** y'y / m (the targets as solved are standardized: 1). */
  readonly yy: number;
}

export function gramOf(design: Design, yc: Float64Array): Gram {
  const { m, p, cols } = design;
  const g = new Float64Array(p * p);
  const c = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const cj = cols[j];
    let s = 0;
    for (let i = 0; i < m; i++) s += cj[i] * yc[i];
    c[j] = s / m;
    for (let k = j; k < p; k++) {
      const ck = cols[k];
      let t = 0;
      for (let i = 0; i < m; i++) t += cj[i] * ck[i];
      g[j * p + k] = g[k * p + j] = t / m;
    }
  }
  let yy = 0;
  for (const v of yc) yy += v * v;
  return { p, g, c, yy: yy / m };
}
