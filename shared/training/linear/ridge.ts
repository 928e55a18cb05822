/**
 * Ridge regression (and no penalty) in closed form for every lambda of one fold from ONE eigendecomposition,
 * as scikit-learn's RidgeCV does: with the centred design X (m x p) and centred targets y,
 *   min (1/2m) ||y - X w||^2 + (lambda_eff / 2m) ||w||^2   <=>   (X'X + lambda_eff I) w = X'y,
 * and with X'X = V diag(d) V', w = V diag(1 / (d + lambda_eff)) V' X'y. Without a penalty and with a
 * rank-deficient X'X (collinear or constant columns, more features than rows) it is the minimum-norm
 * least-squares solution: directions with d ~ 0 are left out (the pseudo-inverse).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Design } from './design';

export class RidgePath {
  private readonly p: number;
  /** Eigenvectors of X'X, column k = vector k (row-major p x p). */
  private readonly vectors: Float64Array;
  private readonly values: Float64Array;
  /** V' X'y. */
  private readonly projected: Float64Array;
  /** Eigenvalues at or below this count as zero (relative to the largest). */
  private readonly zero: number;

  constructor(design: Design, yc: Float64Array) {
    const { p, m, cols } = design;
    this.p = p;
    const gram = new Matrix(p, p);
    const xty = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      const cj = cols[j];
      let s = 0;
      for (let i = 0; i < m; i++) s += cj[i] * yc[i];
      xty[j] = s;
      for (let k = j; k < p; k++) {
        const ck = cols[k];
        let g = 0;
        for (let i = 0; i < m; i++) g += cj[i] * ck[i];
        gram.set(j, k, g);
        gram.set(k, j, g);
      }
    }
    const evd = new EigenvalueDecomposition(gram, { assumeSymmetric: true });
    const v = evd.eigenvectorMatrix;
    this.values = Float64Array.from(evd.realEigenvalues, (d) => Math.max(d, 0));
    this.vectors = new Float64Array(p * p);
    this.projected = new Float64Array(p);
    for (let k = 0; k < p; k++) {
      let s = 0;
      for (let j = 0; j < p; j++) {
        const vjk = v.get(j, k);
        this.vectors[j * p + k] = vjk;
        s += vjk * xty[j];
      }
      this.projected[k] = s;
    }
    const largest = this.values.reduce((a, b) => Math.max(a, b), 0);
    this.zero = largest * Math.max(m, p) * Number.EPSILON;
  }

  /** Number of directions X'X really has (its numerical rank). */
  get rank(): number {
    return this.values.filter((d) => d > this.zero).length;
  }

  /** The coefficients for lambda_eff (>= 0) in the centred problem. */
  solve(lambdaEff: number): Float64Array {
    const { p } = this;
    const scaled = new Float64Array(p);
    for (let k = 0; k < p; k++) {
      const d = this.values[k];
      // No penalty: the pseudo-inverse leaves out directions X does not have.
      scaled[k] = lambdaEff > 0 || d > this.zero ? this.projected[k] / (d + lambdaEff) : 0;
    }
    const w = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += this.vectors[j * p + k] * scaled[k];
      w[j] = s;
    }
    return w;
  }
}
