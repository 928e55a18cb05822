/**
 * Emulation of the Distributed Map fields that aws-local-stepfunctions ignores: ItemReader, ResultWriter,
 * ToleratedFailurePercentage(Path) and ToleratedFailureCount(Path). Everything else runs in the library as written.
 *
 * How it hooks into the flow: before the run, `transformDistributedMaps` replaces every Map state whose
 * `ItemProcessor.ProcessorConfig.Mode` is DISTRIBUTED by a Task state with the same name, the same
 * InputPath / ResultSelector / ResultPath / OutputPath, the same Retry and Catch and the same Next / End, and a
 * placeholder Resource that the runner always overrides with `runDistributedMap`. The library therefore applies
 * the Map's input/output processing, Retry and Catch exactly as written (a failure of the emulated map run is a
 * thrown error with the Step Functions error name, e.g. `States.ExceedToleratedFailureThreshold`, and the Cause as
 * message, which the library turns into the catcher's `{ Error, Cause }`). We chose this over splitting the
 * execution at the Map because splitting would have meant re-implementing Catch/Retry/ResultPath of the Map, and
 * would not work for a Map nested inside a Parallel or another Map.
 *
 * A map run (`runDistributedMap`), given the Map's effective input (after InputPath):
 *   1. items: ItemReader (s3:getObject, InputType JSON, optional ItemsPointer / MaxItems(Path)) read through the
 *      injected `readJson`; without ItemReader, ItemsPath or the input itself.
 *   2. each item runs as a child execution of the ItemProcessor in aws-local-stepfunctions, with its input
 *      shaped by ItemSelector (or the legacy Parameters) with `$$.Map.Item.Index/Value`, at most MaxConcurrency
 *      (MaxConcurrencyPath) at once (0 or absent = unbounded), with the same Task overrides as the parent.
 *   3. ToleratedFailurePercentage / ToleratedFailureCount (and their *Path forms): the run fails when the failed
 *      items exceed either threshold (percentage of all items read); with neither set, any failure fails it. Once
 *      the threshold is exceeded no new item starts (items in flight finish), and the Map fails with
 *      `States.ExceedToleratedFailureThreshold`.
 *   4. ResultWriter (s3:putObject, Bucket / Prefix): `<Prefix>/<mapRunId>/manifest.json` plus `SUCCEEDED_0.json`
 *      and `FAILED_0.json` (only when non-empty), in Step Functions' format, through the injected `writeJson`
 *      (written also when the run fails). WriterConfig.Transformation NONE (default) / COMPACT / FLATTEN.
 *   5. output: with a ResultWriter that writes to S3, `{ MapRunArn, ResultWriterDetails: { Bucket, Key } }`;
 *      otherwise the array of child outputs in item order (a tolerated failed item appears as its execution
 *      record with Error/Cause, as Step Functions does).
 *
 * Limits: ItemReader only for s3:getObject with InputType JSON (no CSV, JSONL, MANIFEST, PARQUET, listObjectsV2);
 * no ItemBatcher; WriterConfig.OutputType JSON only; JSONata and variables (Assign) are not supported anywhere;
 * a map run always runs all its items in this process (no 10,000-child cap, no redrive). `$$.Execution.*` inside
 * ItemSelector / ItemReader / ResultWriter parameters sees the parent execution's context, except
 * `$$.Execution.Input`, which resolves to the Map's input (a quirk of the library's context handling). The Cause of
 * States.ExceedToleratedFailureThreshold starts with Step Functions' sentence and adds the counts (local only).
 * A Retry/Catch `States.TaskFailed` on the Map does not match, as for a Map state in the library.
 */
