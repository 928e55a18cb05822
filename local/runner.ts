/**
 * Runs a state machine definition (plain ASL, e.g. from asl-tokens.ts) locally with aws-local-stepfunctions.
 *
 * This module is the one seam where a Task meets a handler: every Task state is overridden (nothing may reach
 * AWS), and a Lambda Task calls the injected `invokeLambda`:
 *   - `arn:<partition>:states:::lambda:invoke` (Parameters { FunctionName, Payload }) returns what the integration
 *     returns, `{ ExecutedVersion, Payload, SdkHttpMetadata, StatusCode: 200 }`;
 *   - a direct Lambda ARN (`arn:aws:lambda:...:function:Name`) returns the handler's result itself.
 * A handler error becomes a Task failure with Error = the handler's error name (e.g. `SpecError`,
 * `Sandbox.Timedout`) and Cause = the JSON `{ errorType, errorMessage, trace }`, as with real Lambda, so Retry and
 * Catch match as in the cloud. Distributed Maps are emulated by local/distributed-map/.
 *
 * Task timeouts: the library times out a Task without TimeoutSeconds after 60 s; Step Functions does not (the
 * Lambda's own timeout applies). Tasks without TimeoutSeconds/TimeoutSecondsPath get the largest timeout a Node
 * timer allows (~24.8 days), and larger values are clamped to it.
 *
 * Fail states: the library reads ErrorPath/CausePath only as JSONPaths, while Step Functions also accepts an
 * intrinsic function there (e.g. `States.Format(...)`, which CDK's `JsonPath.format` renders). Such a Fail state
 * runs as a Task of the same name, without Retry/Catch, that evaluates them and fails the execution with that
 * Error and Cause (its events show type Task).
 */
import './polyfills';
import { randomUUID } from 'node:crypto';
import { ExecutionError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  EMULATED_MAP_RESOURCE,
  MAX_LOCAL_TIMEOUT_SECONDS,
  StatesError,
  evaluatePath,
  isObj,
  runDistributedMap,
  transformDistributedMaps,
  type AslDefinition,
  type AslState,
  type MapRunEvent,
  type ReadJson,
  type RetryIntervalOverrides,
  type TaskHandlers,
  type WriteJson,
} from './distributed-map';

export type { ReadJson, WriteJson, MapRunEvent, AslDefinition } from './distributed-map';

/** An event of the library's execution log (StateEntered, StateExited, StateFailed, StateRetried, ...). */
export type ExecutionEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** Invokes a Lambda function by ARN or name; rejects with an error whose `name` is Lambda's errorType. */
export type InvokeLambda = (functionArnOrName: string, payload: unknown) => Promise<unknown>;

export interface RunStateMachineOptions {
  /** The state machine definition, as plain ASL (tokens already resolved). */
  readonly definition: object;
  readonly invokeLambda: InvokeLambda;
  /** Reads a JSON object (Distributed Map ItemReader); resolves undefined when it does not exist. */
  readonly readJson: ReadJson;
  /** Writes a JSON object (Distributed Map ResultWriter). */
  readonly writeJson: WriteJson;
  readonly input: unknown;
  /** @default a random UUID */
  readonly executionName?: string;
  /**
   * Used for `$$.StateMachine`, execution and map run ARNs.
   * @default arn:aws:states:us-east-1:000000000000:stateMachine:LocalStateMachine
   */
  readonly stateMachineArn?: string;
  /**
   * Retry waits per state name, in ms (the library's retryIntervalOverrides), e.g. to keep tests fast.
   * @default the intervals as written
   */
  readonly retryIntervalOverrides?: RetryIntervalOverrides;
  /** Validate the definition with the library's ASL validator before running. @default true */
  readonly validate?: boolean;
  /**
   * Execution events of the top-level execution, and progress of Distributed Map runs. An exception thrown by
   * it makes runStateMachine reject once the execution has ended.
   */
  readonly onEvent?: (event: ExecutionEvent | MapRunEvent) => void;
  /** Distributed Map children running at once, at most (MapRunEnvironment.concurrencyCap). @default MaxConcurrency alone */
  readonly mapConcurrencyCap?: number;
}

export interface RunResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  /** Error name of a failed execution (a Fail state's Error, or the error that was not caught). */
  readonly error?: string;
  readonly cause?: string;
  readonly executionArn: string;
}

/** The definition uses something the local harness cannot run faithfully. */
export class UnsupportedDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedDefinitionError';
  }
}

export const DEFAULT_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:LocalStateMachine';

/** The placeholder Resource of the Task that stands in for a Fail state with intrinsic ErrorPath/CausePath. */
export const EMULATED_FAIL_RESOURCE = 'arn:aws:states:::regsweep.local:fail';

