/**
 * Exact solvers for linear models (no hidden layer), chosen by task and penalty (each penalty declares its own:
 * shared/regularizers, exactSolverOf):
 *   regression, no L1 (none, l2, dropout, l2+dropout)  -> closed form from one eigendecomposition per fold
 *   regression with L1 (l1, elasticnet, +dropout)      -> coordinate descent, warm-started along the path
 *   classification without dropout                    -> proximal Newton with coordinate descent
 * A regression is solved on its target standardized with the training rows' mean and population std (one scale:
 * a lambda means the same on every dataset) and answered in the target's own units: w = s_y * w_s, intercept
 * mean_y + s_y * b_s, objective s_y^2 * J_s. L2 is unchanged by this (ridge on the original y with the same
 * lambda); the L1 part becomes scikit-learn's alpha = lambda * s_y / 2m (docs/ARCHITECTURE.md).
 * Dropout on a linear regression is solved as its expected objective (see penalty.ts). A linear classifier
 * with dropout has no such closed form and stays with masked SGD (training/train.ts): `exactLinearSolver`
 * returns undefined for it.
 *
 * A `LinearCache` (one per warm container, or per process) keeps what one fold's fits share: the design, the
 * ridge eigendecomposition and the solutions found so far, so every lambda of a fold reuses one decomposition
 * and each coordinate-descent fit starts from the nearest solution at a larger lambda of its path; and, for every
 * trial of the fold (SGD ones too), its rows as prepared for training (fit.ts prepareData: the fold's
 * preprocessor and the transformed rows), which would otherwise be fitted and transformed again for each lambda.
 */
import type { Dataset } from '../../data/parse';
import { encodeRows, type Preprocessor } from '../../data/preprocess';
import { fitTargetScale, type TargetScale } from '../../data/standardize';
import { exactSolverOf, pathOf, type LinearSolverName, type RegConfig } from '../../regularizers';
import { designOf, targetsOf, type Design } from './design';
import { elasticNet } from './elastic-net';
import { logistic } from './logistic';
import { linearPenalty, penaltyValue } from './penalty';
import { gramOf, type Gram } from './gram';
import { RidgePath } from './ridge';

export type { LinearSolverName };

export interface LinearSolution {
  readonly solver: LinearSolverName;
  /** Coefficients on standardized features (in the target's units), p x K row-major (K = 1 for regression and two classes). */
  readonly weights: Float64Array;
  /** Intercepts on standardized features, K. */
  readonly intercepts: Float64Array;
  /** Passes (coordinate descent) or Newton steps; 1 for the closed form. */
  readonly iterations: number;
  readonly converged: boolean;
  /** Largest KKT violation at the answer (0 for the closed form). */
  readonly kkt: number;
  /**
   * J on the training rows (for dropout: its expected value over the masks); for a regression s_y^2 times J on
   * the standardized target, i.e. in the target's squared units: (1/2m) RSS + the penalty.
   */
  readonly objective: number;
  /** Things the user should know about this fit (a rank-deficient design, separable classes, no convergence). */
  readonly notices: string[];
}

/** The solver a linear model with this config gets, or undefined (a linear classifier with dropout: masked SGD). */
export const exactLinearSolver = (task: Dataset['task'], reg: RegConfig): LinearSolverName | undefined => exactSolverOf(task, reg);

interface FoldState {
  readonly design: Design;
  /** Regression: standardized targets (y - mean) / std and the target's scale; classification: labels. */
  readonly ys?: Float64Array;
  readonly target?: TargetScale;
  readonly labels?: Int32Array;
  gram?: Gram;
  ridge?: RidgePath;
  /** Solutions by path (regularizers' pathOf: type, dropout, l1Ratio): the path's value (lambda) -> centred coefficients and intercepts. */
  readonly paths: Map<string, Map<number, { w: Float64Array; b: Float64Array }>>;
}

/** What the fits of one fold share (see the module comment). Holds a few folds of one dataset. */
export class LinearCache {
  private readonly folds = new Map<string, FoldState>();
  /** Prepared rows by (training rows, evaluation rows); few, as they hold whole row copies. */
  private readonly preparedRows = new Map<string, unknown>();
  private dataset?: Dataset;

  constructor(
    private readonly maxFolds = 16,
    private readonly maxPrepared = 2,
  ) {}

  /** Everything cached belongs to one dataset: a new one clears it. */
  private use(ds: Dataset): void {
    if (this.dataset === ds) return;
    this.folds.clear();
    this.preparedRows.clear();
    this.dataset = ds;
  }

  /** `make()`'s value for these training and evaluation rows of `ds`, made once (the caller must not mutate it). */
  prepared<T>(ds: Dataset, trainRows: readonly number[], evalRows: readonly number[], make: () => T): T {
    this.use(ds);
    const key = `${rowsKey(trainRows)}/${rowsKey(evalRows)}`;
    if (this.preparedRows.has(key)) return this.preparedRows.get(key) as T;
    if (this.preparedRows.size >= this.maxPrepared) this.preparedRows.delete(this.preparedRows.keys().next().value as string);
    const value = make();
    this.preparedRows.set(key, value);
    return value;
  }