import './polyfills';
import { randomUUID } from 'node:crypto';
import { ExecutionError, StateMachine, type RunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';

/** The placeholder Resource of the Task that stands in for an emulated Distributed Map. */
export const EMULATED_MAP_RESOURCE = 'arn:aws:states:::regsweep.local:distributedMap';

/** Stands in for `States.TaskFailed` in the Retry/Catch of a replaced Map, so it never matches (as on a Map). */
const NEVER_MATCHING_ERROR = 'States.TaskFailed (not matched on a Map state)';

/** Node's setTimeout cap (2^31-1 ms) in whole seconds. Longer timers fire at once, so we never exceed it. */
export const MAX_LOCAL_TIMEOUT_SECONDS = 2_147_483;

/** Step Functions' default for a Distributed Map without MaxConcurrency: up to 10,000 parallel children. */
const UNBOUNDED_CONCURRENCY = 10_000;

export type ReadJson = (bucket: string, key: string) => Promise<unknown>;
export type WriteJson = (bucket: string, key: string, value: unknown) => Promise<void>;

type Overrides = NonNullable<RunOptions['overrides']>;
export type TaskHandlers = NonNullable<Overrides['taskResourceLocalHandlers']>;
export type RetryIntervalOverrides = NonNullable<Overrides['retryIntervalOverrides']>;

export type AslState = { Type: string; [field: string]: unknown };
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  [field: string]: unknown;
}

/** A Step Functions error with a name (matched by Retry/Catch ErrorEquals) and a Cause (the message). */
export class StatesError extends Error {
  constructor(
    name: string,
    cause: string,
    private readonly catchable = true,
  ) {
    super(cause);
    this.name = name;
  }
  /** Read by aws-local-stepfunctions: States.Runtime is neither retried nor caught, even by States.ALL. */
  get isRetryable(): boolean {
    return this.catchable;
  }
  get isCatchable(): boolean {
    return this.catchable;
  }
}

/** The definition uses a Distributed Map feature this emulation does not implement. */
export class UnsupportedMapFeatureError extends Error {
  constructor(stateName: string, feature: string) {
    super(`Map state ${JSON.stringify(stateName)}: ${feature} is not emulated by the local harness`);
    this.name = 'UnsupportedMapFeatureError';
  }
}

export type MapRunEvent =
  | { type: 'MapRunStarted'; stateName: string; mapRunArn: string; total: number }
  | {
      type: 'MapItemSucceeded' | 'MapItemFailed';
      stateName: string;
      mapRunArn: string;
      index: number;
      total: number;
      succeeded: number;
      failed: number;
      error?: string;
      cause?: string;
    }
  | {
      type: 'MapRunSucceeded' | 'MapRunFailed';
      stateName: string;
      mapRunArn: string;
      total: number;
      succeeded: number;
      failed: number;
      notStarted: number;
    };

export interface MapRunEnvironment {
  readonly readJson: ReadJson;
  readonly writeJson: WriteJson;
  /** The Task overrides of the whole execution; child executions get the same ones. */
  readonly taskHandlers: TaskHandlers;
  readonly retryIntervalOverrides?: RetryIntervalOverrides;
  /** The parent execution's Context Object (`$$`), used for JSONPaths in the Map's own fields. */
  readonly contextObject: Record<string, unknown>;
  /** ARN of the parent state machine, for MapRunArn and the child execution ARNs. */
  readonly stateMachineArn: string;
  readonly onEvent?: (e: MapRunEvent) => void;
}

// ---------------------------------------------------------------------------------------------------------------
// Transform

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True for a Map state that runs in DISTRIBUTED mode. */
export function isDistributedMap(state: AslState): boolean {
  const proc = state.ItemProcessor;
  return state.Type === 'Map' && isObj(proc) && isObj(proc.ProcessorConfig) && proc.ProcessorConfig.Mode === 'DISTRIBUTED';
}

/** Fields of a Map state that the replacement Task keeps, so the library applies them as written. */
const KEPT_FIELDS = ['Comment', 'InputPath', 'ResultSelector', 'ResultPath', 'OutputPath', 'Next', 'End'] as const;

function neutralizeTaskFailed(rules: unknown): unknown {
  if (!Array.isArray(rules)) return rules;
  return rules.map((r) =>
    isObj(r) && Array.isArray(r.ErrorEquals)
      ? { ...r, ErrorEquals: r.ErrorEquals.map((e) => (e === 'States.TaskFailed' ? NEVER_MATCHING_ERROR : e)) }
      : r,
  );
}

