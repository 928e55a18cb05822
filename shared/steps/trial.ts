/**
 * TrainTrial: a batch of manifest items (plan/batches.ts), each one config on one fold, run one after the other
 * in one invocation. Loads TensorFlow.js; plan and aggregate do not.
 *
 * Per-trial semantics in a batch: every trial gets its own record; a trial with a succeeded record is skipped
 * (resume, also inside a batch that was retried or re-run); a trial that fails gets a `failed` record and the
 * batch goes on with the next one. The batch returns each trial's outcome and fails only for what is not a
 * trial's own doing (records it could not write, the invocation's own errors, a crash or timeout), so the Map's
 * tolerated failures count crashed batches, and the sweep's tolerance over trials is decided from the records
 * by Aggregate.
 *
 * Storage per batch: the spec and the dataset are read once per batch (HEAD + GET, then the container's caches);
 * the batch's existing records with one LIST of sweeps/<id>/trials/<batchKey>/ and a GET per part found (none on
 * a fresh run); and its records are written as parts of that prefix (SweepStore.writeTrialPart), not one object
 * per trial: a part every RECORD_FLUSH_MS and at the end, its PUT running while the next trials train. The batch
 * returns once every part is written. Readers merge the parts into one record per trial (SweepStore.trials).
 */
import type { Dataset } from '../data/parse';
import type { SplitPlan } from '../data/splits';
import { SpecError } from '../errors';
import type { SweepSpec } from '../search/spec';
import { trialId as makeTrialId } from '../search/grid';
import { assertTrialId, batchKeyOf } from '../store/layout';
import type { BucketBlobs } from '../store/blobs';
import { SweepStore } from '../store/sweep-store';
import type { FailedTrial, SucceededTrial, TrialRecord } from '../study/records';
import { failedRecord, fitRecord, type TrialInput } from '../training/fit';
import { RECORD_FLUSH_MS } from '../store/layout';
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
  /** The sweep's bucket: the dataset, spec and records (ObjectStore in a handler, MemoryBlobs in unit tests). */
  readonly store: BucketBlobs;
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

/** Part PUTs a batch keeps in flight while its next trials train. */
export const PART_WRITES_IN_FLIGHT = 2;

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
 * Train one trial that has no complete record and return its record: `succeeded`, or `failed` with the error
 * (anything a trial does wrong is its own failure, recorded; the batch goes on).
 */
async function trainTrial(event: TrialEvent, previous: TrialRecord | undefined, deps: TrialDeps, inputs: () => Promise<Inputs>): Promise<TrialRecord> {
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
    return record;
  } catch (e) {
    return failedRecord({ ...event }, e, startedAt, attempts);
  }
}

const outcomeOf = (r: TrialRecord): TrialOutcome => (r.status === 'succeeded' ? summarize(r, false) : { trialId: r.trialId, status: 'failed', error: r.error });

/**
 * Collects a batch's records and writes them as parts (SweepStore.writeTrialPart): a part is started once
 * RECORD_FLUSH_MS have passed since the last one was (or since the batch began), when a record is added or, for
 * records waiting while a long trial runs, by a timer; and at the end. At most PART_WRITES_IN_FLIGHT PUTs run
 * while the next trials train. A part that cannot be written fails the batch, at the next trial or at `close`
 * (FailureNotRecordedError when it held failed records).
 */
class PartWriter {
  private pending: TrialRecord[] = [];
  private lastStart = Date.now();
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private failure?: Error;

  constructor(
    private readonly sweep: SweepStore,
    private readonly batchKey: string,
  ) {}

  /** Adds a record to the pending part; starts writing it when it is due. Throws an earlier part's failure. */
  async add(record: TrialRecord): Promise<void> {
    this.throwFailure();
    this.pending.push(record);
    const due = this.lastStart + RECORD_FLUSH_MS - Date.now();
    if (due <= 0) await this.startPart();
    else this.timer ??= setTimeout(() => void this.startPart(), due);
  }

