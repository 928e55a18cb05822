/**
 * TrainTrial: a batch of manifest items (steps/batches.ts), each one config on one fold, run one after the other
 * in one invocation. Loads TensorFlow.js; plan and aggregate do not.
 *
 * Per-trial semantics in a batch: every trial writes its own record; a trial with a complete record is skipped
 * (resume, also inside a batch that was retried or re-run); a trial that fails writes its `failed` record and
 * the batch goes on with the next one. The batch returns each trial's outcome and fails only for what is not a
 * trial's own doing (a failed record it could not write, the invocation's own errors, a crash or timeout), so
 * the Map's tolerated failures count crashed batches, and the sweep's tolerance over trials is decided from
 * the records by Aggregate.
 *
 * Storage per batch: the spec and the dataset are read once per batch (HEAD + GET, then the container's caches),
 * the batch's existing records are read up front with RECORD_IO_CONCURRENCY requests in flight, and each trial's
 * record is written by its own PUT (one object per trial keeps resume and per-trial reads as they are) while the
 * next trial trains, at most RECORD_IO_CONCURRENCY in flight; the batch returns once every PUT has succeeded.
 */
import type { Dataset } from '../data/parse';
import type { SplitPlan } from '../data/splits';
import { SpecError } from '../errors';
import type { SweepSpec } from '../search/spec';
import { trialId as makeTrialId } from '../search/grid';
import { assertTrialId } from '../store/layout';
import type { ObjectStore } from '../store/s3';
import { SweepStore } from '../store/sweep-store';
import type { SucceededTrial, TrialRecord } from '../study/records';
import { mapLimit } from '../util/concurrency';
import { failedRecord, fitRecord, type TrialInput } from '../training/fit';
import { loadDataset, loadSpec, splitsOf, type StepCaches } from './context';
import type { TrialBatchEvent, TrialEvent } from './events';

export interface TrialSummary {
  readonly trialId: string;
  readonly configId: string;
  readonly fold: number;
  readonly status: 'succeeded';
  readonly valLoss: number | null;
  readonly trainLoss: number | null;
  readonly epochsRun: number;
  readonly durationMs: number;
  /** True when a complete record already existed and nothing was trained (resume). */
  readonly skipped: boolean;
}

const summarize = (r: SucceededTrial, skipped: boolean): TrialSummary => ({
  trialId: r.trialId,
  configId: r.configId,
  fold: r.fold,
  status: 'succeeded',
  valLoss: r.validation?.loss ?? null,
  trainLoss: r.train.loss,
  epochsRun: r.epochsRun,
  durationMs: r.durationMs,
  skipped,
});

export interface TrialDeps {
  readonly store: ObjectStore;
  readonly caches: StepCaches;
  /** The TensorFlow.js backend in use (recorded). */
  readonly backend: string;
  readonly log?: (line: string) => void;
  /** Called before training, inside the trial's error handling (the harness's test-only fault hooks). */
  readonly beforeTrain?: (event: TrialEvent) => Promise<void>;
}

/** What one trial of a batch came to (the batch's output, and the Map's ResultWriter, hold these). */
export type TrialOutcome = TrialSummary | { readonly trialId: string; readonly status: 'failed'; readonly error: { name: string; message: string } };

export interface BatchSummary {
  readonly sweepId: string;
  readonly trials: TrialOutcome[];
  /** Trials trained and recorded as succeeded in this invocation. */
  readonly succeeded: number;
  /** Trials skipped because a complete record existed (resume). */
  readonly skipped: number;
  /** Trials that failed (their failed records are written), including those not started for lack of time. */
  readonly failed: number;
}

export interface BatchDeps extends TrialDeps {
  /** Milliseconds the invocation has left (Lambda's context.getRemainingTimeInMillis); no time guard without it. */
  readonly remainingMs?: () => number;
  /** Called once before the batch's first trial, outside any trial's error handling (test-only fault hooks). */
  readonly beforeBatch?: (events: readonly TrialEvent[]) => Promise<void>;
}

/** A trial is not started unless the invocation has this many times the longest trial so far left, plus the margin. */
export const TIME_GUARD_FACTOR = 2;
export const TIME_GUARD_MARGIN_MS = 2_000;

