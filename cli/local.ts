/**
 * `regsweep local`: a whole sweep on this machine through the emulated harness (local S3 server, the
 * synthesized state machine, the deployed bundles in worker threads), then the leaderboard, the chosen config,
 * its test score and an HTML report.
 *
 * Trust: the inputs and --out are checked before anything runs; a sweep id already in --out (or in the kept S3
 * data) with another spec is refused, so two sweeps never mix. The local S3 data (<out>/s3) is removed only once
 * the results are written to --out; when they are not (an export that failed, an interrupt) it is kept and the
 * message gives the command that resumes the sweep. A failed sweep exits 1, an interrupted one 130.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { taskOfTarget } from '../shared/data/labels';
import { DEFAULT_MAX_DATASET_BYTES } from '../shared/data/parse';
import { readTable } from '../shared/data/read';
import { summarizeDataset } from '../shared/data/summary';
import { DatasetError, SpecError, UsageError } from '../shared/errors';
import { shapeOf } from '../shared/plan/cost';
import { resolveGrid } from '../shared/search/default-grid';
import { expandGrid } from '../shared/search/strategy';
import { parseSpec, type SweepSpec, type Task } from '../shared/search/spec';
import { assertSweepId, datasetKey, newSweepId, sweepPrefix } from '../shared/store/layout';
import { causeMessage, DirectoryBlobs, SweepStore } from '../shared/store/sweep-store';
import { regularFileSize } from '../shared/util/files';
import { REPO_ROOT } from '../infra/bundling';
import type { Harness as HarnessType } from '../local/harness';
import type { MapRunEvent } from '../local/runner';
import { choice, columnList, integer, s3Endpoint } from './args';
import { writeReport } from './report/html';
import { exportSweep, loadSweep, type SweepData } from './sweep-files';
import { decisionLines, leaderboardTable, sweepSummary } from './summary';
import { sweepCost } from './cost';
import { checkLocalDataset, datasetLines, readSpecFile, resolveLocalDataset } from './validate';

/** The embedded default sweep. */
export const DEFAULT_SPEC = path.join(REPO_ROOT, 'examples', 'specs', 'default.json');

/** Exit code of an interrupted run (128 + SIGINT). */
const INTERRUPTED = 130;

interface LocalFlags {
  spec?: string;
  data?: string;
  target?: string;
  task?: 'regression' | 'classification';
  out: string;
  workers?: number;
  json?: boolean;
  keep?: boolean;
  s3Endpoint?: string;
  sweepId?: string;
  drop?: string[];
  categorical?: string[];
}

export function registerLocal(program: Command): void {
  program
    .command('local')
    .description('run a whole sweep locally (embedded default dataset and grid when no spec or data is given)')
    .option('--spec <file>', 'sweep spec (JSON); a local dataset.source is uploaded to the local S3 server')
    .option('--data <file>', 'run the default grid on this CSV/JSONL file (with --target)')
    .option('--target <column>', 'target column for --data')
    .option(
      '--task <task>',
      'regression or classification, for --data (default: classification when the target holds text or booleans, else regression)',
      choice('--task', ['regression', 'classification'] as const),
    )
    .option('--drop <columns>', 'comma-separated columns to leave out, for --data (the spec: dataset.drop)', columnList('--drop'))
    .option('--categorical <columns>', 'comma-separated columns to one-hot encode, for --data (the spec: dataset.categorical)', columnList('--categorical'))
    .option('--out <dir>', 'where results and the report are written', 'regsweep-out')
    .option('--workers <n>', 'worker threads running trials (default: one per core)', integer('--workers', 1, 256))
    .option('--sweep-id <id>', 'sweep id (default: from the spec, or generated); rerunning an id with the same spec resumes it')
    .option(
      '--keep',
      'keep the local S3 data under <out>/s3 after the results are written (it is always kept when they are not, or when interrupted, so that rerunning resumes)',
    )
    .option('--s3-endpoint <url>', 'use this S3-compatible endpoint (MinIO, LocalStack) instead of starting one', s3Endpoint)
    .option('--json', 'print one JSON summary alone on stdout')
    .action(async (flags: LocalFlags) => {
      process.exitCode = await runLocal(flags);
    });
}

