/**
 * `regsweep local`: a whole sweep on this machine through the emulated harness (local S3 server, the
 * synthesized state machine, the deployed bundles in worker threads), then the leaderboard, the chosen config,
 * its test score and an HTML report.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { readDatasetFile } from '../shared/data/parse';
import { planSplits, splitOptions } from '../shared/data/splits';
import { DatasetError, SpecError, UsageError } from '../shared/errors';
import { expandGrid } from '../shared/search/grid';
import { assertSweepId } from '../shared/store/layout';
import type { BestRecord } from '../shared/store/artifacts';
import { newSweepId } from '../shared/store/layout';
import type { Leaderboard } from '../shared/study/leaderboard';
import { parseSpec, parseSpecText, type SweepSpec } from '../shared/search/spec';
import { REPO_ROOT } from '../infra/bundling';
import type { Harness as HarnessType } from '../local/harness';
import type { MapRunEvent } from '../local/runner';
import { choice, integer } from './args';
import { writeReport } from './report';
import { exportSweep, loadSweep } from './sweep-files';
import { decisionLines, leaderboardTable, sweepSummary } from './summary';

/** The embedded default sweep. */
export const DEFAULT_SPEC = path.join(REPO_ROOT, 'examples', 'specs', 'default.json');

interface LocalFlags {
  spec?: string;
  data?: string;
  target?: string;
  task: 'regression' | 'classification';
  out: string;
  workers?: number;
  json?: boolean;
  keep?: boolean;
  s3Endpoint?: string;
  sweepId?: string;
}

export function registerLocal(program: Command): void {
  program
    .command('local')
    .description('run a whole sweep locally (embedded default dataset and grid when no spec or data is given)')
    .option('--spec <file>', 'sweep spec (JSON); a local dataset.source is uploaded to the local S3 server')
    .option('--data <file>', 'run the default grid on this CSV/JSONL file (with --target)')
    .option('--target <column>', 'target column for --data')
    .option('--task <task>', 'regression or classification, for --data', choice('--task', ['regression', 'classification'] as const), 'regression')
    .option('--out <dir>', 'where results and the report are written', 'regsweep-out')
    .option('--workers <n>', 'worker threads running trials (default: one per core)', integer('--workers', 1, 256))
    .option('--sweep-id <id>', 'sweep id (default: from the spec, or generated); rerunning an id resumes it')
    .option('--keep', 'keep the local S3 data under <out>/s3 (needed to resume a sweep later)')
    .option('--s3-endpoint <url>', 'use this S3-compatible endpoint (MinIO, LocalStack) instead of starting one')
    .option('--json', 'print one JSON summary alone on stdout')
    .action(async (flags: LocalFlags) => {
      process.exitCode = await runLocal(flags);
    });
}

/** The spec to run: --spec, or the default grid on --data, or the embedded default; with sources resolved. */
function loadLocalSpec(flags: LocalFlags): { spec: SweepSpec; datasetFile: string } {
  if (flags.spec && flags.data) throw new UsageError('give either --spec or --data, not both');
  if (flags.data && !flags.target) throw new UsageError('--data needs --target COLUMN');
  if (flags.target && !flags.data) throw new UsageError('--target goes with --data FILE');
  let spec: SweepSpec;
  let base: string;
  if (flags.spec) {
    if (!fs.existsSync(flags.spec)) throw new UsageError(`--spec ${flags.spec}: no such file`);
    spec = parseSpecText(fs.readFileSync(flags.spec, 'utf8'), flags.spec);
    base = path.dirname(path.resolve(flags.spec));
  } else {
    const defaults = JSON.parse(fs.readFileSync(DEFAULT_SPEC, 'utf8')) as Record<string, unknown>;
    base = REPO_ROOT;
    if (flags.data) {
      spec = parseSpec({ ...defaults, dataset: { source: path.resolve(flags.data), target: flags.target, task: flags.task } });
    } else {
      spec = parseSpec(defaults);
    }
  }
  const source = spec.dataset.source;
  if (source.startsWith('s3://')) {
    if (!flags.s3Endpoint) throw new SpecError(`dataset.source ${source} is an S3 URI: a local sweep reads a local file (or give --s3-endpoint with the data already there)`);
    return { spec, datasetFile: '' };
  }
  // A relative source is relative to the spec file (the repository for the embedded default), else the cwd.
  const candidates = [path.resolve(base, source), path.resolve(source)];
  const datasetFile = candidates.find((f) => fs.existsSync(f));
  if (!datasetFile) throw new DatasetError(`dataset.source ${source}: no such file`);
  return { spec, datasetFile };
}

