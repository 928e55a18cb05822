/**
 * The grid a sweep runs, resolved once at plan time: the spec's lambda values and dropout rates where it gives
 * them, and defaults from the data where it does not (docs/ARCHITECTURE.md, "Default grid").
 *
 * Default lambdas follow glmnet's rule in the project's convention (regression targets standardized):
 * lambda_max is the smallest lambda at which the L1 path on the non-test rows is all zeros
 * (training/linear/lambda-max.ts), and each path is log-spaced from its top down:
 *   l1:                   lambda_max           down to lambda_max * eps
 *   elasticnet(rho):      lambda_max / rho     down to lambda_max * eps / rho (glmnet)
 *   l2, solved exactly:   lambda_max / eps     down to lambda_max * eps
 *   l2, linear by SGD:    lambda_max           down to lambda_max * eps
 *   an MLP:               the linear SGD path's top / MLP_DIVISOR down to the same bottom (elastic net's / rho)
 * with eps = 1e-3 when the rows are at least the features, else 1e-2. Ridge never zeroes a coefficient, but its
 * coefficients are at most eps/2 (in standard deviations of y per standard deviation of x) at lambda_max / eps,
 * the ridge analogue of lambda_max; its best lambda on diabetes and sparse_regression lies near lambda_max / 50.
 * An MLP's penalty covers every layer's kernel, so it bites sooner: with the default MLP (bench:quality on
 * diabetes, sparse_regression and breast_cancer) the cross-validated loss at lambda_max / 10 is already the null
 * model's for l1 and elastic net and near it for l2, and the best lambdas lie between lambda_max / 20 and
 * lambda_max / 300 (or at the bottom, where no penalty helps: breast_cancer). An MLP's path therefore starts at lambda_max / 10 (where its L1 path is all zeros, as a
 * lasso's is at lambda_max) and ends where a linear one does: ten values 1.7x apart (eps = 1e-3) instead of
 * 2.15x apart with half of them on the null model.
 * A path solved exactly (linear regression, or a linear classifier without dropout) is cheap and gets
 * EXACT_PATH_COUNT values (as glmnet); a path trained by SGD gets SGD_PATH_COUNT (how it was chosen:
 * docs/ARCHITECTURE.md, "Default grid"). Values are rounded to 4 significant digits (the top rounded up, so
 * the path still starts at all zeros).
 */
import { z } from 'zod';
import { DatasetError } from '../errors';
import {
  exactFor,
  hasDropout,
  hasPenalty,
  l1RatiosOf,
  labelParts,
  logPath,
  makeConfig,
  MLP_DIVISOR,
  REG_TYPES,
  regularizerOf,
  sig4,
  type PathFit,
  type RegType,
} from '../regularizers';
import { lambdaValues, type SweepSpec } from './spec';

export { logPath, MLP_DIVISOR };

/** Default lambdas per exactly-solved path (glmnet's and scikit-learn's 100). */
export const EXACT_PATH_COUNT = 100;
/** Default lambdas per path trained by SGD (an MLP, or a linear classifier with dropout). */
export const SGD_PATH_COUNT = 10;
/** Default dropout rates: Srivastava et al. (2014) found 0.5 for hidden units and 0.2 for inputs near-optimal across tasks; 0.1 and 0.3 fill in for small networks. */
export const DEFAULT_DROPOUT = [0.1, 0.2, 0.3, 0.5];

const pathSchema = z.object({ type: z.enum(REG_TYPES), l1Ratio: z.number(), lambdas: z.array(z.number()) });

/** grid.json: the resolved grid (what the manifest was expanded from). */
export const ResolvedGridSchema = z.object({
  /** How lambda was chosen; absent when no type has a penalty. */
  lambda: z
    .object({
      source: z.enum(['spec', 'default']),
      /** Default: lambda_max on the non-test rows (absent before the data is read: values relative to it). */
      lambdaMax: z.number().optional(),
      epsilon: z.number().optional(),
      /** The rows and features lambda_max was computed on. */
      rows: z.number().int().optional(),
      features: z.number().int().optional(),
    })
    .optional(),
  /** The lambdas of each penalized type (and l1Ratio, for elastic net), in the order they run. */
  paths: z.array(pathSchema),
  /** The dropout rates; absent when no type has dropout. */
  dropout: z.object({ source: z.enum(['spec', 'default']), rates: z.array(z.number()) }).optional(),
});
export type ResolvedGrid = z.output<typeof ResolvedGridSchema>;
export type LambdaPath = z.output<typeof pathSchema>;

/** What a default lambda grid needs from the data: lambda_max on the non-test rows, their count and the features'. */
export interface GridData {
  readonly lambdaMax: number;
  readonly rows: number;
  readonly features: number;
}