  fold(ds: Dataset, rows: readonly number[], pre: Preprocessor): FoldState {
    this.use(ds);
    const key = rowsKey(rows);
    let state = this.folds.get(key);
    if (!state) {
      if (this.folds.size >= this.maxFolds) this.folds.delete(this.folds.keys().next().value as string);
      const x = encodeRows(pre, ds, rows);
      const design = designOf(x, Array.from(x.keys()), pre.standardizer);
      if (ds.task === 'regression') {
        const target = fitTargetScale(ds.y, rows, ds.target);
        state = { design, ys: targetsOf(ds.y, rows).map((v) => (v - target.mean) / target.std), target, paths: new Map() };
      } else {
        state = { design, labels: Int32Array.from(rows, (r) => ds.y[r]), paths: new Map() };
      }
      this.folds.set(key, state);
    }
    return state;
  }
}

/** A short fingerprint of a row set (FNV-1a over the indices). */
function rowsKey(rows: readonly number[]): string {
  let h = 0x811c9dc5;
  for (const r of rows) {
    h ^= r;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${rows.length}:${h.toString(16)}`;
}

/** The stored solution at the smallest value (lambda) at least `value` on the path, the nearest more regularized (the warm start). */
function warmStart(path: Map<number, { w: Float64Array; b: Float64Array }> | undefined, value: number) {
  let best: { value: number; w: Float64Array; b: Float64Array } | undefined;
  for (const [v, s] of path ?? []) if (v >= value && (!best || v < best.value)) best = { value: v, ...s };
  return best;
}

/**
 * Solve a linear model exactly on the training `rows` of `ds` (preprocessed by `pre`, fitted on those rows).
 * `classes` is K for classification. The caller picks the model family (exactLinearSolver must not be undefined).
 */
export function solveLinear(ds: Dataset, rows: readonly number[], pre: Preprocessor, reg: RegConfig, cache = new LinearCache(1)): LinearSolution {
  const solver = exactLinearSolver(ds.task, reg);
  if (!solver) throw new Error(`internal: no exact solver for a linear ${ds.task} with dropout`);
  const state = cache.fold(ds, rows, pre);
  const { design } = state;
  const { m, p } = design;
  const pen = linearPenalty(reg, m, design.colSq);
  const notices: string[] = [];
  const { key, value } = pathOf(reg);
  const path = state.paths.get(key) ?? new Map<number, { w: Float64Array; b: Float64Array }>();
  state.paths.set(key, path);
  const toStandardized = (wc: Float64Array, bc: Float64Array, K: number) => {
    // The centred design's intercept b_c becomes b = b_c - sum_j colMean_j w_j on the standardized features.
    const b = Float64Array.from(bc);
    for (let k = 0; k < K; k++) for (let j = 0; j < p; j++) b[k] -= design.colMeans[j] * wc[j * K + k];
    return b;
  };

  if (ds.task === 'regression') {
    const ys = state.ys!;
    const { mean: yMean, std: yStd } = state.target!;
    let w: Float64Array;
    let iterations = 1;
    let converged = true;
    let kkt = 0;
    if (solver === 'closed-form') {
      state.gram ??= gramOf(design, ys);
      state.ridge ??= new RidgePath(state.gram, m);
      // Every coefficient's ridge weight is lambda_eff / m (a_j = 1 on standardized columns; a constant column
      // is all zeros, so its coefficient is 0 whatever the weight).
      const lambdaEff = m * Math.max(0, ...pen.l2);
      w = state.ridge.solve(lambdaEff);
      if (lambdaEff === 0 && state.ridge.rank < p) {
        notices.push(
          `the design has rank ${state.ridge.rank} < ${p} features (collinear or constant columns, or more features than rows): the minimum-norm least-squares solution`,
        );
      }
    } else {
      const warm = warmStart(path, value);
      state.gram ??= gramOf(design, ys);
      const r = elasticNet(state.gram, pen, warm?.w);
      ({ w, converged, kkt } = r);
      iterations = r.passes;
      if (!converged)
        notices.push(
          `coordinate descent stopped after ${r.passes} passes before converging (duality gap ${r.gap.toExponential(2)}, KKT violation ${kkt.toExponential(2)})`,
        );
      path.set(value, { w, b: new Float64Array(1) });
    }
    let rss = 0;
    for (let i = 0; i < m; i++) {
      let h = 0;
      for (let j = 0; j < p; j++) h += design.cols[j][i] * w[j];
      rss += (ys[i] - h) ** 2;
    }
    // Back to the target's units: h = mean_y + s_y * h_s.
    const weights = w.map((v) => v * yStd);
    return {
      solver,
      weights,
      intercepts: toStandardized(weights, Float64Array.of(yMean), 1),
      iterations,
      converged,
      kkt,
      objective: yStd * yStd * (rss / (2 * m) + penaltyValue(pen, w)),
      notices,
    };
  }

  const classes = ds.classes ?? 2;
  const K = classes === 2 ? 1 : classes;
  const warm = warmStart(path, value);
  const r = logistic(design, state.labels!, classes, pen, warm ? { w: warm.w, b: warm.b } : undefined);
  path.set(value, { w: r.w, b: r.b });
  if (r.unbounded) {
    notices.push(
      'the training classes are perfectly separable and no penalty bounds the coefficients, so the loss has no minimum: stopped once every training row was classified correctly (add an L2 or L1 penalty for a finite answer)',
    );
  } else if (!r.converged) {
    notices.push(`proximal Newton stopped after ${r.steps} steps before converging (KKT violation ${r.kkt.toExponential(2)})`);
  }
  return {
    solver,
    weights: r.w,
    intercepts: toStandardized(r.w, r.b, K),
    iterations: r.steps,
    converged: r.converged,
    kkt: r.kkt,
    objective: r.objective,
    notices,
  };
}
