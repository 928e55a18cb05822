/**
 * TrainTrial: one manifest item (one config on one fold). Loads TensorFlow.js; plan and aggregate do not.
 */
import { SpecError } from '../errors';
import { trialId as makeTrialId } from '../search/grid';
import { assertTrialId } from '../store/layout';
import type { ObjectStore } from '../store/s3';
import { SweepStore } from '../store/sweep-store';
import type { SucceededTrial } from '../study/records';
import { failedRecord, fitRecord, type TrialInput } from '../training/fit';
import { loadDataset, loadSpec, splitsOf, type StepCaches } from './context';
import type { TrialEvent } from './events';

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

/**
 * Run one manifest item: skip when a complete record exists; otherwise train, write the record and return a
 * small summary. A failure writes a `failed` record with the error, then rethrows for the workflow.
 */
export async function runTrialStep(event: TrialEvent, deps: TrialDeps): Promise<TrialSummary> {
  const sweep = new SweepStore(deps.store, event.sweepId);
  assertTrialId(event.trialId);
  if (makeTrialId(event.reg, event.fold, event.seed) !== event.trialId) {
    throw new SpecError(`trial ${event.trialId}: id does not match its config, fold and seed (a tampered manifest?)`);
  }
  const previous = await sweep.trial(event.trialId);
  if (previous?.status === 'succeeded') return summarize(previous, true);

  const startedAt = new Date();
  const attempts = (previous?.status === 'failed' ? (previous.attempts ?? 1) : 0) + 1;
  try {
    await deps.beforeTrain?.(event);
    const spec = await loadSpec(sweep, deps.caches);
    const ds = await loadDataset(deps.store, spec, deps.caches);
    const plan = splitsOf(ds, spec);
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
    await sweep.writeTrial(record);
    return summarize(record, false);
  } catch (e) {
    try {
      await sweep.writeTrial(failedRecord({ ...event }, e, startedAt, attempts));
    } catch (writeError) {
      deps.log?.(`could not record the failure of ${event.trialId}: ${(writeError as Error).message}`);
    }
    throw e;
  }
}