/** Progress on stderr: a bar on a TTY, a line per 10% otherwise. */
function progressReporter(total: number, json: boolean) {
  const tty = process.stderr.isTTY && !json;
  const bar = tty
    ? new SingleBar({ format: 'trials {bar} {value}/{total} done, {failed} failed | ETA {eta_formatted}', hideCursor: true, stream: process.stderr }, Presets.shades_classic)
    : undefined;
  let lastDecile = -1;
  bar?.start(total, 0, { failed: 0 });
  return {
    onEvent(e: MapRunEvent | { type?: unknown }) {
      if (e.type !== 'MapItemSucceeded' && e.type !== 'MapItemFailed') return;
      const m = e as Extract<MapRunEvent, { type: 'MapItemSucceeded' | 'MapItemFailed' }>;
      const done = m.succeeded + m.failed;
      if (bar) bar.update(done, { failed: m.failed });
      else {
        const decile = Math.floor((10 * done) / m.total);
        if (decile > lastDecile || done === m.total) {
          lastDecile = decile;
          process.stderr.write(`trials ${done}/${m.total} done, ${m.failed} failed\n`);
        }
      }
    },
    stop() {
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
  const { spec, datasetFile } = loadLocalSpec(flags);
  const sweepId = flags.sweepId ?? spec.sweepId ?? newSweepId(spec);
  const run: SweepSpec = { ...spec, sweepId };
  const trials = expandGrid(parseSpec(run)).length; // refuses a grid over the limit before anything starts
  if (datasetFile) {
    // Check the data here, so a bad file fails at once with its row and column.
    const ds = await readDatasetFile(datasetFile, { target: spec.dataset.target, task: spec.dataset.task, features: spec.dataset.features, format: spec.dataset.format });
    planSplits(ds, splitOptions(spec));
  }
  const outDir = path.resolve(flags.out, sweepId);
  const workers = flags.workers ?? os.availableParallelism();
  const started = Date.now();
  log(`regsweep: sweep ${sweepId}: ${trials} trials on ${datasetFile ? path.relative(process.cwd(), datasetFile) || datasetFile : spec.dataset.source}`);
  // Loaded here, not at start-up: the harness pulls in the workflow interpreter and the AWS SDK.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Harness } = require('../local/harness') as typeof import('../local/harness');
  const harness: HarnessType = await Harness.start({
    s3Endpoint: flags.s3Endpoint,
    s3Dir: flags.keep ? path.resolve(flags.out, 's3') : undefined,
    workers,
    log,
  });
  const onSignal = () => {
    void harness.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  try {
    if (datasetFile) run.dataset.source = await harness.uploadDataset(datasetFile);
    const progress = progressReporter(trials, !!flags.json);
    const result = await harness.runSweep(run as unknown as Record<string, unknown>, { executionName: sweepId, onEvent: (e) => progress.onEvent(e as MapRunEvent) }).finally(() => progress.stop());
    // Whatever the outcome, the sweep's objects (records of failed trials too) are copied out.
    fs.mkdirSync(outDir, { recursive: true });
    await exportSweep(harness.store, sweepId, outDir);
    if (result.status !== 'SUCCEEDED') {
      process.stderr.write(`regsweep: sweep ${sweepId} failed: ${result.error ?? 'error'}: ${result.cause ?? ''}\n`);
      process.stderr.write(`regsweep: trial records are in ${path.join(outDir, 'trials')}\n`);
      return 1;
    }
    const data = await loadSweep(outDir, {});
    const report = path.join(outDir, 'report.html');
    await writeReport(data, report);
    const board: Leaderboard = data.leaderboard;
    const best: BestRecord | undefined = data.best;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (flags.json) {
      process.stdout.write(JSON.stringify(sweepSummary(board, best!, { report, backend: best?.backend ?? board.backend }), null, 2) + '\n');
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
    process.removeListener('SIGINT', onSignal);
    await harness.close();
  }
}
