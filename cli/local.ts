/**
 * `regsweep local`: a whole sweep on this machine (api/local.ts runLocalSweep), then the leaderboard, the chosen
 * config, its test score and an HTML report. This module parses the flags, draws the progress and prints; a
 * failed sweep exits 1, an interrupted one 130 (SIGINT, Ctrl-C), 143 (SIGTERM) or 129 (SIGHUP), with the command
 * that resumes it when its data is kept.
 */
import * as path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { MAX_WORKERS, runLocalSweep, type LocalSweepEvent, type LocalSweepFailure } from '../api/local';
import { SpecError, UsageError } from '../shared/errors';
import { choice, columnList, integer, s3Endpoint } from './args';
import { writeReport } from './report/html';
import { decisionLines, leaderboardTable, sweepSummary } from './summary';
import { datasetLines } from './validate';

/** Exit codes of a run stopped by a signal: 128 + its number, as a shell reports it. */
export const SIGNAL_EXIT_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT_CODES;
const STOP_SIGNALS = Object.keys(SIGNAL_EXIT_CODES) as StopSignal[];

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
    .option('--workers <n>', 'worker threads running trials (default: one per core)', integer('--workers', 1, MAX_WORKERS))
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

/** The flags that only go together. */
function checkFlags(flags: LocalFlags): void {
  if (flags.spec && flags.data) throw new UsageError('give either --spec or --data, not both');
  if (flags.data && !flags.target) throw new UsageError('--data needs --target COLUMN');
  if (flags.target && !flags.data) throw new UsageError('--target goes with --data FILE');
  for (const [flag, given] of [
    ['--drop', flags.drop],
    ['--categorical', flags.categorical],
  ] as const) {
    if (given && !flags.data) throw new UsageError(`${flag} goes with --data FILE (in a spec: dataset.${flag.slice(2)})`);
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

/** A run that did not end in written results: the one line on stderr, and with --json the outcome on stdout. */
function printOutcome({ message, ...o }: LocalSweepFailure, flags: LocalFlags): void {
  const resume = o.kept ? resumeCommand(flags, o.sweepId) : undefined;
  const where = o.results ? `; its files are in ${o.results}` : '';
  const kept = o.kept ? `; its data is kept in ${o.kept}` : '';
  process.stderr.write(`regsweep: ${message}${where}${kept}${resume ? `; to resume: ${resume}` : ''}\n`);
  if (flags.json) process.stdout.write(JSON.stringify({ ...o, ...(resume ? { resume } : {}) }, null, 2) + '\n');
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
  bar?.start(total, 0, { failed: 0 });
  return {
    update(done: number, failed: number) {
      if (stopped) return;
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

/** The dataset as the user named it: relative to the current directory when it is below it. */
const shown = (file: string) => path.relative(process.cwd(), file) || file;

export async function runLocal(flags: LocalFlags): Promise<number> {
  const log = (line: string) => process.stderr.write(line + '\n');
  checkFlags(flags);
  let progress: ReturnType<typeof progressReporter> | undefined;
  // SIGINT (Ctrl-C), SIGTERM (timeout, CI cancel, docker stop) and SIGHUP (a closed terminal) while the workflow
  // runs stop the sweep (its data stays, to resume) and exit 128 + the signal's number; a second one, or one
  // before or after the workflow, stops the process at once, with the same exit code and a line saying so (and
  // how to resume once the sweep's data exists). Before this module runs, bin/regsweep.js does the same.
  const abort = new AbortController();
  let running = false;
  let started: string | undefined;
  const onSignal = (sig: StopSignal) => {
    if (running && !abort.signal.aborted) return abort.abort(sig);
    progress?.stop();
    const resume = started ? `; to resume: ${resumeCommand(flags, started)}` : '';
    process.stderr.write(`regsweep: interrupted (${sig})${resume}\n`);
    process.exit(SIGNAL_EXIT_CODES[sig]);
  };
  const handlers = STOP_SIGNALS.map((sig) => [sig, () => onSignal(sig)] as const);
  for (const [sig, h] of handlers) process.on(sig, h);
  const onEvent = (e: LocalSweepEvent) => {
    if (e.type === 'dataset') {
      if (e.guessedTask) {
        const holds = e.guessedTask === 'classification' ? 'text or booleans' : 'numbers';
        log(`regsweep: --task ${e.guessedTask} (the target ${flags.target} holds ${holds}; give --task to choose)`);
      }
      for (const line of datasetLines(shown(e.file), e.summary)) log(line);
    } else if (e.type === 'start') {
      started = e.sweepId;
      log(`regsweep: sweep ${e.sweepId}: ${e.trials} trials on ${e.source.startsWith('s3://') ? e.source : shown(e.source)}`);
    } else if (e.type === 'log') log(e.line);
    else if (e.type === 'running') {
      running = true;
      progress = progressReporter(e.total, !!flags.json);
    } else if (e.type === 'progress') progress?.update(e.done, e.failed);
    else if (e.type === 'finished') {
      progress?.stop();
      running = false;
    }
  };
  let result;
  try {
    result = await runLocalSweep({
      specFile: flags.spec,
      data: flags.data ? { file: flags.data, target: flags.target ?? '', task: flags.task, drop: flags.drop, categorical: flags.categorical } : undefined,
      out: flags.out,
      workers: flags.workers,
      sweepId: flags.sweepId,
      keep: flags.keep,
      s3Endpoint: flags.s3Endpoint,
      signal: abort.signal,
      onEvent,
      writeReport,
    });
  } catch (e) {
    // --drop and --categorical fill dataset.drop and dataset.categorical: name the flag the user gave
    const field = e instanceof SpecError && /^dataset\.(drop|categorical):/.exec(e.message);
    throw field && flags.data ? new UsageError(e.message.replace(/^dataset\./, '--')) : e;
  } finally {
    progress?.stop();
    for (const [sig, h] of handlers) process.removeListener(sig, h);
  }
  if (result.status !== 'SUCCEEDED') {
    printOutcome(result, flags);
    return result.status === 'INTERRUPTED' ? (SIGNAL_EXIT_CODES[(abort.signal.reason as StopSignal | undefined) ?? 'SIGINT'] ?? 130) : 1;
  }
  const { data, results, report = path.join(results, 'report.html') } = result;
  const board = data.leaderboard;
  const best = data.best;
  if (flags.json) {
    process.stdout.write(JSON.stringify(sweepSummary(board, best, { report, backend: best?.backend ?? board.backend }), null, 2) + '\n');
  } else {
    const lines = [
      leaderboardTable(board, { top: 15 }),
      '',
      ...decisionLines(board, best),
      '',
      `backend: ${best?.backend ?? board.backend ?? 'unknown'}; ${board.trials.planned} trials in ${result.seconds.toFixed(1)} s with ${result.workers} worker${result.workers === 1 ? '' : 's'}`,
      `results: ${results}`,
      `report:  ${report}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  return 0;
}
