/**
 * The registry: every regularization type, built from the penalties (none.ts, l1.ts, l2.ts, elastic-net.ts) alone
 * and combined with dropout (dropout.ts): `none`, `l1`, `l2`, `elasticnet`, `dropout` (none + dropout),
 * `l1+dropout`, `l2+dropout`, `elasticnet+dropout`. A new penalty is one module added to PENALTIES.
 */
import { z } from 'zod';
import { dropout } from './dropout';
import { elasticNet } from './elastic-net';
import { l1 } from './l1';
import { l2 } from './l2';
import { none } from './none';
import type { FitTask, LinearSolverName, Penalty, PenaltyWeights, RegConfig } from './types';

/** The penalties, in type order (the order of REG_TYPES: simpler configs win ties in this order). */
export const PENALTIES = [none, l1, l2, elasticNet] as const;

type PenaltyName = (typeof PENALTIES)[number]['name'];
/** Regularization types: each penalty, dropout alone, and each penalty with dropout. */
export type RegType = PenaltyName | 'dropout' | `${Exclude<PenaltyName, 'none'>}+dropout`;

/** The base types: the penalties and dropout alone. */
export const BASE_TYPES = [...PENALTIES.map((p) => p.name), dropout.name] as readonly RegType[] as readonly [RegType, ...RegType[]];

/** Every type: the penalties, then each with dropout (`none` with dropout is `dropout`). */
export const REG_TYPES = [
  ...PENALTIES.map((p) => p.name),
  ...PENALTIES.map((p) => (p === none ? dropout.name : `${p.name}+${dropout.name}`)),
] as readonly RegType[] as readonly [RegType, ...RegType[]];

/**
 * One point of the regularization grid. Fields that do not apply to the type are 0. The one shape of a config:
 * the type (types.ts RegConfig) is inferred from this schema, which every stored object that holds a config
 * (manifest items, trial records, leaderboards, best.json) validates it with.
 */
export const RegConfigSchema = z.object({
  type: z.enum(REG_TYPES),
  /** Penalty strength lambda (0 when the type has no L1/L2 term). */
  lambda: z.number(),
  /** Dropout rate p, the probability of dropping a unit (0 when the type has no dropout). */
  dropoutRate: z.number(),
  /** Weight of the L1 term: 1 for l1, 0 for l2, the spec's l1Ratio for elasticnet, 0 otherwise. */
  l1Ratio: z.number(),
});

/** The exact solvers of a linear model (shared/training/linear/), the names a penalty's exactSolver answers with. */
export const LINEAR_SOLVERS = ['closed-form', 'coordinate-descent', 'proximal-newton'] as const;

/** The type every config is compared with (the grid always runs it). */
export const BASELINE: RegType = 'none';

/** A regularization type: its penalty and whether dropout is on, and what follows from the two. */
export interface Regularizer {
  readonly type: RegType;
  readonly penalty: Penalty;
  readonly dropout: boolean;
  /** Position in REG_TYPES (ties between equally simple configs go to the earlier type). */
  readonly order: number;
  /** Hyperparameters it adds: the penalty's, plus the dropout rate. */
  readonly hyperparameters: number;
}

const REGULARIZERS = new Map<string, Regularizer>(
  REG_TYPES.map((type, order) => {
    const withDropout = type === dropout.name || type.endsWith(`+${dropout.name}`);
    const penaltyName = type === dropout.name ? none.name : type.replace(`+${dropout.name}`, '');
    const penalty: Penalty = PENALTIES.find((p) => p.name === penaltyName)!;
    return [type, { type, penalty, dropout: withDropout, order, hyperparameters: penalty.hyperparameters + (withDropout ? dropout.hyperparameters : 0) }];
  }),
);

/** The regularizer of a type (every RegType has one; a test checks). */
export function regularizerOf(type: RegType): Regularizer {
  const r = REGULARIZERS.get(type);
  if (!r) throw new Error(`internal: unknown regularization type ${JSON.stringify(type)}`);
  return r;
}

