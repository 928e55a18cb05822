/**
 * A whole sweep on this machine through the emulated harness (local S3 server, the synthesized state machine,
 * the deployed bundles in worker threads), its files exported to a directory: what `regsweep local` runs.
 *
 * Trust: the inputs and `out` are checked before anything runs (nothing, `out` included, is created before); one
 * run per sweep (api/sweep-lock.ts: `<out>/<sweepId>.lock`, a second run is refused naming the holder); a sweep
 * id already in `out` (or in the kept S3 data) with another spec is refused, so two sweeps never mix. A local S3
 * server that ends on its own ends the sweep at once (its data kept). A failed sweep's map-run results are copied
 * to `<out>/<sweepId>/map-results/`, and its cause names them there. The local S3 data (`<out>/<sweepId>.s3`, or
 * `<out>/s3` with `keep`) is removed only once the results are written to `<out>/<sweepId>/`; when they are not (an
 * export that failed, an abort) it is kept, so running the same sweep id again resumes it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { taskOfTarget } from '../shared/data/labels';
import { DEFAULT_MAX_DATASET_BYTES } from '../shared/data/parse';
import { detectFormat, readTable } from '../shared/data/read';
import { summarizeDataset, type DataSummary } from '../shared/data/summary';
import { DatasetError, SpecError, UsageError } from '../shared/errors';
import { shapeOf } from '../shared/plan/cost';
import { resolveGrid } from '../shared/search/default-grid';
import type { TrialItem } from '../shared/search/grid';
import { batchCount, trialBatchSize } from '../shared/plan/batches';
import { parseSpec, type SweepSpec, type Task } from '../shared/search/spec';
import { assertSweepId, DATASET_NAME_RE, datasetKey, newSweepId, sweepPrefix } from '../shared/store/layout';
import { causeMessage, DirectoryBlobs, SweepStore } from '../shared/store/sweep-store';
import { regularFileSize } from '../shared/util/files';
import type { Harness as HarnessType } from '../local/harness';
import type { ObjectStore } from '../shared/store/s3';
import type { MapRunEvent } from '../local/runner';
import { deployedConfig, estimateCost } from './cost';
import { lockSweep } from './sweep-lock';
import { DEFAULT_SPEC, PACKAGE_ROOT } from './paths';
import { exportSweep, loadSweep, type SweepData } from './results';
import { checkGrid, checkLocalDataset, readSpecFile, resolveLocalDataset } from './validate';

/** The most worker threads a local sweep runs (each holds a TensorFlow.js runtime, ~70 MB). */
export const MAX_WORKERS = 32;

/** A dataset file to run the default grid on (instead of a spec). */
export interface LocalDataset {
  /** A CSV, JSON Lines or JSON array file. */
  readonly file: string;
  /** The target column. */
  readonly target: string;
  /** @default classification when the target holds text or booleans, else regression */
  readonly task?: Task;
  /** Columns to leave out (the spec's dataset.drop). */
  readonly drop?: readonly string[];
  /** Columns to one-hot encode (the spec's dataset.categorical). */
  readonly categorical?: readonly string[];
}

/** What to run, and where. */
export interface LocalSweepOptions {
  /** A sweep spec file (JSON); a local dataset.source is uploaded to the local S3 server. Not with `data`. */
  readonly specFile?: string;
  /** Run the default grid on this dataset. @default - the embedded example: examples/specs/default.json */
  readonly data?: LocalDataset;
  /** Where the results go (`<out>/<sweepId>/`). @default 'regsweep-out' */
  readonly out?: string;
  /** Worker threads running trials, from 1 to MAX_WORKERS; never more than the sweep's batches of trials. @default os.availableParallelism() */
  readonly workers?: number;
  /** The sweep id; the same id with the same spec resumes. @default the spec's sweepId, or a new one */
  readonly sweepId?: string;
  /** Keep the local S3 data under `<out>/s3` after the results are written. @default false */
  readonly keep?: boolean;
  /** An S3-compatible endpoint (MinIO, LocalStack) to use instead of starting the local server. */
  readonly s3Endpoint?: string;
  /** Stops the sweep: its data is kept, and the result is `INTERRUPTED`. */
  readonly signal?: AbortSignal;
  /** Told what happens, in order (nothing is printed). */
  readonly onEvent?: (event: LocalSweepEvent) => void;
  /**
   * Writes the report of a finished sweep to `file` (the CLI's HTML report, cli/report/html.ts). A failure is a
   * `ReportError` outcome. @default - no report
   */
  readonly writeReport?: (data: SweepData, file: string) => void;
}

