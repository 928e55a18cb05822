/**
 * The steps of a sweep over S3 that need no TensorFlow.js: the events, the shared reads, plan and aggregate
 * (so the plan and aggregate bundles stay small). The training steps, trial and refit, are in
 * shared/pipeline-train.ts. Each step takes its dependencies as arguments (an ObjectStore, caches) so the
 * Lambda handlers stay thin and tests can run the steps against the local S3 server. Keys come from
 * shared/layout.ts; nothing is written outside sweeps/<sweepId>/.
 */
import { z } from 'zod';
import { mapLimit } from './concurrency';
import { parseDataset, planSplits, type Dataset, type SplitPlan } from './data';
import { DatasetError, SpecError, UnsafeIdError } from './errors';
import { expandGrid } from './grid';
import { assertSweepId, leaderboardKey, manifestKey, mapResultsPrefix, specKey, trialsPrefix, TRIAL_ID_RE } from './layout';
import { asTrialRecord, RegConfigSchema, type FailedTrial, type TrialRecord } from './records';
import type { ObjectStore } from './s3';
import { buildLeaderboard, type ConfigSummary, type Leaderboard } from './selection';
import { parseSpec, SLUG_RE, type SweepSpec } from './spec';
import { datasetLocation, newSweepId } from './sweep';
import type { Metrics } from './train';

export { datasetLocation, newSweepId };

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

export const splitsOf = (ds: Dataset, spec: SweepSpec): SplitPlan =>
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

/** A trial record, or undefined when absent, unreadable or incomplete (then it is simply redone). */
export async function readRecord(store: ObjectStore, key: string): Promise<TrialRecord | undefined> {
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

// ---------------------------------------------------------------------------------------------- refit output

/** best.json: what RefitBest writes (see shared/pipeline-train.ts). */
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
