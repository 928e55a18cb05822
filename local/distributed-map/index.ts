/**
 * Emulation of the Distributed Map fields that aws-local-stepfunctions ignores: ItemReader, ItemBatcher, ResultWriter,
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
 *      With an ItemBatcher, the selected items are cut in order into batches (MaxItemsPerBatch(Path),
 *      MaxInputBytesPerBatch(Path), at most 256 KiB) and each batch `{ BatchInput, Items }` is one child.
 *   3. ToleratedFailurePercentage / ToleratedFailureCount (and their *Path forms): the run fails when the failed
 *      items exceed either threshold (percentage of all items read; a failed batch fails all its items); with
 *      neither set, any failure fails it. Once the threshold is exceeded no new child starts (children in flight
 *      finish), and the Map fails with `States.ExceedToleratedFailureThreshold`.
 *   4. ResultWriter (s3:putObject, Bucket / Prefix): `<Prefix>/<mapRunId>/manifest.json` plus `SUCCEEDED_0.json`
 *      and `FAILED_0.json` (only when non-empty), in Step Functions' format, through the injected `writeJson`
 *      (written also when the run fails). WriterConfig.Transformation NONE (default) / COMPACT / FLATTEN.
 *   5. output: with a ResultWriter that writes to S3, `{ MapRunArn, ResultWriterDetails: { Bucket, Key } }`;
 *      otherwise the array of child outputs in item order (a tolerated failed item appears as its execution
 *      record with Error/Cause, as Step Functions does).
 *
 * Limits: ItemReader only for s3:getObject with InputType JSON (no CSV, JSONL, MANIFEST, PARQUET, listObjectsV2);
 * WriterConfig.OutputType JSON only; JSONata and variables (Assign) are not supported anywhere;
 * a map run always runs all its items in this process (no 10,000-child cap, no redrive). `$$.Execution.*` inside
 * ItemSelector / ItemReader / ResultWriter parameters sees the parent execution's context, except
 * `$$.Execution.Input`, which resolves to the Map's input (a quirk of the library's context handling). The Cause of
 * States.ExceedToleratedFailureThreshold starts with Step Functions' sentence and adds the counts (local only).
 * A Retry/Catch `States.TaskFailed` on the Map does not match, as for a Map state in the library.
 *
 * Modules: transform.ts (the Map -> Task replacement and the check of unsupported fields), map-run.ts (a map
 * run), one module per emulated field (item-reader.ts, item-batcher.ts, max-concurrency.ts, tolerated-failures.ts,
 * result-writer.ts), evaluate.ts (JSONPath and payload templates through the library), types.ts and errors.ts.
 */
export { StatesError, UnsupportedMapFeatureError } from './errors';
export { evaluatePath } from './evaluate';
export { runDistributedMap } from './map-run';
export { EMULATED_MAP_RESOURCE, MAX_LOCAL_TIMEOUT_SECONDS, transformDistributedMaps } from './transform';
export {
  isObj,
  type AslDefinition,
  type AslState,
  type MapRunEnvironment,
  type MapRunEvent,
  type ReadJson,
  type RetryIntervalOverrides,
  type TaskHandlers,
  type WriteJson,
} from './types';