/** What a local sweep tells as it runs. */
export type LocalSweepEvent =
  /** The dataset was checked: what becomes of its columns; `guessedTask` when `data.task` was not given. */
  | { readonly type: 'dataset'; readonly file: string; readonly summary: DataSummary; readonly guessedTask?: Task }
  /** Everything is checked; the harness starts. `source` is the dataset file, or the spec's S3 source. */
  | { readonly type: 'start'; readonly sweepId: string; readonly trials: number; readonly source: string; readonly workers: number }
  /** A message of the harness (synthesizing the stack, the S3 server). */
  | { readonly type: 'log'; readonly line: string }
  /** The harness is up and the dataset uploaded: the workflow starts its `total` trials. */
  | { readonly type: 'running'; readonly total: number }
  /** Trials finished so far (counted as batches end), of `total`. */
  | { readonly type: 'progress'; readonly done: number; readonly failed: number; readonly total: number }
  /** The workflow ended (or was stopped); the results are exported next. */
  | { readonly type: 'finished' };

/** A sweep whose results are written. */
export interface LocalSweepSuccess {
  readonly status: 'SUCCEEDED';
  readonly sweepId: string;
  /** The directory holding the sweep's files. */
  readonly results: string;
  /** The report file, when `writeReport` was given. */
  readonly report?: string;
  /** The leaderboard, the best record, the trial records and the spec, read back from `results`. */
  readonly data: SweepData;
  readonly trials: number;
  readonly workers: number;
  /** Wall time from the start of the harness to the results, in seconds. */
  readonly seconds: number;
}

/** A sweep that did not end in written results. */
export interface LocalSweepFailure {
  readonly status: 'FAILED' | 'INTERRUPTED';
  readonly sweepId: string;
  /**
   * The workflow's error (e.g. `TooManyTrialsFailed`), or `ExportError`, `ReportError`, `Interrupted` (the cause:
   * the signal's reason, e.g. `SIGTERM`), `LocalChildDied` (the local S3 server ended on its own: the cause says how).
   */
  readonly error: string;
  readonly cause: string;
  /** The directory the sweep's files were exported to, when they were. */
  readonly results?: string;
  /** Where the sweep's S3 data is kept (running the same sweep id again resumes it). */
  readonly kept?: string;
  /** One line saying what happened. */
  readonly message: string;
}

/** What {@link runLocalSweep} returns: written results, or why there are none (bad input throws instead). */
export type LocalSweepResult = LocalSweepSuccess | LocalSweepFailure;