const LAMBDA_INVOKE_RE = /^arn:[^:]+:states:::lambda:invoke(\.[A-Za-z]+)?$/;
const LAMBDA_ARN_RE = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+(:[^:]+)?$/;

export type TaskKind = 'lambda:invoke' | 'lambda' | 'distributedMap';

export interface PreparedDefinition {
  /** The definition the library runs: Distributed Maps replaced, Task timeouts set. */
  readonly definition: AslDefinition;
  /** Every Task state (at any depth) and how it is run; `functionName` when it is a literal. */
  readonly tasks: ReadonlyArray<{ stateName: string; kind: TaskKind; functionName?: string }>;
  /** The original Distributed Map states, by name. */
  readonly maps: ReadonlyMap<string, AslState>;
  /** The original Fail states with an intrinsic function in ErrorPath/CausePath, by name. */
  readonly fails: ReadonlyMap<string, AslState>;
}

/** An ErrorPath/CausePath that is an intrinsic function rather than a JSONPath. */
function isIntrinsic(path: unknown): boolean {
  return typeof path === 'string' && !path.startsWith('$');
}

/** JSONata and variables are silently ignored by the library: refuse them rather than run something else. */
function rejectUnsupportedLanguage(node: unknown, where: string): void {
  const refuse = (what: string) => {
    throw new UnsupportedDefinitionError(`${what} is not supported locally`);
  };
  if (Array.isArray(node)) {
    node.forEach((n, i) => rejectUnsupportedLanguage(n, `${where}[${i}]`));
    return;
  }
  if (!isObj(node)) return;
  if (node.QueryLanguage === 'JSONata') refuse(`${where}: QueryLanguage JSONata`);
  if (!isObj(node.States)) return;
  for (const [name, state] of Object.entries(node.States)) {
    if (!isObj(state)) continue;
    const at = `state ${JSON.stringify(name)}`;
    for (const f of ['Assign', 'Arguments', 'Output'] as const) {
      if (state[f] !== undefined) refuse(`${at}: ${f} (JSONata / variables)`);
    }
    if (state.QueryLanguage === 'JSONata') refuse(`${at}: QueryLanguage JSONata`);
    for (const key of ['ItemProcessor', 'Iterator'] as const) rejectUnsupportedLanguage(state[key], `${at}.${key}`);
    rejectUnsupportedLanguage(state.Branches, `${at}.Branches`);
  }
}

/**
 * Visits every state at any depth: item processors, iterators, parallel branches, and (given `maps`) the item
 * processors of the Distributed Maps that transformDistributedMaps took out of the definition.
 */
function forEachState(states: Record<string, AslState>, visit: (name: string, state: AslState) => void, maps?: ReadonlyMap<string, AslState>): void {
  for (const [name, state] of Object.entries(states)) {
    visit(name, state);
    const mapState = state.Resource === EMULATED_MAP_RESOURCE ? maps?.get(name) : undefined;
    for (const holder of [state, mapState]) {
      if (!holder) continue;
      for (const key of ['ItemProcessor', 'Iterator'] as const) {
        const sub = holder[key];
        if (isObj(sub) && isObj(sub.States)) forEachState(sub.States as Record<string, AslState>, visit, maps);
      }
    }
    for (const b of Array.isArray(state.Branches) ? state.Branches : []) {
      if (isObj(b) && isObj(b.States)) forEachState(b.States as Record<string, AslState>, visit, maps);
    }
  }
}

function asDefinition(definition: object): AslDefinition {
  const d = definition as Partial<AslDefinition>;
  if (!isObj(definition) || typeof d.StartAt !== 'string' || !isObj(d.States)) {
    throw new UnsupportedDefinitionError('definition must be an ASL object with StartAt and States');
  }
  return definition as AslDefinition;
}

/**
 * Checks a definition and turns it into what the library runs (see PreparedDefinition). Throws
 * UnsupportedDefinitionError for a Task resource that is not Lambda, duplicate state names, JSONata/variables,
 * and UnsupportedMapFeatureError for Distributed Map features that are not emulated.
 */
