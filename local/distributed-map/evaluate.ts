/**
 * JSONPath and payload templates, evaluated by the library itself (a one-state Pass machine), so the semantics
 * (paths, intrinsic functions, `$$` context) are exactly those of the rest of the run.
 */
import '../polyfills';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { StatesError } from './errors';
import type { AslState } from './types';

/** A payload template (`Parameters`-style, with `.$` keys and intrinsic functions) evaluated against an input. */
export async function evaluateTemplate(template: unknown, input: unknown, context: Record<string, unknown>): Promise<unknown> {
  const def = { StartAt: 'Evaluate', States: { Evaluate: { Type: 'Pass', Parameters: template, End: true } } };
  const sm = new StateMachine(def as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
  try {
    return await sm.run(input as never, { context }).result;
  } catch (e) {
    if (e instanceof ExecutionError && e.cause instanceof Error) throw e.cause;
    throw e;
  }
}

/** A JSONPath (`$.a`, `$$.Execution.Name`) or an intrinsic function (`States.Format(...)`) evaluated against an input. */
export async function evaluatePath(path: string, input: unknown, context: Record<string, unknown>): Promise<unknown> {
  const out = (await evaluateTemplate({ 'value.$': path }, input, context)) as { value: unknown };
  return out.value;
}

/** The field, or its `*Path` form evaluated against the input; undefined when neither is set. */
export async function fieldOrPath(state: Record<string, unknown>, field: string, input: unknown, context: Record<string, unknown>): Promise<unknown> {
  if (state[field] !== undefined) return state[field];
  const p = state[`${field}Path`];
  if (typeof p === 'string') return evaluatePath(p, input, context);
  return undefined;
}

/** A numeric field of a Map state (or its `*Path` form); States.Runtime when it fails `check`. */
export async function numberField(
  name: string,
  state: AslState,
  field: string,
  input: unknown,
  ctx: Record<string, unknown>,
  check: (n: number) => boolean,
): Promise<number | undefined> {
  const v = await fieldOrPath(state, field, input, ctx);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !check(v)) {
    throw new StatesError('States.Runtime', `Map state ${name}: invalid ${field} ${JSON.stringify(v)}`, false);
  }
  return v;
}