  /** Writes what is pending and waits for every part: the batch's records are all stored when this returns. */
  async close(): Promise<void> {
    await this.startPart();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    this.throwFailure();
  }

  private async startPart(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight.size >= PART_WRITES_IN_FLIGHT) await Promise.race(this.inFlight);
    const records = this.pending;
    if (records.length === 0) return; // another caller took them while this one waited
    this.pending = [];
    this.lastStart = Date.now();
    const p: Promise<void> = this.sweep
      .writeTrialPart(this.batchKey, records)
      .catch((e: unknown) => void (this.failure ??= partError(records, e)))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private throwFailure(): void {
    if (this.failure) throw this.failure;
  }
}

/** Why a part's PUT failed, naming its trials (FailureNotRecordedError when some of them failed: their errors would be lost). */
function partError(records: readonly TrialRecord[], e: unknown): Error {
  const failed = records.filter((r): r is FailedTrial => r.status === 'failed');
  if (failed.length > 0) return new FailureNotRecordedError(failed, e);
  const ids = records.map((r) => r.trialId);
  const named = ids.length > 3 ? `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more` : ids.join(', ');
  return new Error(`could not write the records of trials ${named}: ${errorOf(e).message}`);
}

/**
 * Run a batch (see the module comment). Before each trial after the first, a time guard compares the time left
 * with the longest trial so far: a trial that would likely not finish is not started and gets a failed record
 * (BatchTimeBudgetError, naming limits.batchSize); a resume runs it again. A part that cannot be written fails
 * the batch (the Map's Retry and tolerance then apply; the trials of parts already written are skipped on a retry).
 */
export async function runTrialBatch(batch: TrialBatchEvent, deps: BatchDeps): Promise<BatchSummary> {
  const { sweepId } = batch.BatchInput;
  const sweep = new SweepStore(deps.store, sweepId); // an unsafe sweepId fails the whole batch
  const events: TrialEvent[] = batch.Items.map((item) => ({ ...item, sweepId }));
  const batchKey = batchKeyOf(events[0].trialId, events.length); // an unsafe first trialId fails the whole batch
  await deps.beforeBatch?.(events);
  const existing = await sweep.batchRecords(batchKey); // resume: one LIST, and a GET per part already written
  let inputs: Promise<Inputs> | undefined; // read once per batch, when a trial first needs them
  const writer = new PartWriter(sweep, batchKey);
  const trials: TrialOutcome[] = [];
  let longestMs = 0;
  for (const event of events) {
    try {
      checkIds(event);
    } catch (error) {
      trials.push({ trialId: event.trialId, status: 'failed', error: errorOf(error) }); // unsafe ids: no record to write
      continue;
    }
    const previous = existing.get(event.trialId);
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
      const record = failedRecord({ ...event }, guard, new Date());
      trials.push(outcomeOf(record));
      await writer.add(record);
      continue;
    }
    const t0 = Date.now();
    const record = await trainTrial(event, previous, deps, () => (inputs ??= loadInputs(sweep, deps)));
    longestMs = Math.max(longestMs, Date.now() - t0);
    trials.push(outcomeOf(record));
    await writer.add(record);
  }
  await writer.close();
  const count = (f: (t: TrialOutcome) => boolean) => trials.filter(f).length;
  return {
    sweepId,
    trials,
    succeeded: count((t) => t.status === 'succeeded' && !t.skipped),
    skipped: count((t) => t.status === 'succeeded' && t.skipped),
    failed: count((t) => t.status === 'failed'),
  };
}

/** A part holding failed records could not be written: the batch fails (nothing may be lost silently). */
export class FailureNotRecordedError extends Error {
  constructor(failed: readonly FailedTrial[], writeError: unknown) {
    const trials = failed.map((r) => `trial ${r.trialId} failed (${r.error.name}: ${r.error.message})`).join('; ');
    super(`${trials}, and the failed record${failed.length === 1 ? '' : 's'} could not be written: ${errorOf(writeError).message}`);
    this.name = 'FailureNotRecordedError';
  }
}
