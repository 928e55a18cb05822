/**
 * Logistic regression, binary (one logit, sigmoid) and multinomial (K logits, softmax), with any mix of L1 and
 * L2 on the coefficients (never the intercepts):
 *   J = (1/m) sum_i cross-entropy_i + l1 * sum|w| + sum (l2_j / 2) w_j^2
 * solved by proximal Newton with coordinate descent (glmnet's IRLS): around the current point the
 * cross-entropy of one logit is replaced by its quadratic model (weights v_i = p_i (1 - p_i), working response
 * z_i = eta_i + (y_i - p_i) / v_i), the penalized weighted least-squares problem is solved by coordinate
 * descent, and a backtracking line search on J accepts the step. With K > 2 classes the logits are taken one at
 * a time (glmnet's partial Newton). It stops when the KKT conditions of J hold to `tol`, checked with the exact
 * gradient, so the clamping of tiny weights only affects the path, never the answer.
 *
 * With L2 this is scikit-learn's LogisticRegression at C = 1/lambda (J times m/lambda is its objective).
 * Without any penalty and with perfectly separable classes J has no minimum (scaling up a separating w always
 * lowers it): the solver stops as soon as its current coefficients classify every training row correctly, or
 * once a coefficient passes `bound`, and says so.
 */
import { softThreshold } from '../../regularizers';
import type { Design } from './design';
import { penaltyValue, type LinearPenalty } from './penalty';
import { softmaxRows } from '../metrics';

export interface LogisticOptions {
  /** KKT tolerance on the gradient of J. @default 1e-10 */
  readonly tol?: number;
  /** Newton steps (per logit for K > 2) at most. @default 500 */
  readonly maxSteps?: number;
  /** Without a penalty, stop when a coefficient passes this (separable classes). @default 1e4 */
  readonly bound?: number;
  /** The inner descent uses the weighted Gram matrix up to this many features, the rows above. @default COVARIANCE_MAX_FEATURES */
  readonly covarianceMaxFeatures?: number;
}

export interface LogisticResult {
  /** Coefficients, p x K row-major (K = 1 for two classes). */
  readonly w: Float64Array;
  /** Intercepts (centred-design units), K. */
  readonly b: Float64Array;
  readonly steps: number;
  readonly converged: boolean;
  readonly kkt: number;
  readonly objective: number;
  /** Set when the classes are separable and nothing bounds the coefficients. */
  readonly unbounded: boolean;
}

const V_MIN = 1e-5;
/** Passes of the inner coordinate descent per Newton step, at most. */
const MAX_PASSES = 1000;
/**
 * Up to this many features the inner descent runs on the weighted Gram matrix (forming it costs O(m p^2) per
 * Newton step, a pass then O(p^2)); above it, on the rows (O(m p) a pass), as glmnet switches at 500. On
 * 1,600 x 50 rows a small-lambda path went from 0.1-3.9 s to milliseconds a fit (bench/README.md section 6).
 */
export const COVARIANCE_MAX_FEATURES = 200;

/** log(1 + e^x) without overflow. */
const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/**
 * Fit on the centred design with labels 0..K-1 (`classes` = K >= 2). A warm start (w, b) is optional.
 */
