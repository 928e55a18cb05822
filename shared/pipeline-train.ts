/**
 * The training steps of a sweep over S3: a trial (one config on one fold) and the refit of the chosen config.
 * They load TensorFlow.js; plan and aggregate (shared/pipeline.ts) do not.
 */
import * as tf from '@tensorflow/tfjs';
import { selectTargets, standardizeRows, type Dataset, type Standardizer } from './data';
import { SpecError } from './errors';
import { configLabel, trialId as makeTrialId, type RegConfig } from './grid';
import { assertSweepId, assertTrialId, bestKey, bestPrefix, trialKey } from './layout';
import { disposeModel, toLayersModel, type Model } from './model';
import { loadDataset, loadLeaderboard, loadSpec, readRecord, splitsOf, type BestRecord, type StepCaches, type TrialEvent } from './pipeline';
import type { SucceededTrial } from './records';
import type { ObjectStore } from './s3';
import { buildRecord, failedRecord, fitTrial, type TrialInput } from './trial';
import { evaluate, type Metrics } from './train';

// ---------------------------------------------------------------------------------------------- trial

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
  const { store } = deps;
  assertSweepId(event.sweepId);
  assertTrialId(event.trialId);
  if (makeTrialId(event.reg, event.fold, event.seed) !== event.trialId) {
    throw new SpecError(`trial ${event.trialId}: id does not match its config, fold and seed (a tampered manifest?)`);
  }
  const key = trialKey(event.sweepId, event.trialId);
  const previous = await readRecord(store, key);
  if (previous?.status === 'succeeded') return summarize(previous, true);

  const startedAt = new Date();
  const attempts = (previous?.status === 'failed' ? (previous.attempts ?? 1) : 0) + 1;
  try {
    await deps.beforeTrain?.(event);
    const spec = await loadSpec(store, event.sweepId, deps.caches);
    const ds = await loadDataset(store, spec, deps.caches);
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
    };
    const before = tf.memory().numTensors;
    const { result } = fitTrial(input);
    let record: SucceededTrial;
    try {
      record = buildRecord(input, result, startedAt);
    } finally {
      disposeModel(result.model);
    }
    const leaked = tf.memory().numTensors - before;
    if (leaked > 0) deps.log?.(`warning: trial ${event.trialId} left ${leaked} tensors`);
    await store.putJson(key, record);
    return summarize(record, false);
  } catch (e) {
    try {
      await store.putJson(key, failedRecord({ ...event }, e, startedAt, attempts));
    } catch (writeError) {
      deps.log?.(`could not record the failure of ${event.trialId}: ${(writeError as Error).message}`);
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------- refit

/** Metrics of a model on some rows of the dataset, standardized with the given (training) statistics. */
function evaluateRows(model: Model, ds: Dataset, rows: readonly number[], standardizer: Standardizer): Metrics {
  const outputs = model.config.outputs;
  const yRaw = selectTargets(ds.y, rows);
  const x = tf.tensor2d(standardizeRows(standardizer, ds.x, rows), [rows.length, ds.features.length]);
  const y =
    ds.task === 'classification' && outputs > 1
      ? tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(yRaw), 'int32'), outputs).cast('float32') as tf.Tensor2D)
      : tf.tensor2d(yRaw, [yRaw.length, 1]);
  try {
    return evaluate(model, ds.task, x, y);
  } finally {
    x.dispose();
    y.dispose();
  }
}


export interface RefitResult {
  readonly sweepId: string;
  readonly bestKey: string;
  readonly modelUri: string;
  readonly label: string;
  readonly reg: RegConfig;
  readonly test: Metrics;
}

/**
 * Train the chosen config on every non-test row for the epochs selection found, evaluate it once on the
 * held-out test split, and save the model (tfjs format: model.json + weights.bin) and best.json.
 */
export async function refitBest(store: ObjectStore, sweepId: string, deps: { backend: string; caches?: StepCaches }): Promise<RefitResult> {
  const spec = await loadSpec(store, sweepId, deps.caches);
  const board = await loadLeaderboard(store, sweepId);
  const ds = await loadDataset(store, spec, deps.caches);
  const plan = splitsOf(ds, spec);
  const chosen = board.best;
  const epochs = Math.max(1, Math.round(chosen.meanBestEpoch));
  const input: TrialInput = {
    dataset: ds,
    settings: spec,
    reg: chosen.reg,
    trainRows: plan.trainval,
    validationRows: [],
    fold: 0,
    seed: spec.validation.seed,
    backend: deps.backend,
    sweepId,
    epochs,
    patience: 0,
  };
  const startedAt = new Date();
  const { result, standardizer } = fitTrial(input);
  try {
    const record = buildRecord(input, result, startedAt);
    const test = evaluateRows(result.model, ds, plan.test, standardizer);
    const outputActivation = ds.task === 'regression' ? 'linear' : result.model.config.outputs > 1 ? 'softmax' : 'sigmoid';
    const layers = toLayersModel(result.model, chosen.reg.dropoutRate, outputActivation);
    const prefix = bestPrefix(sweepId);
    try {
      await layers.save(
        tf.io.withSaveHandler(async (artifacts) => {
          const weightsManifest = [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }];
          const modelJson = {
            modelTopology: artifacts.modelTopology,
            format: artifacts.format,
            generatedBy: artifacts.generatedBy,
            convertedBy: artifacts.convertedBy,
            weightsManifest,
          };
          const data = artifacts.weightData;
          const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(tf.io.concatenateArrayBuffers(data as ArrayBuffer[]));
          await store.putBytes(`${prefix}weights.bin`, bytes, 'application/octet-stream');
          await store.putJson(`${prefix}model.json`, modelJson);
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
    } finally {
      layers.dispose();
    }
    const best: BestRecord = {
      schemaVersion: 1,
      sweepId,
      task: ds.task,
      target: ds.target,
      ...(ds.classes ? { classes: ds.classes } : {}),
      rule: board.rule,
      config: chosen,
      label: configLabel(chosen.reg),
      epochs,
      rows: { train: plan.trainval.length, test: plan.test.length },
      test,
      train: { loss: record.train.loss ?? NaN, ...(record.train.r2 != null ? { r2: record.train.r2 } : {}), ...(record.train.accuracy != null ? { accuracy: record.train.accuracy } : {}) },
      standardizer: { features: ds.features, mean: standardizer.mean, std: standardizer.std },
      ...(record.coefficients ? { coefficients: record.coefficients, intercept: record.intercept } : {}),
      sparsity: record.sparsity,
      selectedFeatures: record.selectedFeatures,
      model: { modelJson: store.uri(`${prefix}model.json`), weights: store.uri(`${prefix}weights.bin`), outputActivation },
      backend: deps.backend,
      createdAt: new Date().toISOString(),
    };
    await store.putJson(bestKey(sweepId), best);
    return { sweepId, bestKey: bestKey(sweepId), modelUri: best.model.modelJson, label: best.label, reg: chosen.reg, test };
  } finally {
    disposeModel(result.model);
  }
}

