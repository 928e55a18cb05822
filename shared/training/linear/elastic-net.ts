/**
 * Coordinate descent for the lasso and the elastic net on a linear regression (glmnet; Friedman, Hastie and
 * Tibshirani 2010), on the centred design:
 *   min (1/2m) ||y - X w||^2 + l1 * sum|w_j| + sum (l2_j / 2) w_j^2
 * One coordinate at a time, in closed form: w_j = S((1/m) x_j'r + a_j w_j, l1) / (a_j + l2_j), with r the
 * residual kept up to date and S the soft-threshold, which gives exact zeros. Passes over all coordinates
 * alternate with passes over the nonzero ones (the active set) until no coefficient moves by more than the
 * tolerance (scaled: sqrt(a_j) |dw_j| <= tol * sd(y)); then the KKT conditions are checked on every coordinate.
 * A warm start (the solution at a larger lambda of the same path) makes a path cheap.
 */
import { softThreshold, type Design } from './design';
import type { LinearPenalty } from './penalty';

export interface CdOptions {
  /** Convergence tolerance on sqrt(a_j) |dw_j| relative to sd(y). @default 1e-12 */
  readonly tol?: number;
  /** At most this many passes over the coordinates. @default 100000 */
  readonly maxPasses?: number;
}

export interface CdResult {
  readonly w: Float64Array;
  readonly passes: number;
  readonly converged: boolean;
  /** Largest violation of the KKT conditions, relative to sd(y) (0 at the exact optimum). */
  readonly kkt: number;
}

export function elasticNet(design: Design, yc: Float64Array, pen: LinearPenalty, warm?: Float64Array, opts: CdOptions = {}): CdResult {
  const { m, p, cols, colSq } = design;
  const tol = opts.tol ?? 1e-12;
  const maxPasses = opts.maxPasses ?? 100000;
  const w = warm ? Float64Array.from(warm) : new Float64Array(p);
  const r = Float64Array.from(yc);
  for (let j = 0; j < p; j++) {
    if (w[j] === 0) continue;
    const c = cols[j];
    for (let i = 0; i < m; i++) r[i] -= c[i] * w[j];
  }
  let sy = 0;
  for (const v of yc) sy += v * v;
  const scale = Math.sqrt(sy / m) || 1;
  const limit = tol * scale;

  /** One pass over `coords`; returns the largest scaled move. */
  const pass = (coords: Iterable<number>): number => {
    let moved = 0;
    for (const j of coords) {
      const a = colSq[j];
      const denom = a + pen.l2[j];
      const c = cols[j];
      const old = w[j];
      let g = 0;
      for (let i = 0; i < m; i++) g += c[i] * r[i];
      const next = denom > 0 ? softThreshold(g / m + a * old, pen.l1) / denom : 0;
      const delta = next - old;
      if (delta !== 0) {
        for (let i = 0; i < m; i++) r[i] -= c[i] * delta;
        w[j] = next;
        moved = Math.max(moved, Math.sqrt(a) * Math.abs(delta));
      }
    }
    return moved;
  };

  const all = Array.from({ length: p }, (_, j) => j);
  let passes = 0;
  let converged = false;
  while (passes < maxPasses) {
    passes++;
    if (pass(all) <= limit) {
      converged = true;
      break;
    }
    const active = all.filter((j) => w[j] !== 0);
    while (passes < maxPasses) {
      passes++;
      if (pass(active) <= limit) break;
    }
  }
  return { w, passes, converged, kkt: kktViolation(design, r, w, pen) / scale };
}

/**
 * The largest violation of the optimality conditions at w (r = y - X w): for w_j != 0,
 * (1/m) x_j'r - l2_j w_j = l1 sign(w_j); for w_j = 0, |(1/m) x_j'r| <= l1.
 */
export function kktViolation(design: Design, r: Float64Array, w: Float64Array, pen: LinearPenalty): number {
  const { m, p, cols } = design;
  let worst = 0;
  for (let j = 0; j < p; j++) {
    const c = cols[j];
    let g = 0;
    for (let i = 0; i < m; i++) g += c[i] * r[i];
    g /= m;
    const v = w[j] === 0 ? Math.max(0, Math.abs(g) - pen.l1) : Math.abs(g - pen.l2[j] * w[j] - pen.l1 * Math.sign(w[j]));
    worst = Math.max(worst, v);
  }
  return worst;
}
