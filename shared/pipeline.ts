/**
 * The four steps of a sweep over S3 (plan, trial, aggregate, refit). Each takes its dependencies as
 * arguments (an ObjectStore, caches, the backend) so the Lambda handlers stay thin and tests can run the steps
 * against the local S3 server. Keys come from shared/layout.ts; nothing is written outside sweeps/<sweepId>/.
 */
import { mapLimit } from './concurrency';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { parseDataset, planSplits, standardizeRows, selectTargets, type Dataset, type SplitPlan, type Standardizer } from './data';
import { DatasetError, SpecError, UnsafeIdError } from './errors';
import { configLabel, expandGrid, trialId as makeTrialId, type RegConfig, type TrialItem } from './grid';
import {
  assertSweepId,
  assertTrialId,
  bestKey,
  bestPrefix,
  leaderboardKey,
  manifestKey,
  mapResultsPrefix,
  specKey,
  trialKey,
  trialsPrefix,
  TRIAL_ID_RE,
} from './layout';
import { disposeModel, toLayersModel, type Model } from './model';
import { asTrialRecord, RegConfigSchema, type FailedTrial, type SucceededTrial, type TrialRecord } from './records';
import type { ObjectStore } from './s3';
import { buildLeaderboard, type ConfigSummary, type Leaderboard } from './selection';
import { parseSpec, SLUG_RE, type SweepSpec } from './spec';
import { buildRecord, failedRecord, fitTrial, type TrialInput } from './trial';
import { datasetLocation, newSweepId } from './sweep';

export { datasetLocation, newSweepId };
import { evaluate, type Metrics } from './train';

// ---------------------------------------------------------------------------------------------- events

/** A manifest item as the Distributed Map hands it to the trial function. */
export const TrialEventSchema = z.object({
  sweepId: z.string(),
  trialId: z.string(),
  configId: z.string(),
  fold: z.number().int().min(0),
  seed: z.number().int(),
  reg: RegConfigSchema,
});
export type TrialEvent = z.infer<typeof TrialEventSchema>;

const SweepEventSchema = z.object({ sweepId: z.string() });

function parseEvent<T>(schema: z.ZodType<T>, event: unknown, what: string): T {
  const r = schema.safeParse(event);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new SpecError(`invalid ${what} event: ${first.path.join('.') || '(event)'}: ${first.message}`);
  }
  return r.data;
}

export const parseTrialEvent = (event: unknown) => parseEvent(TrialEventSchema, event, 'trial');
export const parseSweepEvent = (event: unknown) => parseEvent(SweepEventSchema, event, 'sweep');

// ---------------------------------------------------------------------------------------------- caches

/** Per-container caches (a warm Lambda reuses them across invocations). */
export interface StepCaches {
  /** Parsed datasets by `bucket/key@etag`. */
  readonly datasets: Map<string, Dataset>;
  /** Validated specs by sweepId (a sweep's spec never changes once planned). */
  readonly specs: Map<string, SweepSpec>;
}

export const createCaches = (): StepCaches => ({ datasets: new Map(), specs: new Map() });

// ---------------------------------------------------------------------------------------------- shared reads

/** Load and parse the spec's dataset (cached by ETag). Errors name the S3 object. */
export async function loadDataset(store: ObjectStore, spec: SweepSpec, caches?: StepCaches): Promise<Dataset> {
  const { key } = datasetLocation(spec, store.bucket);
  const head = await store.head(key);
  if (!head) throw new DatasetError(`dataset ${store.uri(key)} not found (upload it with regsweep upload-dataset)`);
  const cacheKey = `${store.bucket}/${key}@${head.etag}`;
  const cached = caches?.datasets.get(cacheKey);
  if (cached) return cached;
  const got = await store.getBytes(key);
  if (!got) throw new DatasetError(`dataset ${store.uri(key)} not found (upload it with regsweep upload-dataset)`);
  const ds = parseDataset(got.body, {
    name: store.uri(key),
    target: spec.dataset.target,
    task: spec.dataset.task,
    features: spec.dataset.features,
    format: spec.dataset.format,
  });
  caches?.datasets.clear(); // one dataset per container is plenty; never grow without bound
  caches?.datasets.set(`${store.bucket}/${key}@${got.etag}`, ds);
  return ds;
}