export function prepareDefinition(definition: object): PreparedDefinition {
  const original = asDefinition(definition);
  rejectUnsupportedLanguage(original, 'definition');
  const cloned = JSON.parse(JSON.stringify(original)) as AslDefinition;
  const { definition: transformed, maps } = transformDistributedMaps(cloned);
  if (typeof transformed.TimeoutSeconds === 'number' && transformed.TimeoutSeconds > MAX_LOCAL_TIMEOUT_SECONDS) {
    transformed.TimeoutSeconds = MAX_LOCAL_TIMEOUT_SECONDS;
  }

  const fails = new Map<string, AslState>();
  forEachState(
    transformed.States,
    (name, state) => {
      if (state.Type !== 'Fail' || !(isIntrinsic(state.ErrorPath) || isIntrinsic(state.CausePath))) return;
      fails.set(name, { ...state });
      for (const key of Object.keys(state)) delete state[key];
      Object.assign(state, { Type: 'Task', Resource: EMULATED_FAIL_RESOURCE, End: true, TimeoutSeconds: MAX_LOCAL_TIMEOUT_SECONDS });
    },
    maps,
  );

  const seen = new Set<string>();
  const tasks: { stateName: string; kind: TaskKind; functionName?: string }[] = [];
  forEachState(
    transformed.States,
    (name, state) => {
      // Overrides are keyed by state name at every depth, as Step Functions requires names to be unique.
      if (seen.has(name)) throw new UnsupportedDefinitionError(`duplicate state name ${JSON.stringify(name)}`);
      seen.add(name);
      if (state.Type !== 'Task' || state.Resource === EMULATED_FAIL_RESOURCE) return;
      const resource = String(state.Resource);
      if (resource === EMULATED_MAP_RESOURCE) {
        tasks.push({ stateName: name, kind: 'distributedMap' });
      } else if (LAMBDA_INVOKE_RE.test(resource)) {
        const suffix = LAMBDA_INVOKE_RE.exec(resource)?.[1];
        if (suffix) {
          const what = `state ${JSON.stringify(name)}: integration pattern ${resource}`;
          throw new UnsupportedDefinitionError(`${what} is not supported locally`);
        }
        const params = isObj(state.Parameters) ? state.Parameters : {};
        tasks.push({
          stateName: name,
          kind: 'lambda:invoke',
          functionName: typeof params.FunctionName === 'string' ? params.FunctionName : undefined,
        });
      } else if (LAMBDA_ARN_RE.test(resource)) {
        tasks.push({ stateName: name, kind: 'lambda', functionName: resource });
      } else {
        throw new UnsupportedDefinitionError(`state ${JSON.stringify(name)}: Task resource ${resource} is not supported locally (only Lambda functions)`);
      }
      if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
        state.TimeoutSeconds = MAX_LOCAL_TIMEOUT_SECONDS;
      } else if (typeof state.TimeoutSeconds === 'number' && state.TimeoutSeconds > MAX_LOCAL_TIMEOUT_SECONDS) {
        state.TimeoutSeconds = MAX_LOCAL_TIMEOUT_SECONDS;
      }
    },
    maps,
  );
  return { definition: transformed, tasks, maps, fails };
}

/** Lambda's error payload for an error thrown by invokeLambda. */
function lambdaErrorPayload(e: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  if (e instanceof Error) {
    const withTrace = e as Error & { trace?: unknown };
    const trace = Array.isArray(withTrace.trace) ? (withTrace.trace as string[]) : (e.stack?.split('\n') ?? []);
    return { errorType: e.name || 'Error', errorMessage: e.message, trace };
  }
  return { errorType: typeof e, errorMessage: String(e), trace: [] };
}

/** Calls invokeLambda; a rejection becomes a Task failure with Lambda's Error and Cause. */
async function callLambda(invokeLambda: InvokeLambda, fn: string, payload: unknown): Promise<unknown> {
  try {
    const result = await invokeLambda(fn, payload);
    return result === undefined ? null : result;
  } catch (e) {
    const p = lambdaErrorPayload(e);
    throw new StatesError(p.errorType, JSON.stringify(p));
  }
}

function taskHandlerFor(state: AslState, name: string, invokeLambda: InvokeLambda): TaskHandlers[string] {
  const resource = String(state.Resource);
  if (LAMBDA_ARN_RE.test(resource)) {
    return async (input) => (await callLambda(invokeLambda, resource, input)) as never;
  }
  return async (input) => {
    const params = isObj(input) ? input : {};
    const fn = params.FunctionName;
    if (typeof fn !== 'string' || fn === '') {
      const message = `state ${name}: lambda:invoke needs a string FunctionName, got ${JSON.stringify(fn)}`;
      throw new StatesError('States.Runtime', message, false);
    }
    const payload = await callLambda(invokeLambda, fn, params.Payload === undefined ? {} : params.Payload);
    return {
      ExecutedVersion: '$LATEST',
      Payload: payload,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: randomUUID() },
      StatusCode: 200,
    } as never;
  };
}

function findState(states: Record<string, AslState>, name: string): AslState | undefined {
  let found: AslState | undefined;
  forEachState(states, (n, s) => {
    if (n === name) found = s;
  });
  return found;
}

/** Texts of definitions that passed validation (compiling the validator's schemas takes ~0.3 s per call). */
const validatedDefinitions = new Set<string>();

/**
 * Checks a definition, as written, with the library's own validator (asl-validator, as in the library's
 * constructor). Throws an Error listing the problems. The validator mutates what it checks, so it gets a copy.
 */