/** Whether the spec leaves lambda to the default grid (a type with a penalty and no search.lambda). */
export const needsDefaultLambda = (spec: SweepSpec) => spec.search.lambda === undefined && spec.search.types.some(hasPenalty);

/**
 * Whether a path of this type is solved exactly (no SGD): the rule of training/linear's exactLinearSolver with
 * fit.ts's model check, for a whole path (a test keeps the two in step).
 */
export const exactPath = (spec: SweepSpec, type: RegType) => spec.model.hidden.length === 0 && exactFor(spec.dataset.task, type);

/** eps of the default grid: 1e-3 with at least as many rows as features, else 1e-2 (glmnet). */
export const defaultEpsilon = (rows: number, features: number) => (rows >= features ? 1e-3 : 1e-2);

/**
 * The grid of a spec. `data` is needed when the spec leaves lambda to the default; without it (an S3 dataset
 * before the sweep is planned) the default paths are relative to lambda_max = 1 and eps = 1e-3: the right
 * number of values, for counting trials only.
 */
export function resolveGrid(spec: SweepSpec, data?: GridData): ResolvedGrid {
  const types = spec.search.types;
  const ratios = [...new Set(Array.isArray(spec.search.l1Ratio) ? spec.search.l1Ratio : [spec.search.l1Ratio])];
  const penalized = types.filter(hasPenalty);
  let lambda: ResolvedGrid['lambda'];
  let lambdasOf: (type: RegType, l1Ratio: number) => number[];
  if (!needsDefaultLambda(spec)) {
    const values = lambdaValues(spec);
    lambda = penalized.length ? { source: 'spec' } : undefined;
    lambdasOf = () => values;
  } else {
    if (data && !(data.lambdaMax > 0)) {
      throw new DatasetError(
        `no feature is correlated with the target on the ${data.rows} non-test rows (lambda_max = ${data.lambdaMax}): the default lambda grid needs one; give search.lambda`,
      );
    }
    const max = data?.lambdaMax ?? 1;
    const eps = data ? defaultEpsilon(data.rows, data.features) : 1e-3;
    lambda = { source: 'default', ...(data ? { lambdaMax: max, epsilon: eps, rows: data.rows, features: data.features } : {}) };
    lambdasOf = (type, rho) => {
      const exact = exactPath(spec, type);
      const fit: PathFit = spec.model.hidden.length > 0 ? 'mlp' : exact ? 'exact' : 'sgd';
      const [top, bottom] = regularizerOf(type).penalty.defaultRange(max, eps, rho, fit);
      return logPath(top, bottom, exact ? EXACT_PATH_COUNT : SGD_PATH_COUNT);
    };
  }
  const paths = penalized.flatMap((type) => l1RatiosOf(type, ratios).map((l1Ratio) => ({ type, l1Ratio, lambdas: lambdasOf(type, l1Ratio) })));
  const rates = spec.search.dropout ? [...new Set(spec.search.dropout)] : DEFAULT_DROPOUT;
  const dropout = types.some(hasDropout) ? { source: spec.search.dropout ? ('spec' as const) : ('default' as const), rates } : undefined;
  return { ...(lambda ? { lambda } : {}), paths, ...(dropout ? { dropout } : {}) };
}

const show = (v: number) => String(sig4(v));

/** One line per default the grid used (none when the spec gave every value): for validate, the leaderboard and the report. */
export function describeDefaults(grid: ResolvedGrid): string[] {
  const lines: string[] = [];
  const l = grid.lambda;
  if (l?.source === 'default') {
    const paths = grid.paths.map(
      (p) =>
        `${[p.type, ...labelParts(makeConfig(p.type, p)).fixed].join(' ')} ${p.lambdas.length} values ${show(p.lambdas[0])} … ${show(p.lambdas[p.lambdas.length - 1])}`,
    );
    lines.push(
      l.lambdaMax === undefined
        ? `default λ grid from λ_max (computed from the data when the sweep is planned): ${grid.paths.map((p) => `${p.type} ${p.lambdas.length} values`).join('; ')}`
        : `default λ grid from λ_max = ${show(l.lambdaMax)} (the L1 path on the ${l.rows} non-test rows is all zeros from there), ε = ${l.epsilon} (${l.rows! >= l.features! ? 'rows ≥ features' : 'rows < features'}), log-spaced: ${paths.join('; ')}`,
    );
  }
  if (grid.dropout?.source === 'default') lines.push(`default dropout rates ${grid.dropout.rates.join(', ')} (search.dropout not given)`);
  return lines;
}