/** The spec a sweep was planned with. */
export async function loadSpec(store: ObjectStore, sweepId: string, caches?: StepCaches): Promise<SweepSpec> {
  assertSweepId(sweepId);
  const cached = caches?.specs.get(sweepId);
  if (cached) return cached;
  const json = await store.getJson(specKey(sweepId));
  if (json === undefined) throw new SpecError(`sweep ${sweepId} not found: no ${store.uri(specKey(sweepId))} (run plan first)`);
  const spec = parseSpec(json);
  caches?.specs.set(sweepId, spec);
  return spec;
}

export async function loadManifest(store: ObjectStore, sweepId: string): Promise<TrialEvent[]> {
  const json = await store.getJson(manifestKey(sweepId));
  if (!Array.isArray(json)) throw new SpecError(`sweep ${sweepId}: ${store.uri(manifestKey(sweepId))} is missing or not a JSON array`);
  return json.map((item, i) => {
    const r = TrialEventSchema.safeParse(item);
    if (!r.success) throw new SpecError(`sweep ${sweepId}: manifest item ${i} is invalid`);
    return r.data;
  });
}

const splitsOf = (ds: Dataset, spec: SweepSpec): SplitPlan =>
  planSplits(ds, { folds: spec.validation.folds, holdout: spec.validation.holdout, testFraction: spec.validation.testFraction, seed: spec.validation.seed });

// ---------------------------------------------------------------------------------------------- plan

export interface PlanResult {
  readonly sweepId: string;
  readonly bucket: string;
  readonly manifestKey: string;
  readonly trialCount: number;
}

/**
 * Validate the spec and its dataset (parsed once here so a bad file fails the sweep at once, with its row and
 * column), expand the grid, and write spec.json and manifest.json. Re-planning an existing sweepId with the
 * same spec is allowed (resume); with another spec it is refused.
 */
export async function planSweep(store: ObjectStore, input: { spec: unknown; sweepId?: string }): Promise<PlanResult> {
  const parsed = parseSpec(input.spec);
  const sweepId = input.sweepId ?? parsed.sweepId ?? newSweepId(parsed);
  if (!SLUG_RE.test(sweepId)) throw new UnsafeIdError(`unsafe sweepId ${JSON.stringify(sweepId)}: must be a slug of a-z, 0-9 and '-' (max 63 chars)`);
  const spec: SweepSpec = { ...parsed, sweepId };
  const items = expandGrid(spec);
  const ds = await loadDataset(store, spec);
  splitsOf(ds, spec); // throws a DatasetError naming the file when the rows cannot make the folds

  const existing = await store.getJson(specKey(sweepId));
  if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(spec)) {
    throw new SpecError(`sweep ${sweepId} already exists with a different spec (${store.uri(specKey(sweepId))}); choose another sweepId`);
  }
  await store.putJson(specKey(sweepId), spec);
  await store.putJson(
    manifestKey(sweepId),
    items.map((i) => ({ sweepId, ...i })),
  );
  return { sweepId, bucket: store.bucket, manifestKey: manifestKey(sweepId), trialCount: items.length };
}

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

