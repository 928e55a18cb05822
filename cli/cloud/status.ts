/**
 * `regsweep status EXECUTION_ARN`: the execution's state; while it runs, its progress (trial records written
 * against the manifest, read through the sweep store); when it succeeded, the chosen config and test score from
 * its output; when it failed, the error and cause (and exit 1).
 */
import type { DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { STATE_NAMES } from '../../infra/contract';
import { UsageError } from '../../shared/errors';
import { parseS3Uri, trialsPrefix } from '../../shared/store/layout';
import { SweepStore } from '../../shared/store/sweep-store';
import type { Leaderboard } from '../../shared/study/leaderboard';
import { AwsSetupError, CommandFailedError, createSfnClient, explainAwsError, openStore, resolveBucket, stackOrBucket, type AwsOptions } from '../aws';
import { duration, fmt, pct } from '../format';
import { action, awsOptions, bucketOption, carriedFlags, out, stackOption, withAwsOptions, type CommonFlags } from './common';

const EXECUTION_ARN_RE = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):execution:([A-Za-z0-9_-]{1,80}):([A-Za-z0-9_-]{1,80})$/;

export function parseExecutionArn(arn: string): { region: string; account: string; stateMachine: string; name: string } {
  const m = EXECUTION_ARN_RE.exec(arn);
  if (!m) {
    throw new UsageError(
      `EXECUTION_ARN must be a Step Functions execution ARN (arn:aws:states:<region>:<account>:execution:<stateMachine>:<name>), got ${JSON.stringify(arn)}`,
    );
  }
  return { region: m[1], account: m[2], stateMachine: m[3], name: m[4] };
}

const parseJsonText = (text: string | undefined): unknown => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface Progress {
  /** Trial records written (succeeded or failed; counted from the listing, so a trial recorded twice, e.g. failed then retried, counts twice). */
  readonly written?: number;
  /** Trials planned (the manifest's length), once PlanSweep has run. */
  readonly planned?: number;
  /** Why progress is unknown. */
  readonly unknown?: string;
}

/** The parts of a succeeded execution's output that status shows. */
interface SweepOutput {
  aggregate?: { trials?: Leaderboard['trials']; best?: { label?: string; meanValLoss?: number; stdErr?: number } };
  refit?: { label?: string; test?: { loss?: number; r2?: number; accuracy?: number }; modelUri?: string };
}

/** An execution as status shows it; `--json` prints it as is. */
export interface ExecutionStatus {
  readonly executionArn: string;
  readonly name: string;
  readonly sweepId: string | null;
  readonly status: string;
  readonly startDate: string | null;
  readonly stopDate: string | null;
  readonly error?: string;
  readonly cause?: string;
  readonly progress?: Progress;
  readonly output?: SweepOutput;
}

export interface StatusOptions {
  readonly stack?: string;
  /** The sweep bucket, for progress; default: the dataset's bucket, else the stack's output. */
  readonly bucket?: string;
  readonly aws: AwsOptions;
}

/** Trial records written under sweeps/<sweepId>/trials/ (SweepStore.recordsWritten: one LIST, no GET) vs the manifest's length; never throws. */
async function sweepProgress(aws: AwsOptions, bucket: string, sweepId: string): Promise<Progress> {
  const store = openStore(aws, bucket);
  try {
    const sweep = new SweepStore(store, sweepId);
    const written = await sweep.recordsWritten();
    let planned: number | undefined;
    try {
      planned = (await sweep.manifest())?.length;
    } catch {
      // unreadable manifest: report what was written
    }
    return { written, ...(planned !== undefined ? { planned } : {}) };
  } catch (e) {
    return { unknown: explainAwsError(e, `reading ${store.uri(trialsPrefix(sweepId))}`).message };
  } finally {
    store.client.destroy();
  }
}

/** DescribeExecution (and, for a sweep id the input does not give, PlanSweep's output in the history). */
export async function executionStatus(executionArn: string, o: StatusOptions): Promise<ExecutionStatus> {
  const arn = parseExecutionArn(executionArn);
  stackOrBucket(o);
  const aws: AwsOptions = { ...o.aws, region: o.aws.region ?? arn.region };
  const sfn = await createSfnClient({ region: aws.region });
  let ex: DescribeExecutionCommandOutput;
  let sweepId: string | undefined;
  try {
    const { DescribeExecutionCommand, GetExecutionHistoryCommand } = await import('@aws-sdk/client-sfn');
    try {
      ex = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    } catch (e) {
      if ((e as Error).name === 'ExecutionDoesNotExist') throw new AwsSetupError(`execution not found in ${aws.region}: ${executionArn}`);
      throw explainAwsError(e, `Step Functions DescribeExecution ${executionArn}`);
    }
    const input = parseJsonText(ex.input);
    const output = parseJsonText(ex.output);
    if (isObject(output) && typeof output.sweepId === 'string') sweepId = output.sweepId;
    else if (isObject(input) && typeof input.sweepId === 'string') sweepId = input.sweepId;
    else {
      // A spec without sweepId (a scheduled sweep): PlanSweep's output names the one it generated.
      try {
        const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 100, includeExecutionData: true }));
        const planned = history.events?.find((ev) => ev.type === 'TaskStateExited' && ev.stateExitedEventDetails?.name === STATE_NAMES.plan);
        const plan = parseJsonText(planned?.stateExitedEventDetails?.output);
        if (isObject(plan) && typeof plan.sweepId === 'string') sweepId = plan.sweepId;
      } catch {
        // no history permission or not planned yet: the sweep id stays unknown
      }
    }
  } finally {
    sfn.destroy();
  }
  const status = ex.status ?? 'UNKNOWN';
  const input = parseJsonText(ex.input);
  const output = parseJsonText(ex.output) as SweepOutput | undefined;

  let progress: Progress | undefined;
  if (status === 'RUNNING' && sweepId !== undefined) {
    let bucket = o.bucket;
    if (bucket === undefined && isObject(input) && isObject(input.dataset) && typeof input.dataset.source === 'string') {
      try {
        bucket = parseS3Uri(input.dataset.source).bucket; // datasets live in the stack's bucket
      } catch {
        bucket = undefined;
      }
    }
    if (bucket === undefined) {
      try {
        bucket = await resolveBucket(aws, { stack: o.stack });
      } catch (e) {
        progress = { unknown: (e as Error).message };
      }
    }
    if (bucket !== undefined) progress = await sweepProgress(aws, bucket, sweepId);
  }

  return {
    executionArn,
    name: ex.name ?? arn.name,
    sweepId: sweepId ?? null,
    status,
    startDate: ex.startDate?.toISOString() ?? null,
    stopDate: ex.stopDate?.toISOString() ?? null,
    ...(ex.error !== undefined ? { error: ex.error } : {}),
    ...(ex.cause !== undefined ? { cause: ex.cause } : {}),
    ...(progress ? { progress } : {}),
    ...(output !== undefined ? { output } : {}),
  };
}

