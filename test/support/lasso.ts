/**
 * Reference solvers in float64, independent of TensorFlow.js: the closed-form ridge solution and a
 * coordinate-descent Lasso with scikit-learn's objective (1/2m)||y - Xw||^2 + alpha ||w||_1.
 */

/** Solve A x = b by Gaussian elimination with partial pivoting. */
export function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k];
    x[r] = s / M[r][r];
  }
  return x;
}

/** (X'X + lambda I) w = X'y for centred X (rows) and centred y. */
export function ridgeClosedForm(X: number[][], y: number[], lambda: number): number[] {
  const d = X[0].length;
  const A = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => X.reduce((s, r) => s + r[i] * r[j], 0) + (i === j ? lambda : 0)));
  const b = Array.from({ length: d }, (_, i) => X.reduce((s, r, k) => s + r[i] * y[k], 0));
  return solve(A, b);
}

/** Coordinate-descent Lasso on centred X and y, to a coordinate change below tol. */
export function lassoCD(X: number[][], y: number[], alpha: number, tol = 1e-12, maxIter = 100000): number[] {
  const m = X.length;
  const d = X[0].length;
  const w = new Array<number>(d).fill(0);
  const resid = y.slice();
  const colSq = Array.from({ length: d }, (_, j) => X.reduce((s, r) => s + r[j] * r[j], 0) / m);
  for (let it = 0; it < maxIter; it++) {
    let maxDelta = 0;
    for (let j = 0; j < d; j++) {
      let rho = 0;
      for (let k = 0; k < m; k++) rho += X[k][j] * (resid[k] + X[k][j] * w[j]);
      rho /= m;
      const next = (Math.sign(rho) * Math.max(Math.abs(rho) - alpha, 0)) / colSq[j];
      const delta = next - w[j];
      if (delta !== 0) {
        for (let k = 0; k < m; k++) resid[k] -= X[k][j] * delta;
        w[j] = next;
      }
      maxDelta = Math.max(maxDelta, Math.abs(delta));
    }
    if (maxDelta < tol) return w;
  }
  return w;
}

export const relL2 = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0)) / Math.sqrt(b.reduce((s, x) => s + x * x, 0));
