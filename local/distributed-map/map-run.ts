/**
 * A map run: given the Map's effective input (after InputPath), reads the items, runs each as a child execution
 * of the ItemProcessor, within MaxConcurrency and the tolerated failures, writes the results and returns the
 * Map's output (see index.ts).
 */
import '../polyfills';
import { randomUUID } from 'node:crypto';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { StatesError } from './errors';
import { evaluateTemplate } from './evaluate';
import { batchItems, itemBatching } from './item-batcher';
import { readItems } from './item-reader';
import { concurrencyLimit } from './max-concurrency';
import { formatted, resultWriterOf, writeResults } from './result-writer';
import { exceedsTolerance, thresholdExceeded, toleratedFailures } from './tolerated-failures';
import { isObj, type AslState, type ItemRecord, type MapRunEnvironment, type MapRunIds, type TaskHandlers } from './types';

function arnParts(stateMachineArn: string): { prefix: string; name: string } {
  // arn:<partition>:states:<region>:<account>:stateMachine:<name>
  const m = /^(arn:[^:]+:states:[^:]*:[^:]*):stateMachine:(.+)$/.exec(stateMachineArn);
  if (!m) throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  return { prefix: m[1], name: m[2] };
}

function failureOf(e: unknown): { error: string; cause: string } {
  const err = e instanceof ExecutionError && e.cause instanceof Error ? e.cause : e;
  if (err instanceof Error) return { error: err.name, cause: err.message };
  return { error: 'States.Runtime', cause: String(err) };
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
      for (const key of ['ItemProcessor', 'Iterator']) if (isObj(st[key])) visit(st[key].States);
      if (Array.isArray(st.Branches)) for (const b of st.Branches) if (isObj(b)) visit(b.States);
    }
  };
  visit(definition.States);
}

/**
 * Runs one Distributed Map state (see index.ts) on its effective input and returns what the Map state returns
 * before ResultSelector/ResultPath/OutputPath (which the library applies). Throws a StatesError (or an error of
 * the library) with the Step Functions error name when the map run fails.
 */
export async function runDistributedMap(stateName: string, state: AslState, input: unknown, env: MapRunEnvironment): Promise<unknown> {
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

  const limit = await concurrencyLimit(stateName, state, input, ctx);
  const tolerance = await toleratedFailures(stateName, state, input, ctx);

  const items = await readItems(stateName, state, input, env);
  const batching = await itemBatching(stateName, state, input, ctx);
  const selector = state.ItemSelector ?? state.Parameters;
  const select = (item: unknown, index: number) =>
    selector === undefined ? item : evaluateTemplate(selector, input, { ...ctx, Map: { Item: { Index: index, Value: item } } });

  // Children: one per item, or one per batch (ItemSelector applies to each item before batching).
  let batches: { Items: unknown[] }[] | undefined;
  if (batching) {
    const selected: unknown[] = [];
    for (const [index, item] of items.entries()) selected.push(await select(item, index));
    batches = batchItems(stateName, selected, batching);
  }
  const total = batches?.length ?? items.length;
  const itemsOf = (index: number) => batches?.[index].Items.length ?? 1;

  env.onEvent?.({ type: 'MapRunStarted', stateName, mapRunArn, total, items: items.length });
  const records = new Array<ItemRecord | undefined>(total);
  let succeeded = 0;
  let failed = 0;
  /** Items of the failed children: what ToleratedFailurePercentage/Count count (a failed batch fails all its items). */
  let failedItems = 0;
  let next = 0;
  let stop = false;

  const runItem = async (index: number): Promise<void> => {
    const childInput = batches ? batches[index] : await select(items[index], index);
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
      env.onEvent?.({ type: 'MapItemSucceeded', stateName, mapRunArn, index, total, succeeded, failed, items: itemsOf(index), output });
    } catch (e) {
      const { error, cause } = failureOf(e);
      records[index] = { ...started, stopDate: new Date().toISOString(), status: 'FAILED', error, cause };
      failed++;
      failedItems += itemsOf(index);
      env.onEvent?.({ type: 'MapItemFailed', stateName, mapRunArn, index, total, succeeded, failed, items: itemsOf(index), error, cause });
      // Once the threshold is exceeded no new child starts (children in flight finish).
      if (exceedsTolerance(tolerance, failedItems, items.length)) stop = true;
    }
  };

  const lanes = Math.min(total, limit, env.concurrencyCap ?? Infinity);
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
  const failedRun = exceedsTolerance(tolerance, failedItems, items.length);

  // ResultWriter: write first (also for a failed run), then decide the output.
  const { writer, transformation } = resultWriterOf(state);
  const writerDetails = writer && writer.Resource !== undefined ? await writeResults(writer, done, transformation, ids, input, env) : undefined;

  const type = failedRun ? 'MapRunFailed' : 'MapRunSucceeded';
  env.onEvent?.({ type, stateName, mapRunArn, total, succeeded, failed, notStarted });

  if (failedRun)
    throw thresholdExceeded(
      tolerance,
      { failed: failedItems, total: items.length, notStarted: items.length - done.reduce((a, r) => a + itemsOf(r.index), 0) },
      writerDetails,
    );
  if (writerDetails) return { MapRunArn: mapRunArn, ResultWriterDetails: writerDetails };
  return done.flatMap((r) => formatted(r, transformation, ids));
}