/** A trial record, or undefined when absent, unreadable or incomplete (then it is simply redone). */
async function readRecord(store: ObjectStore, key: string): Promise<TrialRecord | undefined> {
  try {
    return asTrialRecord(await store.getJson(key));
  } catch (e) {
    if ((e as Error).name === 'CorruptObjectError') return undefined;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------- aggregate

export interface AggregateResult {
  readonly sweepId: string;
  readonly leaderboardKey: string;
  readonly trials: Leaderboard['trials'];
  readonly corrupt: number;
  readonly best: Pick<ConfigSummary, 'configId' | 'label' | 'reg' | 'meanValLoss' | 'stdErr'>;
}

/**
 * Read every trial record (listing is paginated), rank the configs and select the best; write
 * leaderboard.json with planned/succeeded/failed counts and the ids of missing trials.
 */
export async function aggregateSweep(store: ObjectStore, sweepId: string): Promise<AggregateResult> {
  assertSweepId(sweepId);
  const spec = await loadSpec(store, sweepId);
  const items = await loadManifest(store, sweepId);
  const planned = new Set(items.map((i) => i.trialId));
  const keys = (await store.listKeys(trialsPrefix(sweepId))).filter((k) => {
    const id = k.slice(trialsPrefix(sweepId).length).replace(/\.json$/, '');
    return TRIAL_ID_RE.test(id) && planned.has(id);
  });
  let corrupt = 0;
  const records = (await mapLimit(keys, 32, (k) => readRecord(store, k))).filter((r): r is TrialRecord => {
    if (!r) corrupt++;
    return r !== undefined;
  });
  const board = buildLeaderboard(sweepId, items, records, spec.selection.rule, await mapRunErrors(store, sweepId));
  await store.putJson(leaderboardKey(sweepId), board);
  const { configId, label, reg, meanValLoss, stdErr } = board.best;
  return { sweepId, leaderboardKey: leaderboardKey(sweepId), trials: board.trials, corrupt, best: { configId, label, reg, meanValLoss, stdErr } };
}

/**
 * Errors of trials whose execution failed, from the Distributed Map's ResultWriter files
 * (`map-results/<mapRunId>/FAILED_<n>.json`): the only trace of a trial that died without writing its record.
 */
export async function mapRunErrors(store: ObjectStore, sweepId: string): Promise<Map<string, FailedTrial['error']>> {
  const errors = new Map<string, FailedTrial['error']>();
  const keys = (await store.listKeys(`${mapResultsPrefix(sweepId)}/`)).filter((k) => /\/FAILED_\d+\.json$/.test(k));
  for (const key of keys) {
    let entries: unknown;
    try {
      entries = await store.getJson(key);
    } catch {
      continue; // unreadable results file: the trials stay missing without an error
    }
    if (!Array.isArray(entries)) continue;
    for (const e of entries as { Input?: string; Error?: string; Cause?: string }[]) {
      try {
        const input = JSON.parse(e.Input ?? 'null') as { trialId?: string } | null;
        if (!input?.trialId) continue;
        let message = e.Cause ?? '';
        try {
          message = (JSON.parse(message) as { errorMessage?: string }).errorMessage ?? message;
        } catch {
          // a plain-text cause
        }
        errors.set(input.trialId, { name: e.Error ?? 'Error', message });
      } catch {
        // an entry without a JSON input
      }
    }
  }
  return errors;
}

export async function loadLeaderboard(store: ObjectStore, sweepId: string): Promise<Leaderboard> {
  assertSweepId(sweepId);
  const board = (await store.getJson(leaderboardKey(sweepId))) as Leaderboard | undefined;
  if (!board || !Array.isArray(board.configs) || !board.best) {
    throw new SpecError(`sweep ${sweepId}: no valid ${store.uri(leaderboardKey(sweepId))} (run aggregate first)`);
  }
  return board;
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

export interface BestRecord {
  readonly schemaVersion: 1;
  readonly sweepId: string;
  readonly task: Dataset['task'];
  readonly target: string;
  readonly classes?: number;
  readonly rule: Leaderboard['rule'];
  readonly config: ConfigSummary;
  readonly label: string;
  /** Epochs the refit trained: the chosen config's mean best epoch over folds. */
  readonly epochs: number;
  readonly rows: { readonly train: number; readonly test: number };
  /** Test-split metrics: computed once, after selection. */
  readonly test: Metrics;
  readonly train: Metrics;
  /** Apply to raw features before predicting: (x - mean) / std, in this feature order. */
  readonly standardizer: { readonly features: string[]; readonly mean: number[]; readonly std: number[] };
  readonly coefficients?: Record<string, number>;
  readonly intercept?: number;
  readonly sparsity: number;
  readonly selectedFeatures: string[];
  readonly model: { readonly modelJson: string; readonly weights: string; readonly outputActivation: 'linear' | 'sigmoid' | 'softmax' };
  readonly backend: string;
  readonly createdAt: string;
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