/** The spec to run: --spec, or the default grid on --data, or the embedded default; with sources resolved. */
function loadLocalSpec(flags: LocalFlags): { spec: SweepSpec; datasetFile: string; guessedTask?: Task } {
  if (flags.spec && flags.data) throw new UsageError('give either --spec or --data, not both');
  if (flags.data && !flags.target) throw new UsageError('--data needs --target COLUMN');
  if (flags.target && !flags.data) throw new UsageError('--target goes with --data FILE');
  for (const [flag, given] of [
    ['--drop', flags.drop],
    ['--categorical', flags.categorical],
  ] as const) {
    if (given && !flags.data) throw new UsageError(`${flag} goes with --data FILE (in a spec: dataset.${flag.slice(2)})`);
  }
  let spec: SweepSpec;
  const guessedTask = flags.data && !flags.task ? taskOfFile(flags.data, flags.target ?? '') : undefined;
  if (flags.spec) {
    if (!fs.existsSync(flags.spec)) throw new UsageError(`--spec ${flags.spec}: no such file`);
    spec = readSpecFile(flags.spec).spec; // a FIFO, a device or an oversized file is refused at once
  } else {
    const defaults = JSON.parse(fs.readFileSync(DEFAULT_SPEC, 'utf8')) as { dataset: { source: string } };
    // The embedded default names its dataset relative to the repository.
    const dataset = flags.data
      ? { source: path.resolve(flags.data), target: flags.target, task: flags.task ?? guessedTask, drop: flags.drop, categorical: flags.categorical }
      : { ...defaults.dataset, source: path.join(REPO_ROOT, defaults.dataset.source) };
    spec = parseSpec({ ...defaults, dataset });
  }
  const source = spec.dataset.source;
  if (source.startsWith('s3://')) {
    if (!flags.s3Endpoint)
      throw new SpecError(`dataset.source ${source} is an S3 URI: a local sweep reads a local file (or give --s3-endpoint with the data already there)`);
    return { spec, datasetFile: '' };
  }
  const datasetFile = resolveLocalDataset(source, flags.spec ?? DEFAULT_SPEC);
  if (!datasetFile) throw new DatasetError(`dataset.source ${source}: no such file`);
  return { spec, datasetFile, guessedTask };
}

/**
 * The task --data's target suggests (data/labels.ts taskOfTarget), read only from a regular file within the
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
 * --out made a writable directory, checked before anything runs (a sweep must not run for nothing): returns
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

/** Single-quotes an argument for a POSIX shell when it needs it. */
const shellQuote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** The command that runs this sweep again under its id: it resumes (finished trials are not run again). */
function resumeCommand(flags: LocalFlags, sweepId: string): string {
  const args = ['regsweep', 'local'];
  if (flags.spec) args.push('--spec', flags.spec);
  if (flags.data) args.push('--data', flags.data, '--target', flags.target ?? '', ...(flags.task ? ['--task', flags.task] : []));
  args.push('--out', flags.out, '--sweep-id', sweepId);
  if (flags.workers !== undefined) args.push('--workers', String(flags.workers));
  if (flags.keep) args.push('--keep');
  if (flags.s3Endpoint) args.push('--s3-endpoint', flags.s3Endpoint);
  if (flags.json) args.push('--json');
  return args.map(shellQuote).join(' ');
}

/** A run that did not end in a written result: what `--json` prints, and the one line on stderr. */
interface Outcome {
  readonly status: 'FAILED' | 'INTERRUPTED';
  readonly sweepId: string;
  readonly error: string;
  readonly cause: string;
  /** The directory the sweep's files were exported to, when they were. */
  readonly results?: string;
  /** Where the sweep's S3 data is kept (to resume it). */
  readonly kept?: string;
  /** The command that resumes the sweep, when its data is kept. */
  readonly resume?: string;
}

function printOutcome(o: Outcome, json: boolean, message: string): void {
  const where = o.results ? `; its files are in ${o.results}` : '';
  const kept = o.kept ? `; its data is kept in ${o.kept}` : '';
  const resume = o.resume ? `; to resume: ${o.resume}` : '';
  process.stderr.write(`regsweep: ${message}${where}${kept}${resume}\n`);
  if (json) process.stdout.write(JSON.stringify(o, null, 2) + '\n');
}