/** `L2 + Dropout` -> `l2+dropout`; `dropout+l2` -> `l2+dropout`; `enet` -> `elasticnet`; undefined when unknown. */
export function normalizeRegType(s: string): RegType | undefined {
  const parts = s
    .toLowerCase()
    .split('+')
    .map((p) => p.trim().replace(/[\s_-]/g, ''))
    .map((p) => PENALTIES.find((pen) => (pen.aliases as readonly string[]).includes(p))?.name ?? p);
  const penalty = parts.filter((p) => p !== dropout.name);
  const hasDropout = parts.length - penalty.length;
  if (hasDropout > 1 || penalty.length > 1) return undefined;
  const name = [...penalty, ...(hasDropout ? [dropout.name] : [])].join('+');
  return REGULARIZERS.has(name) ? (name as RegType) : undefined;
}

/** Whether the type has a penalty with a lambda (l1, l2, elasticnet, alone or with dropout). */
export const hasPenalty = (t: RegType) => regularizerOf(t).penalty.penalized;
/** Whether the type has dropout. */
export const hasDropout = (t: RegType) => regularizerOf(t).dropout;

/**
 * A config of `type` from the values given: lambda only with a penalty, the rate only with dropout, and the
 * penalty's own l1Ratio (the given one for elastic net); fields that do not apply are 0.
 */
export function makeConfig(type: RegType, v: { lambda?: number; dropoutRate?: number; l1Ratio?: number }): RegConfig {
  const r = regularizerOf(type);
  return {
    type,
    lambda: r.penalty.penalized ? (v.lambda ?? 0) : 0,
    dropoutRate: r.dropout ? (v.dropoutRate ?? 0) : 0,
    l1Ratio: r.penalty.l1Ratio ?? v.l1Ratio ?? 0,
  };
}

/** The l1Ratios of a penalized type's paths: the spec's for elastic net, else the penalty's own (one path). */
export const l1RatiosOf = (type: RegType, specRatios: readonly number[]): number[] => {
  const fixed = regularizerOf(type).penalty.l1Ratio;
  return fixed === undefined ? [...specRatios] : [fixed];
};

/** The parts of a config's label: its type, `λ=..` with a penalty, the penalty's fixed values, `p=..` with dropout. */
export function labelParts(c: RegConfig): { type: string; lambda?: string; fixed: string[]; rate?: string } {
  const r = regularizerOf(c.type);
  return {
    type: c.type,
    ...(r.penalty.penalized ? { lambda: `λ=${c.lambda}` } : {}),
    fixed: r.penalty.fixedLabels(c),
    ...(r.dropout ? { rate: dropout.label(c) } : {}),
  };
}

/** Short human label: `l2+dropout λ=0.1 p=0.3`, `elasticnet λ=1 l1Ratio=0.5`. */
export function labelOf(c: RegConfig): string {
  const p = labelParts(c);
  return [p.type, ...(p.lambda ? [p.lambda] : []), ...p.fixed, ...(p.rate ? [p.rate] : [])].join(' ');
}

/** Simpler first: fewer hyperparameters, then type order, then smaller lambda and dropout (selection's ties). */
export function compareSimplicity(a: RegConfig, b: RegConfig): number {
  const ra = regularizerOf(a.type);
  const rb = regularizerOf(b.type);
  return ra.hyperparameters - rb.hyperparameters || ra.order - rb.order || a.lambda - b.lambda || a.dropoutRate - b.dropoutRate || a.l1Ratio - b.l1Ratio;
}

/** The penalty's weights of a config on m training rows (types.ts PenaltyWeights: the one convention). */
export const penaltyWeights = (c: RegConfig, m: number): PenaltyWeights => regularizerOf(c.type).penalty.weights(c, m);

/** Whether a linear model of this type is solved exactly for the task, whatever its values (a whole path). */
export const exactFor = (task: FitTask, type: RegType): boolean => !regularizerOf(type).dropout || dropout.exactFor(task);

/**
 * The exact solver of a linear model with this config, or undefined (a linear classifier with dropout: masked SGD).
 * A dropout rate of 0 is no dropout.
 */
export function exactSolverOf(task: FitTask, c: RegConfig): LinearSolverName | undefined {
  const r = regularizerOf(c.type);
  if (r.dropout && c.dropoutRate > 0 && !dropout.exactFor(task)) return undefined;
  return r.penalty.exactSolver(task, c);
}