/** The spec to run: the spec file, or the default grid on the dataset, or the embedded default; with sources resolved. */
function loadLocalSpec(o: LocalSweepOptions): { spec: SweepSpec; datasetFile: string; guessedTask?: Task } {
  if (o.specFile && o.data) throw new UsageError('give either --spec or --data, not both');
  let spec: SweepSpec;
  const data = o.data;
  const guessedTask = data && !data.task ? taskOfFile(data.file, data.target) : undefined;
  if (o.specFile) {
    if (!fs.existsSync(o.specFile)) throw new UsageError(`--spec ${o.specFile}: no such file`);
    spec = readSpecFile(o.specFile).spec; // a FIFO, a device or an oversized file is refused at once
  } else {
    const defaults = JSON.parse(fs.readFileSync(DEFAULT_SPEC, 'utf8')) as { dataset: { source: string } };
    // The embedded default names its dataset relative to the package.
    const dataset = data
      ? { source: path.resolve(data.file), target: data.target, task: data.task ?? guessedTask, drop: data.drop, categorical: data.categorical }
      : { ...defaults.dataset, source: path.join(PACKAGE_ROOT, defaults.dataset.source) };
    spec = parseSpec({ ...defaults, dataset });
  }
  const source = spec.dataset.source;
  if (source.startsWith('s3://')) {
    if (!o.s3Endpoint)
      throw new SpecError(`dataset.source ${source} is an S3 URI: a local sweep reads a local file (or give --s3-endpoint with the data already there)`);
    return { spec, datasetFile: '' };
  }
  const datasetFile = resolveLocalDataset(source, o.specFile ?? DEFAULT_SPEC);
  if (!datasetFile) throw new DatasetError(`dataset.source ${source}: no such file`);
  return { spec, datasetFile, guessedTask };
}

/**
 * The task a dataset's target suggests (data/labels.ts taskOfTarget), read only from a regular file within the
 * default size limit; anything else is left to the dataset check that follows, which names the problem.
 */
function taskOfFile(file: string, target: string): Task {
  const stat = regularFileSize(file);
  if ('problem' in stat || stat.size > DEFAULT_MAX_DATASET_BYTES) return 'regression';
  try {
    return taskOfTarget(readTable(fs.readFileSync(file), path.basename(file)).table, target);
  } catch {
    return 'regression';
  }
}

/**
 * `out` made a writable directory, checked before anything runs (a sweep must not run for nothing): returns
 * the absolute directory. Errors name --out.
 */
function prepareOut(out: string, sweepId: string): string {
  const dir = path.resolve(out);
  if (sweepId === 's3') throw new UsageError(`--sweep-id s3: ${path.join(dir, 's3')} holds the local S3 data; choose another sweep id`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EEXIST'
        ? 'is a file, not a directory'
        : code === 'ENOTDIR'
          ? 'a parent of it is a file'
          : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
            ? 'not writable'
            : `cannot create it (${code ?? (e as Error).message})`;
    throw new UsageError(`--out ${out}: ${why}`);
  }
  const sweepDir = path.join(dir, sweepId);
  if (fs.existsSync(sweepDir) && !fs.statSync(sweepDir).isDirectory()) throw new UsageError(`--out ${out}: ${sweepDir} is a file, not a directory`);
  return dir;
}

/**
 * Refuses a sweep id that `sweep` already holds with another spec (`planned`: the spec as PlanSweep will store
 * it), so that the records of two sweeps never mix; the same spec resumes. `fresh` says how to start afresh.
 */
async function refuseOtherSpec(sweep: SweepStore, planned: SweepSpec, where: string, fresh: string): Promise<void> {
  const existing = await sweep.rawSpec();
  if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(planned)) {
    throw new UsageError(`sweep ${sweep.sweepId} already exists in ${where} with a different spec: give another --sweep-id to start a new sweep, or ${fresh}`);
  }
}

/** Counts trials from the map's events: a map child runs a batch of them; a finished batch's output counts its failed trials. */
function progressCounter(total: number, report: (e: LocalSweepEvent) => void) {
  let done = 0;
  let failed = 0;
  return (e: MapRunEvent | { type?: unknown }) => {
    if (e.type !== 'MapItemSucceeded' && e.type !== 'MapItemFailed') return;
    const m = e as Extract<MapRunEvent, { type: 'MapItemSucceeded' | 'MapItemFailed' }>;
    done += m.items;
    const batchFailed = (m.output as { failed?: unknown } | undefined)?.failed;
    failed += m.type === 'MapItemFailed' ? m.items : typeof batchFailed === 'number' ? batchFailed : 0;
    report({ type: 'progress', done, failed, total });
  };
}