export function logistic(
  design: Design,
  labels: Int32Array,
  classes: number,
  pen: LinearPenalty,
  warm?: { w: Float64Array; b: Float64Array },
  opts: LogisticOptions = {},
): LogisticResult {
  const K = classes === 2 ? 1 : classes;
  const { m, p } = design;
  const tol = opts.tol ?? 1e-10;
  const maxSteps = opts.maxSteps ?? 500;
  const bound = opts.bound ?? 1e4;
  const penalized = pen.l1 > 0 || pen.l2.some((v) => v > 0);
  const w = warm ? Float64Array.from(warm.w) : new Float64Array(p * K);
  const b = warm ? Float64Array.from(warm.b) : new Float64Array(K);
  if (!warm) {
    // Start from the class frequencies (the best intercepts without features).
    const counts = new Float64Array(classes);
    for (const y of labels) counts[y]++;
    const freq = (k: number) => Math.min(Math.max(counts[k] / m, 1e-6), 1 - 1e-6);
    if (K === 1) b[0] = Math.log(freq(1) / (1 - freq(1)));
    else for (let k = 0; k < K; k++) b[k] = Math.log(freq(k));
  }
  const eta = new Float64Array(m * K); // logits, row-major m x K
  const refresh = () => {
    for (let i = 0; i < m; i++) for (let k = 0; k < K; k++) eta[i * K + k] = b[k];
    for (let j = 0; j < p; j++) {
      const c = design.cols[j];
      for (let k = 0; k < K; k++) {
        const wjk = w[j * K + k];
        if (wjk !== 0) for (let i = 0; i < m; i++) eta[i * K + k] += c[i] * wjk;
      }
    }
  };
  refresh();

  const probs = new Float64Array(m * K);
  const updateProbs = () => {
    if (K === 1) {
      for (let i = 0; i < m; i++) probs[i] = sigmoid(eta[i]);
      return;
    }
    softmaxRows(eta, K, probs);
  };
  /** Mean cross-entropy at logits `e`. */
  const dataLoss = (e: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < m; i++) {
      if (K === 1) s += softplus(e[i]) - (labels[i] === 1 ? e[i] : 0);
      else {
        let top = -Infinity;
        for (let k = 0; k < K; k++) top = Math.max(top, e[i * K + k]);
        let sum = 0;
        for (let k = 0; k < K; k++) sum += Math.exp(e[i * K + k] - top);
        s += top + Math.log(sum) - e[i * K + labels[i]];
      }
    }
    return s / m;
  };
  const column = (k: number) => Float64Array.from({ length: p }, (_, j) => w[j * K + k]);
  const penaltyAll = () => {
    let s = 0;
    for (let k = 0; k < K; k++) s += penaltyValue(pen, column(k));
    return s;
  };
  const target = (i: number, k: number) => (K === 1 ? (labels[i] === 1 ? 1 : 0) : labels[i] === k ? 1 : 0);

  /** Largest KKT violation of J over every coefficient and intercept (exact gradient at the current point). */
  const kkt = (): number => {
    updateProbs();
    let worst = 0;
    for (let k = 0; k < K; k++) {
      let gb = 0;
      for (let i = 0; i < m; i++) gb += target(i, k) - probs[i * K + k];
      worst = Math.max(worst, Math.abs(gb / m));
      for (let j = 0; j < p; j++) {
        const c = design.cols[j];
        let g = 0;
        for (let i = 0; i < m; i++) g += c[i] * (target(i, k) - probs[i * K + k]);
        g /= m;
        const wjk = w[j * K + k];
        const v = wjk === 0 ? Math.max(0, Math.abs(g) - pen.l1) : Math.abs(g - pen.l2[j] * wjk - pen.l1 * Math.sign(wjk));
        worst = Math.max(worst, v);
      }
    }
    return worst;
  };

  /**
   * Coordinate descent on the rows: z is the working response's residual, updated in place as the coefficients
   * move (each pass O(m p)). Moves wNew (from the current coefficients) and returns the intercept's step.
   */
  const naiveDescent = (v: Float64Array, z: Float64Array, vSum: number, wNew: Float64Array): number => {
    const av = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      const c = design.cols[j];
      let s = 0;
      for (let i = 0; i < m; i++) s += v[i] * c[i] * c[i];
      av[j] = s / m;
    }
    let db = 0;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let moved = 0;
      let s = 0;
      for (let i = 0; i < m; i++) s += v[i] * z[i];
      const step = s / vSum;
      if (step !== 0) {
        for (let i = 0; i < m; i++) z[i] -= step;
        db += step;
        moved = Math.abs(step);
      }
      for (let j = 0; j < p; j++) {
        const c = design.cols[j];
        const denom = av[j] + pen.l2[j];
        let g = 0;
        for (let i = 0; i < m; i++) g += v[i] * c[i] * z[i];
        const old = wNew[j];
        const next = denom > 0 ? softThreshold(g / m + av[j] * old, pen.l1) / denom : 0;
        const delta = next - old;
        if (delta !== 0) {
          for (let i = 0; i < m; i++) z[i] -= c[i] * delta;
          wNew[j] = next;
          moved = Math.max(moved, Math.sqrt(av[j]) * Math.abs(delta));
        }
      }
      if (moved <= tol * 1e-2) break;
    }
    return db;
  };

  /**
   * The same descent on the weighted moments (glmnet's covariance updates): G = X'VX/m, a = X'v/m, c = X'Vz/m
   * are formed once (O(m p^2)); then the gradient of coordinate j is c_j - q_j with q = G dw + a db kept up to
   * date in O(p) per move, so a pass costs O(p^2) whatever m. The same updates and stopping rule as naiveDescent.
   */
  const covarianceDescent = (v: Float64Array, z: Float64Array, vSum: number, wNew: Float64Array): number => {
    const a = new Float64Array(p);
    const c = new Float64Array(p);
    const G = new Float64Array(p * p);
    let c0 = 0;
    for (let i = 0; i < m; i++) c0 += v[i] * z[i];
    c0 /= m;
    const vx = new Float64Array(m);
    for (let j = 0; j < p; j++) {
      const cj = design.cols[j];
      let sa = 0;
      let sc = 0;
      for (let i = 0; i < m; i++) {
        vx[i] = v[i] * cj[i];
        sa += vx[i];
        sc += vx[i] * z[i];
      }
      a[j] = sa / m;
      c[j] = sc / m;
      for (let l = 0; l <= j; l++) {
        const cl = design.cols[l];
        let s = 0;
        for (let i = 0; i < m; i++) s += vx[i] * cl[i];
        G[j * p + l] = G[l * p + j] = s / m;
      }
    }
    const sv = vSum / m;
    const q = new Float64Array(p); // G dw + a db
    let sumA = 0; // a'dw
    let db = 0;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let moved = 0;
      const step = (c0 - sv * db - sumA) / sv;
      if (step !== 0) {
        db += step;
        for (let l = 0; l < p; l++) q[l] += a[l] * step;
        moved = Math.abs(step);
      }
      for (let j = 0; j < p; j++) {
        const gjj = G[j * p + j];
        const denom = gjj + pen.l2[j];
        const old = wNew[j];
        const next = denom > 0 ? softThreshold(c[j] - q[j] + gjj * old, pen.l1) / denom : 0;
        const delta = next - old;
        if (delta !== 0) {
          for (let l = 0; l < p; l++) q[l] += G[l * p + j] * delta;
          sumA += a[j] * delta;
          wNew[j] = next;
          moved = Math.max(moved, Math.sqrt(gjj) * Math.abs(delta));
        }
      }
      if (moved <= tol * 1e-2) break;
    }
    return db;
  };

  /** One proximal Newton step on logit k; returns false when J could not be decreased. */
  const newtonStep = (k: number): boolean => {
    updateProbs();
    const v = new Float64Array(m);
    const z = new Float64Array(m); // working residual z - eta, then the running residual of the quadratic model
    let vSum = 0;
    for (let i = 0; i < m; i++) {
      const pi = probs[i * K + k];
      v[i] = Math.max(pi * (1 - pi), V_MIN);
      z[i] = (target(i, k) - pi) / v[i];
      vSum += v[i];
    }
    // Penalized weighted least squares, (1/2m) sum v_i (z_i - db - x_i dw)^2 + penalty(w + dw), by coordinate
    // descent from dw = 0: on the weighted Gram matrix when p is small (each pass O(p^2)), else on the rows.
    const wOld = column(k);
    const wNew = Float64Array.from(wOld);
    const db = p <= (opts.covarianceMaxFeatures ?? COVARIANCE_MAX_FEATURES) ? covarianceDescent(v, z, vSum, wNew) : naiveDescent(v, z, vSum, wNew);
    // Backtracking line search on J along the step (Armijo with the prox-Newton decrease estimate).
    const before = dataLoss(eta) + penaltyAll();
    const dEta = new Float64Array(m);
    for (let i = 0; i < m; i++) dEta[i] = db;
    for (let j = 0; j < p; j++) {
      const delta = wNew[j] - wOld[j];
      if (delta === 0) continue;
      const c = design.cols[j];
      for (let i = 0; i < m; i++) dEta[i] += c[i] * delta;
    }
    let grad = 0; // directional derivative of the data term
    for (let i = 0; i < m; i++) grad -= (target(i, k) - probs[i * K + k]) * dEta[i];
    grad /= m;
    const decrease = grad + penaltyValue(pen, wNew) - penaltyValue(pen, wOld);
    const trial = Float64Array.from(eta);
    for (let t = 1; t > 1e-10; t /= 2) {
      for (let i = 0; i < m; i++) trial[i * K + k] = eta[i * K + k] + t * dEta[i];
      const wT = Float64Array.from(wOld, (x, j) => x + t * (wNew[j] - x));
      const after = dataLoss(trial) + penaltyAll() - penaltyValue(pen, wOld) + penaltyValue(pen, wT);
      if (after <= before + 1e-4 * t * Math.min(decrease, 0) || (after <= before && decrease >= 0)) {
        for (let j = 0; j < p; j++) w[j * K + k] = wT[j];
        b[k] += t * db;
        eta.set(trial);
        return after < before;
      }
    }
    return false;
  };

  /** Every training row on the right side of the decision boundary (so no finite minimum exists). */
  const separates = (): boolean => {
    for (let i = 0; i < m; i++) {
      if (K === 1) {
        if ((labels[i] === 1 ? eta[i] : -eta[i]) <= 0) return false;
      } else {
        for (let k = 0; k < K; k++) if (k !== labels[i] && eta[i * K + k] >= eta[i * K + labels[i]]) return false;
      }
    }
    return true;
  };

  let steps = 0;
  let converged = false;
  let unbounded = false;
  let violation = kkt();
  while (steps < maxSteps) {
    if (violation <= tol) {
      converged = true;
      break;
    }
    let improved = false;
    for (let k = 0; k < K; k++) improved = newtonStep(k) || improved;
    steps++;
    violation = kkt();
    if (!penalized && (separates() || w.some((x) => Math.abs(x) > bound))) {
      unbounded = true;
      break;
    }
    if (!improved) {
      converged = violation <= tol * 1e3; // no step decreases J: round-off has the last word
      break;
    }
  }
  if (K > 1) {
    // Softmax logits are defined up to a constant per row: centre the intercepts (and, with no L1 term,
    // each feature's coefficients over the classes, which the L2 optimum already satisfies).
    centre(b, 1, K);
    if (pen.l1 === 0) centre(w, p, K);
    refresh();
  }
  return { w, b, steps, converged, kkt: violation, objective: dataLoss(eta) + penaltyAll(), unbounded };
}

/** Subtract each row's mean from a rows x cols row-major matrix. */
function centre(a: Float64Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += a[r * cols + c];
    s /= cols;
    for (let c = 0; c < cols; c++) a[r * cols + c] -= s;
  }
}
