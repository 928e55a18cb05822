/**
 * The path of a config: the configs that differ from it only in the one value that varies along it (lambda
 * for a type with a penalty; the rate for dropout alone; `none` is a path of one). Batching (whole lambda
 * paths per batch), warm starts (LinearCache), selection (the one-standard-error rule walks the best config's
 * path), the diagnostics (edge of the grid) and the report (one line per path) all ask `pathOf`.
 */
import { labelParts, regularizerOf } from './registry';
import type { RegConfig, RegType } from './types';

/** What varies along a path: its config field, its symbol, and the spec field that lists its values. */
export interface PathAxis {
  readonly field: 'lambda' | 'dropoutRate';
  readonly symbol: 'λ' | 'p';
  readonly specField: 'search.lambda' | 'search.dropout';
}

export const LAMBDA_AXIS: PathAxis = { field: 'lambda', symbol: 'λ', specField: 'search.lambda' };
export const DROPOUT_AXIS: PathAxis = { field: 'dropoutRate', symbol: 'p', specField: 'search.dropout' };

export interface ConfigPath {
  /** Equal for two configs exactly when they lie on the same path: the type and every value but the varying one. */
  readonly key: string;
  /** The path as a reader sees it: `l2`, `l2+dropout p=0.3`, `elasticnet l1Ratio=0.5`, `dropout`, `none`. */
  readonly label: string;
  /** What varies along it; undefined for `none` (a path of one config). */
  readonly axis?: PathAxis;
  /** The config's value on the path (larger = more regularized); 0 for `none`. */
  readonly value: number;
}

/** What varies along the paths of a type: lambda with a penalty, else the rate with dropout, else nothing (`none`). */
export function pathAxisOf(type: RegType): PathAxis | undefined {
  const r = regularizerOf(type);
  return r.penalty.penalized ? LAMBDA_AXIS : r.dropout ? DROPOUT_AXIS : undefined;
}

/** The path of a config (see the module comment). */
export function pathOf(c: RegConfig): ConfigPath {
  const axis = pathAxisOf(c.type);
  const parts = labelParts(c);
  // A lambda path fixes the dropout rate; the others have no fixed rate (dropout alone varies it, none has 0).
  const fixedRate = axis === LAMBDA_AXIS && parts.rate ? [parts.rate] : [];
  return {
    key: `${c.type}|${axis === LAMBDA_AXIS ? c.dropoutRate : '*'}|${c.l1Ratio}`,
    label: [parts.type, ...parts.fixed, ...fixedRate].join(' '),
    ...(axis ? { axis } : {}),
    value: axis ? c[axis.field] : 0,
  };
}

/** Whether two configs lie on the same path. */
export const samePath = (a: RegConfig, b: RegConfig): boolean => pathOf(a).key === pathOf(b).key;

/** Whether the config lies on a lambda path (the paths an exact solver warm-starts along and a batch keeps whole). */
export const onLambdaPath = (c: Pick<RegConfig, 'type'>): boolean => pathAxisOf(c.type) === LAMBDA_AXIS;