/** A trial of a batch not started because the invocation would have run out of time (recorded as failed). */
export class BatchTimeBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchTimeBudgetError';
  }
}

const errorOf = (e: unknown) => (e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) });

/** S3 requests a batch keeps in flight to read the existing records and to write new ones. */
export const RECORD_IO_CONCURRENCY = 8;

/** What every trial of a sweep reads: its spec, its dataset and their splits. */
interface Inputs {
  readonly spec: SweepSpec;
  readonly ds: Dataset;
  readonly plan: SplitPlan;
}

async function loadInputs(sweep: SweepStore, deps: TrialDeps): Promise<Inputs> {
  const spec = await loadSpec(sweep, deps.caches);
  const ds = await loadDataset(deps.store, spec, deps.caches);
  return { spec, ds, plan: splitsOf(ds, spec) };
}

/** The ids of a trial must be safe and match its config, fold and seed (a tampered manifest otherwise). */
function checkIds(event: TrialEvent): void {
  assertTrialId(event.trialId);
  if (makeTrialId(event.reg, event.fold, event.seed) !== event.trialId) {
    throw new SpecError(`trial ${event.trialId}: id does not match its config, fold and seed (a tampered manifest?)`);
  }
}

/**
 * Train one trial that has no complete record and write its record with `write`; a failure writes a `failed`
 * record (awaited), then rethrows (FailureNotRecordedError when even that record could not be written).
 */
async function trainTrial(
  event: TrialEvent,
  previous: TrialRecord | undefined,
  sweep: SweepStore,
  deps: TrialDeps,
  inputs: () => Promise<Inputs>,
  write: (record: TrialRecord) => Promise<void>,
): Promise<TrialSummary> {
  const startedAt = new Date();
  const attempts = (previous?.status === 'failed' ? (previous.attempts ?? 1) : 0) + 1;
  try {
    await deps.beforeTrain?.(event);
    const { spec, ds, plan } = await inputs();
    const fold = plan.folds[event.fold];
    if (!fold) throw new SpecError(`trial ${event.trialId}: fold ${event.fold} does not exist (the sweep has ${plan.folds.length})`);
    const input: TrialInput = {
      dataset: ds,
      settings: spec,
      reg: event.reg,
      trainRows: fold.train,
      validationRows: fold.validation,
      fold: event.fold,
      seed: event.seed,
      backend: deps.backend,
      sweepId: event.sweepId,
      linearCache: deps.caches.linear,
    };
    const { record, leaked } = fitRecord(input, startedAt);
    if (leaked > 0) deps.log?.(`warning: trial ${event.trialId} left ${leaked} tensors`);
    await write(record);
    return summarize(record, false);
  } catch (e) {
    await recordFailure(sweep, event, e, startedAt, attempts);
    throw e;
  }
}

/**
 * Run one trial: skip when a complete record exists; otherwise train, write the record and return a small
 * summary. A failure writes a `failed` record with the error, then rethrows (FailureNotRecordedError when even
 * that record could not be written).
 */
export async function runTrialStep(event: TrialEvent, deps: TrialDeps): Promise<TrialSummary> {
  const sweep = new SweepStore(deps.store, event.sweepId);
  checkIds(event);
  const previous = await sweep.trial(event.trialId);
  if (previous?.status === 'succeeded') return summarize(previous, true);
  return trainTrial(
    event,
    previous,
    sweep,
    deps,
    () => loadInputs(sweep, deps),
    (r) => sweep.writeTrial(r),
  );
}

/** Writes records while the batch goes on: at most `limit` PUTs in flight; `flush` waits for all, throwing the first failure. */
class RecordWriter {
  private readonly inFlight = new Set<Promise<void>>();
  private failure?: { trialId: string; error: unknown };

  constructor(
    private readonly sweep: SweepStore,
    private readonly limit: number,
  ) {}

  async put(record: TrialRecord): Promise<void> {
    while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
    const p: Promise<void> = this.sweep
      .writeTrial(record)
      .catch((error: unknown) => void (this.failure ??= { trialId: record.trialId, error }))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  async flush(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure) throw new Error(`could not write the record of trial ${this.failure.trialId}: ${errorOf(this.failure.error).message}`);
  }
}

