/**
 * Ridge regression (and no penalty) in closed form for every lambda of one fold from ONE eigendecomposition,
 * as scikit-learn's RidgeCV does: with the centred design X (m x p) and centred targets y,
 *   min (1/2m) ||y - X w||^2 + (lambda_eff / 2m) ||w||^2   <=>   (X'X + lambda_eff I) w = X'y,
 * and with X'X = V diag(d) V', w = V diag(1 / (d + lambda_eff)) V' X'y. Without a penalty and with a
 * rank-deficient X'X (collinear or constant columns, more features than rows) it is the minimum-norm
 * least-squares solution: directions with d ~ 0 are left out (the pseudo-inverse).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Gram } from './gram';

export class RidgePath {
  private readonly p: number;
  private readonly m: number;
  /** Eigenvectors of G = X'X/m, column k = vector k (row-major p x p). */
  private readonly vectors: Float64Array;
  private readonly values: Float64Array;
  /** V' X'y / m. */
  private readonly projected: Float64Array;
  /** Eigenvalues at or below this count as zero (relative to the largest). */
  private readonly zero: number;

  /** From the fold's Gram matrix (gram.ts) and its number of rows m. */
  constructor(gram: Gram, m: number) {
    const { p } = gram;
    this.p = p;
    this.m = m;
    const evd = new EigenvalueDecomposition(new Matrix(Array.from({ length: p }, (_, j) => Array.from(gram.g.subarray(j * p, (j + 1) * p)))), {
      assumeSymmetric: true,
    });
    const v = evd.eigenvectorMatrix;
    this.values = Float64Array.from(evd.realEigenvalues, (d) => Math.max(d, 0));
    this.vectors = new Float64Array(p * p);
    this.projected = new Float64Array(p);
    for (let k = 0; k < p; k++) {
      let s = 0;
      for (let j = 0; j < p; j++) {
        const vjk = v.get(j, k);
        this.vectors[j * p + k] = vjk;
        s += vjk * gram.c[j];
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

  /** The coefficients for lambda_eff (>= 0) in the centred problem: (X'X + lambda_eff I) w = X'y. */
  solve(lambdaEff: number): Float64Array {
    const { p } = this;
    const shift = lambdaEff / this.m;
    const scaled = new Float64Array(p);
    for (let k = 0; k < p; k++) {
      const d = this.values[k];
      // No penalty: the pseudo-inverse leaves out directions X does not have.
      scaled[k] = shift > 0 || d > this.zero ? this.projected[k] / (d + shift) : 0;
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