/** Progress on stderr: a bar on a TTY, a line per 10% otherwise. Nothing after stop(). */
function progressReporter(total: number, json: boolean) {
  const tty = process.stderr.isTTY && !json;
  const bar = tty
    ? new SingleBar(
        { format: 'trials {bar} {value}/{total} done, {failed} failed | ETA {eta_formatted}', hideCursor: true, stream: process.stderr },
        Presets.shades_classic,
      )
    : undefined;
  let lastDecile = -1;
  let stopped = false;
  // Counted in trials: a map child runs a batch of them; a finished batch's output counts its failed trials.
  let done = 0;
  let failed = 0;
  bar?.start(total, 0, { failed: 0 });
  return {
    onEvent(e: MapRunEvent | { type?: unknown }) {
      if (stopped || (e.type !== 'MapItemSucceeded' && e.type !== 'MapItemFailed')) return;
      const m = e as Extract<MapRunEvent, { type: 'MapItemSucceeded' | 'MapItemFailed' }>;
      done += m.items;
      const batchFailed = (m.output as { failed?: unknown } | undefined)?.failed;
      failed += m.type === 'MapItemFailed' ? m.items : typeof batchFailed === 'number' ? batchFailed : 0;
      if (bar) bar.update(done, { failed });
      else {
        const decile = Math.floor((10 * done) / total);
        if (decile > lastDecile || done === total) {
          lastDecile = decile;
          process.stderr.write(`trials ${done}/${total} done, ${failed} failed\n`);
        }
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar?.stop();
    },
  };
}

export async function runLocal(flags: LocalFlags): Promise<number> {
  const log = (line: string) => process.stderr.write(line + '\n');
  if (flags.sweepId !== undefined) {
    // Named as the flag (not as a spec field), and checked before it is used in a path (--out/<sweepId>).
    try {
      assertSweepId(flags.sweepId);
    } catch (e) {
      throw new UsageError(`--sweep-id: ${(e as Error).message}`);
    }
  }
  const { spec, datasetFile, guessedTask } = loadLocalSpec(flags);
  const sweepId = flags.sweepId ?? spec.sweepId ?? newSweepId(spec);
  // Check the data here, so a bad file fails at once with its row and column, and show what becomes of its columns;
  // refuse a sweep over limits.maxCostUsd as PlanSweep would (the harness runs it with the stack's settings).
  const checked = datasetFile
    ? await checkLocalDataset(spec, datasetFile).catch((e: unknown) => {
        // --drop and --categorical fill dataset.drop and dataset.categorical: name the flag the user gave
        const field = e instanceof SpecError && /^dataset\.(drop|categorical):/.exec(e.message);
        throw field && flags.data ? new UsageError(e.message.replace(/^dataset\./, '--')) : e;
      })
    : undefined;
  const items = expandGrid(parseSpec({ ...spec, sweepId }), checked?.grid ?? resolveGrid(spec)); // refuses a grid over the limit before anything starts
  const trials = items.length;
  if (checked && spec.limits.maxCostUsd !== undefined) sweepCost(spec, items, shapeOf(checked.plan, checked.dataset), flags.spec ?? 'spec');
  const out = prepareOut(flags.out, sweepId);
  const outDir = path.join(out, sweepId);

  // Loaded here, not at start-up: the harness pulls in the workflow interpreter and the AWS SDK.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Harness, DEFAULT_BUCKET } = require('../local/harness') as typeof import('../local/harness');
  const datasetName = datasetFile ? path.basename(datasetFile) : '';
  // The execution input, and the spec as PlanSweep will store it (what a resumed sweep must match).
  const input: SweepSpec = {
    ...spec,
    sweepId,
    dataset: { ...spec.dataset, source: datasetFile ? `s3://${DEFAULT_BUCKET}/${datasetKey(datasetName)}` : spec.dataset.source },
  };
  const planned: SweepSpec = { ...parseSpec(input), sweepId };
  await refuseOtherSpec(new SweepStore(new DirectoryBlobs(outDir), sweepId), planned, outDir, `remove ${outDir}`);

  // Everything is checked: say what becomes of the data's columns before the sweep runs.
  if (checked && datasetFile) {
    if (guessedTask) {
      const holds = guessedTask === 'classification' ? 'text or booleans' : 'numbers';
      log(`regsweep: --task ${guessedTask} (the target ${flags.target} holds ${holds}; give --task to choose)`);
    }
    const summary = summarizeDataset(checked.dataset, checked.plan.trainval);
    for (const line of datasetLines(path.relative(process.cwd(), datasetFile) || datasetFile, summary)) log(line);
  }
  const workers = flags.workers ?? os.availableParallelism();
  const started = Date.now();
  log(`regsweep: sweep ${sweepId}: ${trials} trials on ${datasetFile ? path.relative(process.cwd(), datasetFile) || datasetFile : spec.dataset.source}`);
  // The local server keeps its data under --out (not in a temp dir), so that it outlives a run that fails to
  // write its results or is interrupted: rerunning the command then resumes from it. With --keep, every sweep's
  // data stays in <out>/s3; else this sweep's is in <out>/<sweepId>.s3 until its results are written.
  const s3Dir = flags.s3Endpoint ? undefined : path.join(out, flags.keep ? 's3' : `${sweepId}.s3`);
  const harness: HarnessType = await Harness.start({ s3Endpoint: flags.s3Endpoint, s3Dir, workers, log });
  const kept = s3Dir ?? harness.store.uri(sweepPrefix(sweepId));
  const resume = resumeCommand(flags, sweepId);
  /** Set once the results are in --out: the local S3 data may go (unless --keep). */
  let written = false;
  let onInterrupt = () => {};
  const interrupted = new Promise<'interrupted'>((resolve) => (onInterrupt = () => resolve('interrupted')));
  process.once('SIGINT', onInterrupt);
  try {
    await refuseOtherSpec(
      new SweepStore(harness.store, sweepId),
      planned,
      kept,
      s3Dir ? `remove ${s3Dir}${flags.keep ? ` (the kept S3 data of every sweep in ${out})` : ''}` : 'delete it there',
    );
    if (datasetFile) await harness.uploadDataset(datasetFile, datasetName);
    const progress = progressReporter(trials, !!flags.json);
    const running = harness.runSweep(input, { executionName: sweepId, onEvent: (e) => progress.onEvent(e) });
    running.catch(() => undefined); // abandoned when interrupted
    const result = await Promise.race([running, interrupted]).finally(() => {
      progress.stop();
      process.removeListener('SIGINT', onInterrupt); // from here on, Ctrl-C stops at once (the S3 data stays)
    });
    if (result === 'interrupted') {
      printOutcome(
        { status: 'INTERRUPTED', sweepId, error: 'Interrupted', cause: 'SIGINT', kept, resume },
        !!flags.json,
        `interrupted: sweep ${sweepId} stopped before it finished`,
      );
      return INTERRUPTED;
    }

    // Whatever the outcome, the sweep's objects (records of failed trials too) are copied out; a sweep that died
    // before writing anything (e.g. in PlanSweep) has none, and its own error is what the user must see.
    const hasFiles = (await harness.store.listKeys(sweepPrefix(sweepId))).length > 0;
    try {
      if (hasFiles) await exportSweep(harness.store, sweepId, outDir);
    } catch (e) {
      const why = `${result.status === 'SUCCEEDED' ? `sweep ${sweepId} finished` : `sweep ${sweepId} failed (${result.error}: ${causeMessage(result.cause ?? '')})`}, but its results could not be written to ${outDir}: ${(e as Error).message}`;
      printOutcome({ status: 'FAILED', sweepId, error: 'ExportError', cause: (e as Error).message, kept, resume }, !!flags.json, why);
      return 1;
    }
    if (result.status !== 'SUCCEEDED') {
      written = true;
      const error = result.error ?? 'Error';
      const cause = causeMessage(result.cause ?? '');
      const results = hasFiles ? outDir : undefined;
      printOutcome({ status: 'FAILED', sweepId, error, cause, ...(results ? { results } : {}) }, !!flags.json, `sweep ${sweepId} failed: ${error}: ${cause}`);
      return 1;
    }
    const report = path.join(outDir, 'report.html');
    let data: SweepData;
    try {
      data = await loadSweep(outDir, {});
      writeReport(data, report);
    } catch (e) {
      const why = `sweep ${sweepId} finished, but its report could not be written to ${report}: ${(e as Error).message}`;
      printOutcome({ status: 'FAILED', sweepId, error: 'ReportError', cause: (e as Error).message, results: outDir, kept, resume }, !!flags.json, why);
      return 1;
    }
    written = true;
    const board = data.leaderboard;
    const best = data.best;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (flags.json) {
      process.stdout.write(JSON.stringify(sweepSummary(board, best, { report, backend: best?.backend ?? board.backend }), null, 2) + '\n');
    } else {
      const lines = [
        leaderboardTable(board, { top: 15 }),
        '',
        ...decisionLines(board, best),
        '',
        `backend: ${best?.backend ?? board.backend ?? 'unknown'}; ${board.trials.planned} trials in ${seconds} s with ${workers} worker${workers === 1 ? '' : 's'}`,
        `results: ${outDir}`,
        `report:  ${report}`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
    }
    return 0;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    await harness.close();
    // The sweep's local S3 data goes once its results are written, unless asked to keep it.
    if (written && !flags.keep && s3Dir) fs.rmSync(s3Dir, { recursive: true, force: true });
  }
}