/**
 * Run a batch (see the module comment). Before each trial after the first, a time guard compares the time left
 * with the longest trial so far: a trial that would likely not finish is not started and gets a failed record
 * (BatchTimeBudgetError, naming limits.batchSize); a resume runs it again. A record that cannot be written fails
 * the batch (the Map's Retry and tolerance then apply; completed trials are skipped on a retry).
 */
export async function runTrialBatch(batch: TrialBatchEvent, deps: BatchDeps): Promise<BatchSummary> {
  const { sweepId } = batch.BatchInput;
  const sweep = new SweepStore(deps.store, sweepId); // an unsafe sweepId fails the whole batch
  const events: TrialEvent[] = batch.Items.map((item) => ({ ...item, sweepId }));
  await deps.beforeBatch?.(events);
  // Each trial's ids checked and its existing record read, up front and in parallel.
  const found = await mapLimit(events, RECORD_IO_CONCURRENCY, async (event) => {
    try {
      checkIds(event);
      return { previous: await sweep.trial(event.trialId) };
    } catch (error) {
      return { error };
    }
  });
  let inputs: Promise<Inputs> | undefined; // read once per batch, when a trial first needs them
  const writer = new RecordWriter(sweep, RECORD_IO_CONCURRENCY);
  const trials: TrialOutcome[] = [];
  let longestMs = 0;
  for (const [i, event] of events.entries()) {
    const { previous, error } = found[i];
    if (error !== undefined) {
      trials.push({ trialId: event.trialId, status: 'failed', error: errorOf(error) }); // unsafe ids: no record to write
      continue;
    }
    if (previous?.status === 'succeeded') {
      trials.push(summarize(previous, true));
      continue;
    }
    const left = deps.remainingMs?.();
    if (left !== undefined && longestMs > 0 && left < TIME_GUARD_FACTOR * longestMs + TIME_GUARD_MARGIN_MS) {
      const guard = new BatchTimeBudgetError(
        `not started: the invocation had ${Math.round(left / 1000)} s left and a trial of this batch took up to ` +
          `${Math.round(longestMs / 1000)} s; lower limits.batchSize (this batch held ${events.length} trials) and resume the sweep`,
      );
      await recordFailure(sweep, event, guard, new Date());
      trials.push({ trialId: event.trialId, status: 'failed', error: errorOf(guard) });
      continue;
    }
    const t0 = Date.now();
    try {
      trials.push(
        await trainTrial(
          event,
          previous,
          sweep,
          deps,
          () => (inputs ??= loadInputs(sweep, deps)),
          (r) => writer.put(r),
        ),
      );
    } catch (e) {
      if (e instanceof FailureNotRecordedError) throw e;
      trials.push({ trialId: event.trialId, status: 'failed', error: errorOf(e) });
    }
    longestMs = Math.max(longestMs, Date.now() - t0);
  }
  await writer.flush();
  const count = (f: (t: TrialOutcome) => boolean) => trials.filter(f).length;
  return {
    sweepId,
    trials,
    succeeded: count((t) => t.status === 'succeeded' && !t.skipped),
    skipped: count((t) => t.status === 'succeeded' && t.skipped),
    failed: count((t) => t.status === 'failed'),
  };
}

/** The failed record of a trial could not be written: the batch fails (nothing may be lost silently). */
export class FailureNotRecordedError extends Error {
  constructor(trialId: string, error: unknown, writeError: unknown) {
    const { name, message } = errorOf(error);
    super(`trial ${trialId} failed (${name}: ${message}) and its failed record could not be written: ${errorOf(writeError).message}`);
    this.name = 'FailureNotRecordedError';
  }
}

async function recordFailure(sweep: SweepStore, event: TrialEvent, error: unknown, startedAt: Date, attempts = 1): Promise<void> {
  try {
    await sweep.writeTrial(failedRecord({ ...event }, error, startedAt, attempts));
  } catch (writeError) {
    throw new FailureNotRecordedError(event.trialId, error, writeError);
  }
}
