/**
 * Before a run, every Distributed Map (at any depth) is replaced by a Task that keeps the Map's input/output
 * processing, Retry, Catch and transition, with a placeholder Resource the runner overrides (see index.ts).
 */
import { checkItemBatcher } from './item-batcher';
import { checkItemReader } from './item-reader';
import { checkResultWriter } from './result-writer';
import { isObj, type AslDefinition, type AslState } from './types';

/** The placeholder Resource of the Task that stands in for an emulated Distributed Map. */
export const EMULATED_MAP_RESOURCE = 'arn:aws:states:::regsweep.local:distributedMap';

/** Stands in for `States.TaskFailed` in the Retry/Catch of a replaced Map, so it never matches (as on a Map). */
const NEVER_MATCHING_ERROR = 'States.TaskFailed (not matched on a Map state)';

/** Node's setTimeout cap (2^31-1 ms) in whole seconds. Longer timers fire at once, so we never exceed it. */
export const MAX_LOCAL_TIMEOUT_SECONDS = 2_147_483;

/** True for a Map state that runs in DISTRIBUTED mode. */
export function isDistributedMap(state: AslState): boolean {
  const proc = state.ItemProcessor;
  return state.Type === 'Map' && isObj(proc) && isObj(proc.ProcessorConfig) && proc.ProcessorConfig.Mode === 'DISTRIBUTED';
}

/** Fields of a Map state that the replacement Task keeps, so the library applies them as written. */
const KEPT_FIELDS = ['Comment', 'InputPath', 'ResultSelector', 'ResultPath', 'OutputPath', 'Next', 'End'] as const;

function neutralizeTaskFailed(rules: unknown): unknown {
  if (!Array.isArray(rules)) return rules;
  return rules.map((r: unknown) =>
    isObj(r) && Array.isArray(r.ErrorEquals)
      ? { ...r, ErrorEquals: r.ErrorEquals.map((e: unknown) => (e === 'States.TaskFailed' ? NEVER_MATCHING_ERROR : e)) }
      : r,
  );
}

function checkSupported(name: string, state: AslState): void {
  if (state.ItemBatcher !== undefined) checkItemBatcher(name, state.ItemBatcher);
  if (state.ItemReader !== undefined) checkItemReader(name, state.ItemReader);
  if (state.ResultWriter !== undefined) checkResultWriter(name, state.ResultWriter);
}

/** Recursively transforms the states of a (sub-)definition; collects the replaced Maps by state name. */
function transformStates(states: Record<string, AslState>, maps: Map<string, AslState>): Record<string, AslState> {
  const out: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(states)) {
    let s: AslState = { ...state };
    // Recurse first, so Distributed Maps nested in Parallel branches or item processors are replaced too.
    for (const key of ['ItemProcessor', 'Iterator'] as const) {
      const sub = s[key];
      if (isObj(sub) && isObj(sub.States)) s[key] = { ...sub, States: transformStates(sub.States as Record<string, AslState>, maps) };
    }
    if (Array.isArray(s.Branches)) {
      s.Branches = s.Branches.map((b: unknown) =>
        isObj(b) && isObj(b.States) ? { ...b, States: transformStates(b.States as Record<string, AslState>, maps) } : b,
      );
    }
    if (isDistributedMap(s)) {
      checkSupported(name, s);
      maps.set(name, s);
      const task: AslState = { Type: 'Task', Resource: EMULATED_MAP_RESOURCE, TimeoutSeconds: MAX_LOCAL_TIMEOUT_SECONDS };
      for (const f of KEPT_FIELDS) if (s[f] !== undefined) task[f] = s[f];
      if (s.Retry !== undefined) task.Retry = neutralizeTaskFailed(s.Retry);
      if (s.Catch !== undefined) task.Catch = neutralizeTaskFailed(s.Catch);
      s = task;
    }
    out[name] = s;
  }
  return out;
}

/**
 * Replaces every Distributed Map (at any depth) by a Task with Resource EMULATED_MAP_RESOURCE (see index.ts).
 * Returns the new definition (the input is not modified) and the original Map states by name; the runner
 * overrides each of those Tasks with `(input) => runDistributedMap(name, maps.get(name), input, env)`.
 */
export function transformDistributedMaps(definition: AslDefinition): {
  definition: AslDefinition;
  maps: Map<string, AslState>;
} {
  const maps = new Map<string, AslState>();
  const states = transformStates(definition.States, maps);
  return { definition: { ...definition, States: states }, maps };
}