export function validateDefinition(definition: object): void {
  const text = JSON.stringify(definition);
  if (validatedDefinitions.has(text)) return;
  new StateMachine(JSON.parse(text) as StateMachineDefinition);
  if (validatedDefinitions.size >= 100) validatedDefinitions.clear();
  validatedDefinitions.add(text);
}

/** Runs the definition to completion. Resolves with the outcome; rejects only for a definition it cannot run. */
export async function runStateMachine(opts: RunStateMachineOptions): Promise<RunResult> {
  const original = asDefinition(opts.definition);
  if (opts.validate !== false) validateDefinition(original);
  const prepared = prepareDefinition(original);

  const stateMachineArn = opts.stateMachineArn ?? DEFAULT_STATE_MACHINE_ARN;
  const smMatch = /^(arn:[^:]+:states:[^:]*:([^:]*)):stateMachine:(.+)$/.exec(stateMachineArn);
  if (!smMatch) throw new UnsupportedDefinitionError(`stateMachineArn is not a state machine ARN: ${stateMachineArn}`);
  const [, arnPrefix, accountId, stateMachineName] = smMatch;
  const executionName = opts.executionName ?? randomUUID();
  const executionArn = `${arnPrefix}:execution:${stateMachineName}:${executionName}`;
  const contextObject = {
    Execution: {
      Id: executionArn,
      Name: executionName,
      RoleArn: `arn:aws:iam::${accountId}:role/${stateMachineName}Role`,
      RedriveCount: 0,
    },
    StateMachine: { Id: stateMachineArn, Name: stateMachineName },
  };

  const taskHandlers: TaskHandlers = {};
  forEachState(
    prepared.definition.States,
    (name, state) => {
      if (state.Type !== 'Task') return;
      if (state.Resource === EMULATED_FAIL_RESOURCE) {
        const fail = prepared.fails.get(name) as AslState;
        taskHandlers[name] = async (input) => {
          const value = (literal: unknown, path: unknown): Promise<unknown> =>
            typeof path === 'string' ? evaluatePath(path, input, contextObject) : Promise.resolve(literal);
          const text = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
          const error = await value(fail.Error, fail.ErrorPath);
          const cause = await value(fail.Cause, fail.CausePath);
          throw new StatesError(text(error), text(cause));
        };
      } else if (state.Resource === EMULATED_MAP_RESOURCE) {
        const mapState = prepared.maps.get(name) as AslState;
        taskHandlers[name] = async (input) =>
          (await runDistributedMap(name, mapState, input, {
            readJson: opts.readJson,
            writeJson: opts.writeJson,
            taskHandlers,
            retryIntervalOverrides: opts.retryIntervalOverrides,
            contextObject,
            stateMachineArn,
            onEvent: opts.onEvent,
            concurrencyCap: opts.mapConcurrencyCap,
          })) as never;
      } else {
        taskHandlers[name] = taskHandlerFor(state, name, opts.invokeLambda);
      }
    },
    prepared.maps,
  );

  const machine = new StateMachine(prepared.definition as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  const execution = machine.run(opts.input as never, {
    overrides: { taskResourceLocalHandlers: taskHandlers, retryIntervalOverrides: opts.retryIntervalOverrides },
    context: contextObject,
  });

  // Follow the top-level event log: for onEvent, and to know which state failed the execution.
  let lastFailedState: string | undefined;
  const follow = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateFailed' && event.index === undefined) lastFailedState = event.state.name;
      opts.onEvent?.(event);
    }
  })();

  let outcome: { ok: true; output: unknown } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, output: await execution.result };
  } catch (e) {
    outcome = { ok: false, error: e };
  }
  await follow; // the log closes when the execution ends
  if (outcome.ok) return { status: 'SUCCEEDED', output: outcome.output, executionArn };
  const e = outcome.error;
  if (e instanceof ExecutionTimeoutError) {
    const cause = 'The execution timed out (TimeoutSeconds of the state machine)';
    return { status: 'FAILED', error: 'States.Timeout', cause, executionArn };
  }
  if (e instanceof ExecutionError && e.cause instanceof Error) {
    let error: string | undefined = e.cause.name;
    let cause: string | undefined = e.cause.message;
    // A Fail state without Error/Cause has none in Step Functions; the library fills in defaults.
    const failed = lastFailedState === undefined ? undefined : findState(original.States, lastFailedState);
    if (failed?.Type === 'Fail') {
      if (failed.Error === undefined && failed.ErrorPath === undefined) error = undefined;
      if (failed.Cause === undefined && failed.CausePath === undefined) cause = undefined;
    }
    return { status: 'FAILED', error, cause, executionArn };
  }
  throw e;
}
