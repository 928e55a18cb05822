/**
 * The vocabulary of the regularizers (shared/regularizers/): a config, a penalty and what the rest of the code
 * asks of one. Types only; the registry (registry.ts) holds the values.
 */
import type { z } from 'zod';
import type { Task } from '../vocabulary';
import type { LINEAR_SOLVERS, RegConfigSchema, RegType } from './registry';

export type { RegType };

/** The learning task (the spec's dataset.task). */
export type FitTask = Task;

/** One point of the regularization grid (registry.ts RegConfigSchema). Fields that do not apply to the type are 0. */
export type RegConfig = Readonly<z.output<typeof RegConfigSchema>>;

/** A config's values without its type: what a penalty or dropout reads (a RegConfig is one). */
export interface ConfigValues {
  readonly lambda: number;
  readonly dropoutRate: number;
  readonly l1Ratio: number;
}

/** The exact solvers of a linear model (shared/training/linear/; registry.ts LINEAR_SOLVERS). */
export type LinearSolverName = (typeof LINEAR_SOLVERS)[number];

/**
 * A separable penalty's weights in the one convention of regsweep (docs/ARCHITECTURE.md, "The maths"), on the
 * kernels only, m the training rows:
 *   penalty(w) = l1 * sum |w_j| + l2 * sum w_j^2,   l1 = lambda * rho / 2m,   l2 = lambda * (1 - rho) / 2m
 * so J = data term + (lambda / 2m) * (rho * sum |w| + (1 - rho) * sum w^2).
 */
export interface PenaltyWeights {
  readonly l1: number;
  readonly l2: number;
}

/**
 * The penalty as the SGD trainer applies it to the flat kernel vector (forward-backward splitting): the smooth
 * part is differentiated, the non-smooth part applied as a proximal step after every update.
 */
export interface KernelPenalty {
  /** The penalty's value at w (the first `n` entries). */
  value(w: ArrayLike<number>, n?: number): number;
  /** grad += the smooth part's gradient at theta, on the first `n` entries (the kernels). */
  addGradient(theta: ArrayLike<number>, grad: Float32Array | Float64Array, n: number): void;
  /**
   * theta <- prox of (step * the non-smooth part) at theta, on the first `n` entries; `step` is the learning
   * rate (SGD) or one per coordinate (Adam's own step sizes).
   */
  prox(theta: Float32Array | Float64Array, n: number, step: number | ArrayLike<number>): void;
}

/** How a path is fitted, which decides its default range (shared/search/default-grid.ts). */
export type PathFit = 'exact' | 'sgd' | 'mlp';

/** scikit-learn's estimator and parameters that solve the same problem (features standardized as regsweep does). */
export interface SklearnEquivalent {
  readonly estimator: 'LinearRegression' | 'Lasso' | 'Ridge' | 'ElasticNet' | 'LogisticRegression';
  readonly params: Readonly<Record<string, number | string | null>>;
}

/**
 * One penalty (the part of a regularization type that is not dropout): modelled on skglm's penalties (value,
 * prox, alpha_max), with what the rest of regsweep asks of it.
 */
export interface Penalty {
  /** The type's name (`l1`), also the first part of a combination's (`l1+dropout`). */
  readonly name: string;
  /** Other spellings a spec or a flag may use (after lowercasing and dropping spaces, `_` and `-`). */
  readonly aliases: readonly string[];
  /** Whether it has a lambda (none has not). */
  readonly penalized: boolean;
  /** Hyperparameters it adds (lambda, and elastic net's l1Ratio): simpler configs win ties. */
  readonly hyperparameters: number;
  /** Whether it sets coefficients exactly to zero (an L1 part): its selected features mean something. */
  readonly sparse: boolean;
  /** Its fixed l1Ratio (1 for l1, 0 for l2 and none); undefined when the spec chooses it (elastic net). */
  readonly l1Ratio?: number;
  /** The fixed values of a config of this penalty shown in its label and path: `l1Ratio=0.5`. */
  fixedLabels(c: ConfigValues): string[];
  /** Its weights for a config on m training rows (the one convention, PenaltyWeights). */
  weights(c: ConfigValues, m: number): PenaltyWeights;
  /** The penalty as the SGD trainer applies it. */
  kernelPenalty(c: ConfigValues, m: number): KernelPenalty;
  /**
   * lambda_max: the smallest lambda at which its fit is all zeros, from the lasso's (training/linear/lambda-max.ts);
   * undefined when no lambda zeroes the fit (ridge, none).
   */
  lambdaMax(lassoMax: number, l1Ratio: number): number | undefined;
  /** The default path's [top, bottom] lambda, from the lasso's lambda_max and eps (default-grid.ts). */
  defaultRange(lassoMax: number, eps: number, l1Ratio: number, fit: PathFit): [top: number, bottom: number];
  /** The exact solver of a linear model with this penalty. */
  exactSolver(task: FitTask, c: ConfigValues): LinearSolverName;
}