/**
 * Run a whole sweep locally and export its files to `<out>/<sweepId>/` (and its report, with `writeReport`).
 * @returns the results, or the outcome of a sweep that failed, could not be exported, or was stopped
 * @throws UserInputError (UsageError, SpecError, DatasetError) for bad input, before anything runs
 */
export async function runLocalSweep(o: LocalSweepOptions = {}): Promise<LocalSweepResult> {
  const emit = (e: LocalSweepEvent) => o.onEvent?.(e);
  if (o.sweepId !== undefined) {
    // Named as the flag (not as a spec field), and checked before it is used in a path (<out>/<sweepId>).
    try {
      assertSweepId(o.sweepId);
    } catch (e) {
      throw new UsageError(`--sweep-id: ${(e as Error).message}`);
    }
  }
  if (o.workers !== undefined && !(Number.isInteger(o.workers) && o.workers >= 1 && o.workers <= MAX_WORKERS))
    throw new UsageError(`--workers must be an integer from 1 to ${MAX_WORKERS}, got ${JSON.stringify(String(o.workers))}`);
  const { spec, datasetFile, guessedTask } = loadLocalSpec(o);
  const sweepId = o.sweepId ?? spec.sweepId ?? newSweepId(spec);
  // Check the data here, so a bad file fails at once with its row and column; refuse a sweep over
  // limits.maxCostUsd as PlanSweep would (the harness runs it with the stack's settings).
  const checked = datasetFile ? await checkLocalDataset(spec, datasetFile) : undefined;
  // the strategy's first rung: refuses a search over limits.maxTrials before anything starts
  const { items, worstCase } = checkGrid(parseSpec({ ...spec, sweepId }), checked?.grid ?? resolveGrid(spec));
  if (checked && spec.limits.maxCostUsd !== undefined) estimateCost(spec, worstCase, shapeOf(checked.plan, checked.dataset), o.specFile ?? 'spec');
  const outArg = o.out ?? 'regsweep-out';
  const out = prepareOut(outArg, sweepId);
  const outDir = path.join(out, sweepId);
  // One run per sweep: held until this function returns (or the process exits).
  const lock = lockSweep(out, sweepId, outArg);
  try {
    if (lock.tookOver) {
      const who = lock.tookOver === 'unreadable' ? 'an unreadable lock' : `the lock of process ${lock.tookOver.pid} (started ${lock.tookOver.started})`;
      emit({ type: 'log', line: `regsweep: note: took over ${who}: that process is not running (${lock.file})` });
    }
    return await runLockedSweep(o, { spec, datasetFile, guessedTask, sweepId, checked, items, out, outDir }, emit);
  } finally {
    lock.release();
  }
}

/** What runLocalSweep has checked, for the part that runs under the sweep's lock. */
interface CheckedSweep {
  readonly spec: SweepSpec;
  readonly datasetFile: string;
  readonly guessedTask?: Task;
  readonly sweepId: string;
  readonly checked: Awaited<ReturnType<typeof checkLocalDataset>> | undefined;
  readonly items: readonly TrialItem[];
  readonly out: string;
  readonly outDir: string;
}

/**
 * The name of a local dataset in S3 (datasets/<name>): the file's own name when it is a safe one, else a slug of
 * it, a short hash of the whole name (so that two names with the same slug differ) and the extension of its
 * format, which is what the sweep's PlanSweep reads it as.
 */
export function localDatasetName(file: string): string {
  const base = path.basename(file);
  if (DATASET_NAME_RE.test(base) && !base.includes('..')) return base;
  const format = detectFormat(base, sniffText(file));
  const stem = base.replace(/\.[^.]*$/, '') || base;
  const slug =
    stem
      .normalize('NFKD')
      .replace(/\p{M}/gu, '') // accents off their letters: données -> donnees
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^[-_]+|-+$/g, '')
      .slice(0, 60) || 'dataset';
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
  return `${slug}-${hash}.${format}`;
}