function checkSupported(name: string, state: AslState): void {
  if (state.ItemBatcher !== undefined) throw new UnsupportedMapFeatureError(name, 'ItemBatcher');
  const reader = state.ItemReader;
  if (reader !== undefined) {
    if (!isObj(reader) || typeof reader.Resource !== 'string' || !/^arn:[^:]+:states:::s3:getObject$/.test(reader.Resource)) {
      throw new UnsupportedMapFeatureError(name, `ItemReader resource ${JSON.stringify(isObj(reader) ? reader.Resource : reader)}`);
    }
    const cfg = isObj(reader.ReaderConfig) ? reader.ReaderConfig : {};
    if (cfg.InputType !== undefined && cfg.InputType !== 'JSON') {
      throw new UnsupportedMapFeatureError(name, `ItemReader InputType ${JSON.stringify(cfg.InputType)} (only JSON)`);
    }
    if (reader.Arguments !== undefined) throw new UnsupportedMapFeatureError(name, 'ItemReader Arguments (JSONata)');
  }
  const writer = state.ResultWriter;
  if (writer !== undefined) {
    if (!isObj(writer)) throw new UnsupportedMapFeatureError(name, 'a non-object ResultWriter');
    if (writer.Resource !== undefined && !/^arn:[^:]+:states:::s3:putObject$/.test(String(writer.Resource))) {
      throw new UnsupportedMapFeatureError(name, `ResultWriter resource ${JSON.stringify(writer.Resource)}`);
    }
    const wc = isObj(writer.WriterConfig) ? writer.WriterConfig : {};
    if (wc.OutputType !== undefined && wc.OutputType !== 'JSON') {
      throw new UnsupportedMapFeatureError(name, `ResultWriter OutputType ${JSON.stringify(wc.OutputType)} (only JSON)`);
    }
    if (wc.Transformation !== undefined && !['NONE', 'COMPACT', 'FLATTEN'].includes(String(wc.Transformation))) {
      throw new UnsupportedMapFeatureError(name, `ResultWriter Transformation ${JSON.stringify(wc.Transformation)}`);
    }
  }
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
      s.Branches = s.Branches.map((b) =>
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
 * Replaces every Distributed Map (at any depth) by a Task with Resource EMULATED_MAP_RESOURCE (see the top of this
 * file). Returns the new definition (the input is not modified) and the original Map states by name; the runner
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

// ---------------------------------------------------------------------------------------------------------------
// JSONPath and payload templates, evaluated by the library itself (a one-state Pass machine), so the semantics
// (paths, intrinsic functions, `$$` context) are exactly those of the rest of the run.

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
async function fieldOrPath(
  state: Record<string, unknown>,
  field: string,
  input: unknown,
  context: Record<string, unknown>,
): Promise<unknown> {
  if (state[field] !== undefined) return state[field];
  const p = state[`${field}Path`];
  if (typeof p === 'string') return evaluatePath(p, input, context);
  return undefined;
}

function jsonPointer(doc: unknown, pointer: string): unknown {
  if (pointer === '' || pointer === '/') return doc;
  let cur = doc;
  for (const raw of pointer.replace(/^\//, '').split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(token)) cur = cur[Number(token)];
    else if (isObj(cur) && Object.prototype.hasOwnProperty.call(cur, token)) cur = cur[token];
    else return undefined;
  }
  return cur;
}

// ---------------------------------------------------------------------------------------------------------------
// A map run

interface ItemRecord {
  index: number;
  name: string;
  input: unknown;
  startDate: string;
  stopDate: string;
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
}

function arnParts(stateMachineArn: string): { prefix: string; name: string } {
  // arn:<partition>:states:<region>:<account>:stateMachine:<name>
  const m = /^(arn:[^:]+:states:[^:]*:[^:]*):stateMachine:(.+)$/.exec(stateMachineArn);
  if (!m) throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  return { prefix: m[1], name: m[2] };
}

/** Names of one map run: its id and ARN, and those of its child executions. */
interface MapRunIds {
  readonly mapRunId: string;
  readonly mapRunArn: string;
  /** `<prefix>:stateMachine:<machine>/<label>`, the ARN Step Functions gives the children's state machine. */
  readonly childStateMachineArn: string;
  /** A child's execution ARN is `<executionPrefix>:<name>`. */
  readonly executionPrefix: string;
}

/** The execution record Step Functions writes for a child execution (Transformation NONE). */
function executionRecord(r: ItemRecord, ids: MapRunIds): Record<string, unknown> {
  const base: Record<string, unknown> = {
    ExecutionArn: `${ids.executionPrefix}:${r.name}`,
    Input: JSON.stringify(r.input ?? null),
    InputDetails: { Included: true },
    Name: r.name,
  };
  if (r.status === 'SUCCEEDED') {
    base.Output = JSON.stringify(r.output ?? null);
    base.OutputDetails = { Included: true };
  } else {
    base.Error = r.error;
    base.Cause = r.cause;
  }
  return {
    ...base,
    RedriveCount: 0,
    StartDate: r.startDate,
    StateMachineArn: ids.childStateMachineArn,
    Status: r.status,
    StopDate: r.stopDate,
  };
}

/** One child's entries in the results, per WriterConfig.Transformation (a failed child: always its record). */
function formatted(r: ItemRecord, transformation: string, ids: MapRunIds): unknown[] {
  if (r.status === 'FAILED' || transformation === 'NONE') return [executionRecord(r, ids)];
  if (transformation === 'FLATTEN' && Array.isArray(r.output)) return r.output;
  return [r.output];
}

function failureOf(e: unknown): { error: string; cause: string } {
  const err = e instanceof ExecutionError && e.cause instanceof Error ? e.cause : e;
  if (err instanceof Error) return { error: err.name, cause: err.message };
  return { error: 'States.Runtime', cause: String(err) };
}

async function readItems(
  name: string,
  state: AslState,
  input: unknown,
  env: MapRunEnvironment,
): Promise<unknown[]> {
  const ctx = env.contextObject;
  const reader = state.ItemReader;
  if (!isObj(reader)) {
    const items = typeof state.ItemsPath === 'string' ? await evaluatePath(state.ItemsPath, input, ctx) : input;
    if (!Array.isArray(items)) {
      throw new StatesError('States.Runtime', `Map state ${name}: the input (or ItemsPath) is not an array`, false);
    }
    return items;
  }
  const params = (await evaluateTemplate(reader.Parameters ?? {}, input, ctx)) as Record<string, unknown>;
  const { Bucket: bucket, Key: key } = params;
  if (typeof bucket !== 'string' || typeof key !== 'string') {
    throw new StatesError('States.ItemReaderFailed', `ItemReader needs string Bucket and Key, got ${JSON.stringify(params)}`);
  }
  const cfg = isObj(reader.ReaderConfig) ? reader.ReaderConfig : {};
  let doc: unknown;
  try {
    doc = await env.readJson(bucket, key);
  } catch (e) {
    throw new StatesError(
      'States.ItemReaderFailed',
      `Reading items from s3://${bucket}/${key} failed: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (doc === undefined) throw new StatesError('States.ItemReaderFailed', `The specified key does not exist: s3://${bucket}/${key}`);
  const items = typeof cfg.ItemsPointer === 'string' ? jsonPointer(doc, cfg.ItemsPointer) : doc;
  if (!Array.isArray(items)) {
    throw new StatesError(
      'States.ItemReaderFailed',
      `s3://${bucket}/${key}${typeof cfg.ItemsPointer === 'string' ? ` at ${cfg.ItemsPointer}` : ''} is not a JSON array`,
    );
  }
  const maxItems = await fieldOrPath(cfg, 'MaxItems', input, ctx);
  if (maxItems !== undefined) {
    if (!Number.isInteger(maxItems) || (maxItems as number) < 0) {
      throw new StatesError('States.Runtime', `ItemReader MaxItems must be a non-negative integer, got ${JSON.stringify(maxItems)}`, false);
    }
    if ((maxItems as number) > 0) return items.slice(0, maxItems as number);
  }
  return items;
}

async function numberField(
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

/**
 * The library calls real AWS Lambda for a Task without an override: refuse to start a child execution unless
 * every Task state of the item processor (at any depth) has one.
 */
function assertEveryTaskOverridden(definition: Record<string, unknown>, handlers: TaskHandlers): void {
  const visit = (states: unknown): void => {
    if (!isObj(states)) return;
    for (const [name, st] of Object.entries(states)) {
      if (!isObj(st)) continue;
      if (st.Type === 'Task' && typeof handlers[name] !== 'function') {
        throw new StatesError('States.Runtime', `Task state ${JSON.stringify(name)} has no local handler; refusing to call AWS`, false);
      }
      for (const key of ['ItemProcessor', 'Iterator']) if (isObj(st[key])) visit((st[key] as Record<string, unknown>).States);
      if (Array.isArray(st.Branches)) for (const b of st.Branches) if (isObj(b)) visit(b.States);
    }
  };
  visit(definition.States);
}

/**
 * ResultWriter to S3: `<Prefix>/<mapRunId>/{SUCCEEDED_0,FAILED_0}.json` (only the non-empty ones) and
 * `manifest.json` listing them. Returns the manifest's location (the Map's ResultWriterDetails).
 */
async function writeResults(
  writer: Record<string, unknown>,
  done: readonly ItemRecord[],
  transformation: string,
  ids: MapRunIds,
  input: unknown,
  env: MapRunEnvironment,
): Promise<{ Bucket: string; Key: string }> {
  const template = writer.Parameters ?? {};
  const params = (await evaluateTemplate(template, input, env.contextObject)) as Record<string, unknown>;
  const bucket = params.Bucket;
  if (typeof bucket !== 'string') {
    throw new StatesError('States.ResultWriterFailed', `ResultWriter needs a string Bucket, got ${JSON.stringify(params)}`);
  }
  const prefix = typeof params.Prefix === 'string' ? params.Prefix.replace(/\/+$/, '') : '';
  const folder = prefix ? `${prefix}/${ids.mapRunId}` : ids.mapRunId;
  const files: Record<'FAILED' | 'PENDING' | 'SUCCEEDED', { Key: string; Size: number }[]> = {
    FAILED: [],
    PENDING: [],
    SUCCEEDED: [],
  };
  try {
    for (const status of ['SUCCEEDED', 'FAILED'] as const) {
      const rows = done.filter((r) => r.status === status).flatMap((r) => formatted(r, transformation, ids));
      if (rows.length === 0) continue;
      const key = `${folder}/${status}_0.json`;
      await env.writeJson(bucket, key, rows);
      files[status].push({ Key: key, Size: Buffer.byteLength(JSON.stringify(rows)) });
    }
    const manifestKey = `${folder}/manifest.json`;
    await env.writeJson(bucket, manifestKey, { DestinationBucket: bucket, MapRunArn: ids.mapRunArn, ResultFiles: files });
    return { Bucket: bucket, Key: manifestKey };
  } catch (e) {
    throw new StatesError(
      'States.ResultWriterFailed',
      `Writing map run results to s3://${bucket}/${folder}/ failed: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/**
 * Runs one Distributed Map state (see the top of this file) on its effective input and returns what the Map
 * state returns before ResultSelector/ResultPath/OutputPath (which the library applies). Throws a StatesError
 * (or an error of the library) with the Step Functions error name when the map run fails.
 */
export async function runDistributedMap(
  stateName: string,
  state: AslState,
  input: unknown,
  env: MapRunEnvironment,
): Promise<unknown> {
  const ctx = env.contextObject;
  const proc = state.ItemProcessor as Record<string, unknown>;
  const { ProcessorConfig: _config, ...processor } = proc;
  assertEveryTaskOverridden(processor, env.taskHandlers);
  const childMachine = new StateMachine(processor as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });

  const { prefix, name: machineName } = arnParts(env.stateMachineArn);
  const label = typeof state.Label === 'string' && state.Label ? state.Label : stateName;
  const mapRunId = randomUUID();
  const ids: MapRunIds = {
    mapRunId,
    mapRunArn: `${prefix}:mapRun:${machineName}/${label}:${mapRunId}`,
    childStateMachineArn: `${prefix}:stateMachine:${machineName}/${label}`,
    executionPrefix: `${prefix}:execution:${machineName}/${label}`,
  };
  const { mapRunArn } = ids;

  const maxConcurrency = await numberField(stateName, state, 'MaxConcurrency', input, ctx, (n) => Number.isInteger(n) && n >= 0);
  const tolPct = await numberField(stateName, state, 'ToleratedFailurePercentage', input, ctx, (n) => n >= 0 && n <= 100);
  const tolCount = await numberField(stateName, state, 'ToleratedFailureCount', input, ctx, (n) => Number.isInteger(n) && n >= 0);

  const items = await readItems(stateName, state, input, env);
  const total = items.length;
  const exceeded = (failed: number): boolean => {
    if (tolPct === undefined && tolCount === undefined) return failed > 0;
    const overPct = tolPct !== undefined && total > 0 && (failed / total) * 100 > tolPct;
    const overCount = tolCount !== undefined && failed > tolCount;
    return overPct || overCount;
  };

  env.onEvent?.({ type: 'MapRunStarted', stateName, mapRunArn, total });
  const selector = state.ItemSelector ?? state.Parameters;
  const records: (ItemRecord | undefined)[] = new Array(total);
  let succeeded = 0;
  let failed = 0;
  let next = 0;
  let stop = false;

  const runItem = async (index: number): Promise<void> => {
    const item = items[index];
    const childInput =
      selector === undefined
        ? item
        : await evaluateTemplate(selector, input, { ...ctx, Map: { Item: { Index: index, Value: item } } });
    const name = randomUUID();
    const startDate = new Date().toISOString();
    const started = { index, name, input: childInput, startDate };
    const execution = childMachine.run(childInput as never, {
      overrides: { taskResourceLocalHandlers: env.taskHandlers, retryIntervalOverrides: env.retryIntervalOverrides },
      context: {
        Execution: { Id: `${ids.executionPrefix}:${name}`, Name: name, StartTime: startDate },
        StateMachine: { Id: ids.childStateMachineArn, Name: `${machineName}/${label}` },
      },
    });
    try {
      const output = await execution.result;
      records[index] = { ...started, stopDate: new Date().toISOString(), status: 'SUCCEEDED', output };
      succeeded++;
      env.onEvent?.({ type: 'MapItemSucceeded', stateName, mapRunArn, index, total, succeeded, failed });
    } catch (e) {
      const { error, cause } = failureOf(e);
      records[index] = { ...started, stopDate: new Date().toISOString(), status: 'FAILED', error, cause };
      failed++;
      env.onEvent?.({ type: 'MapItemFailed', stateName, mapRunArn, index, total, succeeded, failed, error, cause });
      if (exceeded(failed)) stop = true;
    }
  };

  const limit = maxConcurrency === undefined || maxConcurrency === 0 ? UNBOUNDED_CONCURRENCY : maxConcurrency;
  const lanes = Math.min(total, limit);
  let fatal: { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      try {
        while (!stop && next < total) await runItem(next++);
      } catch (e) {
        // Not a child failure (those are recorded) but e.g. an ItemSelector that cannot be evaluated: the map
        // run fails with that error once the items in flight are done.
        fatal ??= { error: e };
        stop = true;
      }
    }),
  );
  if (fatal) throw fatal.error;

  const done = records.filter((r): r is ItemRecord => r !== undefined);
  const notStarted = total - done.length;
  const failedRun = exceeded(failed);

  // ResultWriter: write first (also for a failed run), then decide the output.
  const writer = isObj(state.ResultWriter) ? state.ResultWriter : undefined;
  const writerConfig = isObj(writer?.WriterConfig) ? writer.WriterConfig : {};
  const transformation = String(writerConfig.Transformation ?? (writer ? 'NONE' : 'COMPACT'));
  const writerDetails =
    writer && writer.Resource !== undefined ? await writeResults(writer, done, transformation, ids, input, env) : undefined;

  const type = failedRun ? 'MapRunFailed' : 'MapRunSucceeded';
  env.onEvent?.({ type, stateName, mapRunArn, total, succeeded, failed, notStarted });

  if (failedRun) {
    const thresholds = [
      tolPct !== undefined ? `ToleratedFailurePercentage ${tolPct}` : undefined,
      tolCount !== undefined ? `ToleratedFailureCount ${tolCount}` : undefined,
    ].filter(Boolean);
    throw new StatesError(
      'States.ExceedToleratedFailureThreshold',
      `The specified tolerated failure threshold was exceeded. ${failed} of ${total} items failed` +
        ` (${thresholds.length ? thresholds.join(', ') : 'no failures tolerated'}); ${notStarted} not started.` +
        (writerDetails ? ` Results: s3://${writerDetails.Bucket}/${writerDetails.Key}` : ''),
    );
  }
  if (writerDetails) return { MapRunArn: mapRunArn, ResultWriterDetails: writerDetails };
  return done.flatMap((r) => formatted(r, transformation, ids));
}