const FAILED_STATUSES = new Set(['FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);

/** Whether the execution has failed (status then exits 1). */
export const executionFailed = (s: ExecutionStatus) => FAILED_STATUSES.has(s.status);

/** What status prints; `flags` are repeated in the "next" command. */
export function statusLines(s: ExecutionStatus, flags: CommonFlags & { stack?: string; bucket?: string }, now = Date.now()): string[] {
  const started = s.startDate !== null ? Date.parse(s.startDate) : undefined;
  const stopped = s.stopDate !== null ? Date.parse(s.stopDate) : undefined;
  const lines = [`execution  ${s.executionArn}`, `sweep      ${s.sweepId ?? '(not known yet)'}`, `status     ${s.status}`];
  if (s.startDate !== null) lines.push(`started    ${s.startDate}`);
  if (s.stopDate !== null) lines.push(`stopped    ${s.stopDate}${started !== undefined ? ` (${duration(stopped! - started)})` : ''}`);
  else if (started !== undefined && s.status === 'RUNNING') lines.push(`running    for ${duration(now - started)}`);
  const p = s.progress;
  if (p) {
    if (p.unknown !== undefined) lines.push(`progress   unknown: ${p.unknown}`);
    else if (p.planned !== undefined) {
      const share = p.planned > 0 ? ` (${Math.floor((100 * (p.written ?? 0)) / p.planned)}%)` : '';
      lines.push(`progress   ${p.written}/${p.planned} trial records written${share}`);
    } else lines.push(`progress   ${p.written} trial records written (still planning: no manifest yet)`);
  }
  if (s.status === 'SUCCEEDED' && s.output) {
    const agg = s.output.aggregate;
    const refit = s.output.refit;
    const label = refit?.label ?? agg?.best?.label;
    if (label)
      lines.push(
        `chosen     ${label}${agg?.best?.meanValLoss !== undefined ? ` (mean val loss ${fmt(agg.best.meanValLoss)} ± ${fmt(agg.best.stdErr, 3)})` : ''}`,
      );
    const t = refit?.test;
    if (t) {
      const score = t.r2 !== undefined ? `, R² ${fmt(t.r2, 3)}` : t.accuracy !== undefined ? `, accuracy ${pct(t.accuracy)}` : '';
      lines.push(`test       loss ${fmt(t.loss)}${score}`);
    }
    if (agg?.trials)
      lines.push(`trials     ${agg.trials.succeeded}/${agg.trials.planned} succeeded, ${agg.trials.failed} failed, ${agg.trials.missing} missing`);
    if (refit?.modelUri) lines.push(`model      ${refit.modelUri}`);
  }
  if (s.error !== undefined) lines.push(`error      ${s.error}`);
  if (s.cause !== undefined) lines.push(`cause      ${s.cause.replace(/\s+/g, ' ').trim()}`);
  if (s.sweepId !== null && (s.status === 'SUCCEEDED' || s.status === 'RUNNING')) {
    // results reads the bucket in the execution's region
    const arnRegion = parseExecutionArn(s.executionArn).region;
    const region = flags.region ?? (process.env.AWS_REGION === arnRegion ? undefined : arnRegion);
    lines.push(`next       npx regsweep results ${s.sweepId}${carriedFlags({ ...flags, region })}${s.status === 'RUNNING' ? ' (once it has succeeded)' : ''}`);
  }
  return lines;
}

interface StatusFlags extends CommonFlags {
  stack?: string;
  bucket?: string;
  json?: boolean;
}

export function registerStatus(program: Command): void {
  const cmd = program
    .command('status')
    .description('show a sweep execution: its state, progress while running, the chosen config and test score when done, the error when failed')
    .argument('<executionArn>', 'the execution ARN regsweep start printed')
    .option('--json', 'print the status as JSON');
  stackOption(cmd);
  bucketOption(cmd);
  withAwsOptions(cmd).action(
    action('status', async (executionArn: string, flags: StatusFlags) => {
      const s = await executionStatus(executionArn, { stack: flags.stack, bucket: flags.bucket, aws: awsOptions(flags) });
      out(flags.json ? [JSON.stringify(s, null, 2)] : statusLines(s, flags));
      if (executionFailed(s)) throw new CommandFailedError(`execution ${s.name} ${s.status}${s.error ? `: ${s.error}` : ''}`);
    }),
  );
}