/** The first bytes of a file as text: enough for detectFormat to tell JSON from CSV. */
function sniffText(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    return buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

async function runLockedSweep(o: LocalSweepOptions, c: CheckedSweep, emit: (e: LocalSweepEvent) => void): Promise<LocalSweepResult> {
  const { spec, datasetFile, guessedTask, sweepId, checked, items, out, outDir } = c;
  const trials = items.length;

  // Loaded here, not at start-up: the harness pulls in the workflow interpreter and the AWS SDK.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Harness, DEFAULT_BUCKET } = require('../local/harness') as typeof import('../local/harness');
  const datasetName = datasetFile ? localDatasetName(datasetFile) : '';
  // The execution input, and the spec as PlanSweep will store it (what a resumed sweep must match).
  const input: SweepSpec = {
    ...spec,
    sweepId,
    dataset: { ...spec.dataset, source: datasetFile ? `s3://${DEFAULT_BUCKET}/${datasetKey(datasetName)}` : spec.dataset.source },
  };
  const planned: SweepSpec = { ...parseSpec(input), sweepId };
  await refuseOtherSpec(new SweepStore(new DirectoryBlobs(outDir), sweepId), planned, outDir, `remove ${outDir}`);

  // Everything is checked: say what becomes of the data's columns before the sweep runs.
  if (checked) emit({ type: 'dataset', file: datasetFile, summary: summarizeDataset(checked.dataset, checked.plan.trainval), guessedTask });
  // No more workers than batches of trials (the map runs one child per batch; an idle worker costs ~70 MB).
  const batches = batchCount(trials, trialBatchSize(spec, items, deployedConfig()));
  const wanted = o.workers ?? os.availableParallelism();
  const workers = Math.max(1, Math.min(wanted, batches));
  if (o.workers !== undefined && workers < o.workers)
    emit({
      type: 'log',
      line: `regsweep: note: --workers ${o.workers}: ${workers} used, the sweep has ${batches} batch${batches === 1 ? '' : 'es'} of trials`,
    });
  const started = Date.now();
  emit({ type: 'start', sweepId, trials, source: datasetFile || spec.dataset.source, workers });
  // The local server keeps its data under `out` (not in a temp dir), so that it outlives a run that fails to
  // write its results or is stopped: running the sweep again then resumes from it. With `keep`, every sweep's
  // data stays in <out>/s3; else this sweep's is in <out>/<sweepId>.s3 until its results are written.
  const s3Dir = o.s3Endpoint ? undefined : path.join(out, o.keep ? 's3' : `${sweepId}.s3`);
  const harness: HarnessType = await Harness.start({ s3Endpoint: o.s3Endpoint, s3Dir, workers, log: (line) => emit({ type: 'log', line }) });
  const kept = s3Dir ?? harness.store.uri(sweepPrefix(sweepId));
  /** Set once the results are in `out`: the local S3 data may go (unless `keep`). */
  let written = false;
  let onAbort = () => {};
  const interrupted = new Promise<'interrupted'>((resolve) => (onAbort = () => resolve('interrupted')));
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await refuseOtherSpec(
      new SweepStore(harness.store, sweepId),
      planned,
      kept,
      s3Dir ? `remove ${s3Dir}${o.keep ? ` (the kept S3 data of every sweep in ${out})` : ''}` : 'delete it there',
    );
    if (datasetFile) await harness.uploadDataset(datasetFile, datasetName);
    emit({ type: 'running', total: trials });
    const running = harness.runSweep(input, { executionName: sweepId, onEvent: progressCounter(trials, emit) });
    running.catch(() => undefined); // abandoned when stopped
    const died = harness.childDied.then((cause) => ({ died: cause }));
    const result = await Promise.race([running, interrupted, died]).finally(() => {
      o.signal?.removeEventListener('abort', onAbort);
      emit({ type: 'finished' });
    });
    if (result === 'interrupted') {
      const message = `interrupted: sweep ${sweepId} stopped before it finished`;
      const reason: unknown = o.signal?.reason;
      return { status: 'INTERRUPTED', sweepId, error: 'Interrupted', cause: typeof reason === 'string' ? reason : 'SIGINT', kept, message };
    }
    if ('died' in result) {
      // Every S3 call fails from now on: stop at once, with the data as it is (the trials that finished are kept).
      return { status: 'FAILED', sweepId, error: 'LocalChildDied', cause: result.died, kept, message: `sweep ${sweepId} stopped: ${result.died}` };
    }

    // Whatever the outcome, the sweep's objects (records of failed trials too) are copied out; a sweep that died
    // before writing anything (e.g. in PlanSweep) has none, and its own error is what the user must see.
    const hasFiles = (await harness.store.listKeys(sweepPrefix(sweepId))).length > 0;
    try {
      if (hasFiles) await exportSweep(harness.store, sweepId, outDir);
    } catch (e) {
      const message = `${result.status === 'SUCCEEDED' ? `sweep ${sweepId} finished` : `sweep ${sweepId} failed (${result.error}: ${causeMessage(result.cause ?? '')})`}, but its results could not be written to ${outDir}: ${(e as Error).message}`;
      return { status: 'FAILED', sweepId, error: 'ExportError', cause: (e as Error).message, kept, message };
    }
    if (result.status !== 'SUCCEEDED') {
      // The map run's results (map-results/, which the export leaves out) are what a failure's cause points at.
      const localCause = await keepMapResults(harness.store, sweepId, outDir, causeMessage(result.cause ?? ''));
      written = true;
      const error = result.error ?? 'Error';
      const cause = localCause;
      const results = hasFiles ? outDir : undefined;
      return { status: 'FAILED', sweepId, error, cause, ...(results ? { results } : {}), message: `sweep ${sweepId} failed: ${error}: ${cause}` };
    }
    const report = o.writeReport ? path.join(outDir, 'report.html') : undefined;
    let data: SweepData;
    try {
      data = await loadSweep(outDir, {});
      if (report) o.writeReport?.(data, report);
    } catch (e) {
      const message = `sweep ${sweepId} finished, but its report could not be written to ${report ?? outDir}: ${(e as Error).message}`;
      return { status: 'FAILED', sweepId, error: 'ReportError', cause: (e as Error).message, results: outDir, kept, message };
    }
    written = true;
    const seconds = (Date.now() - started) / 1000;
    return { status: 'SUCCEEDED', sweepId, results: outDir, ...(report ? { report } : {}), data, trials, workers, seconds };
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await harness.close();
    // The sweep's local S3 data goes once its results are written, unless asked to keep it.
    if (written && !o.keep && s3Dir) fs.rmSync(s3Dir, { recursive: true, force: true });
  }
}

/**
 * Copies a failed sweep's map-run results (`sweeps/<id>/map-results/...`) to `<outDir>/map-results/` and returns
 * the cause with their S3 URIs replaced by those files, so that what it names can be read once the local S3 data
 * is gone. Best effort: a cause is returned as it is when nothing could be copied.
 */
export async function keepMapResults(store: ObjectStore, sweepId: string, outDir: string, cause: string): Promise<string> {
  const prefix = `${sweepPrefix(sweepId)}map-results/`;
  try {
    const keys = await store.listKeys(prefix);
    if (keys.length === 0) return cause;
    for (const key of keys) {
      const got = await store.getBytes(key);
      if (!got) continue;
      const file = path.join(outDir, 'map-results', key.slice(prefix.length));
      if (!file.startsWith(path.join(outDir, 'map-results') + path.sep)) continue;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, got.body);
    }
    return cause.split(store.uri(prefix)).join(path.join(outDir, 'map-results') + path.sep);
  } catch {
    return cause;
  }
}
