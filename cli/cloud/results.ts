/**
 * `regsweep results SWEEP_ID`: a finished sweep's leaderboard and decision from the stack's bucket, read through
 * the sweep store; with --report, the HTML report too.
 */
import type { Command } from 'commander';
import { UsageError } from '../../shared/errors';
import type { BestRecord } from '../../shared/study/best';
import { assertSweepId, specKey, sweepPrefix } from '../../shared/store/layout';
import { SweepStore } from '../../shared/store/sweep-store';
import type { Leaderboard } from '../../shared/study/leaderboard';
import { integer } from '../args';
import { AwsSetupError, openStore, resolveBucket, type AwsOptions } from '../aws';
import { checkReportFile } from '../report/command';
import { writeReport } from '../report/html';
import { decisionLines, leaderboardTable, sweepSummary } from '../summary';
import { readSweep, type SweepData } from '../sweep-files';
import { action, awsOptions, bucketOption, out, stackOption, withAwsOptions, type CommonFlags } from './common';

export interface ResultsOptions {
  readonly stack?: string;
  /** The sweep bucket, instead of the stack's output. */
  readonly bucket?: string;
  readonly aws: AwsOptions;
  /** Also read every trial record (what the report needs). @default false */
  readonly trials?: boolean;
}

export interface SweepResults {
  readonly bucket: string;
  readonly leaderboard: Leaderboard;
  readonly best?: BestRecord;
  /** The whole sweep, trial records included: only when `trials` was asked for. */
  readonly data?: SweepData;
}

/** The sweep's leaderboard and best record; a sweep that is missing or not aggregated yet is an AwsSetupError. */
export async function sweepResults(sweepId: string, o: ResultsOptions): Promise<SweepResults> {
  try {
    assertSweepId(sweepId);
  } catch (e) {
    throw new UsageError(`SWEEP_ID: ${(e as Error).message}`);
  }
  const bucket = await resolveBucket(o.aws, o);
  const store = openStore(o.aws, bucket);
  try {
    const sweep = new SweepStore(store, sweepId);
    const leaderboard = await sweep.leaderboard();
    if (!leaderboard) {
      const planned = await store.head(specKey(sweepId));
      if (!planned)
        throw new AwsSetupError(`sweep ${sweepId} not found: nothing at ${store.uri(sweepPrefix(sweepId))} (check the id, --stack / --bucket and --region)`);
      throw new AwsSetupError(`sweep ${sweepId} has no leaderboard yet: it is still running, or failed before Aggregate (see regsweep status <executionArn>)`);
    }
    if (o.trials) {
      const data = await readSweep(sweep);
      return { bucket, leaderboard: data.leaderboard, ...(data.best ? { best: data.best } : {}), data };
    }
    const best = await sweep.best();
    return { bucket, leaderboard, ...(best ? { best } : {}) };
  } finally {
    store.client.destroy();
  }
}

interface ResultsFlags extends CommonFlags {
  stack?: string;
  bucket?: string;
  json?: boolean;
  report?: string;
  top?: number;
}

/** What results prints: the leaderboard table, the decision and where the files are. */
export function resultsLines(sweepId: string, r: SweepResults, flags: { top?: number; report?: string }): string[] {
  const lines = [leaderboardTable(r.leaderboard, flags.top !== undefined ? { top: flags.top } : {}), '', ...decisionLines(r.leaderboard, r.best), ''];
  lines.push(`files:      s3://${r.bucket}/${sweepPrefix(sweepId)} (leaderboard.json, trials/, best/)`);
  if (r.best) lines.push(`model:      ${r.best.model.modelJson}`);
  if (flags.report !== undefined) lines.push(`report:     ${flags.report}`);
  return lines;
}

export function registerResults(program: Command): void {
  const cmd = program
    .command('results')
    .description("print a finished sweep's leaderboard and decision from the stack's bucket (and write the HTML report)")
    .argument('<sweepId>', 'the sweep id regsweep start printed')
    .option('--json', 'print the summary as JSON (sweepId, trials, best, test, leaderboard, report)')
    .option('--report <file>', 'also write the self-contained HTML report to this file')
    .option('--top <n>', 'leaderboard rows to print (default 15)', integer('--top', 1, 100000));
  stackOption(cmd);
  bucketOption(cmd);
  withAwsOptions(cmd).action(
    action('results', async (sweepId: string, flags: ResultsFlags) => {
      if (flags.report !== undefined) checkReportFile(flags.report, '--report');
      const r = await sweepResults(sweepId, { stack: flags.stack, bucket: flags.bucket, aws: awsOptions(flags), trials: flags.report !== undefined });
      if (flags.report !== undefined) writeReport(r.data!, flags.report);
      if (flags.json) out([JSON.stringify(sweepSummary(r.leaderboard, r.best, flags.report !== undefined ? { report: flags.report } : {}), null, 2)]);
      else out(resultsLines(sweepId, r, flags));
    }),
  );
}
