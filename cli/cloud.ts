/**
 * The commands that drive a deployed stack (docs/DEPLOY.md):
 *
 *   regsweep upload-dataset FILE   validate a CSV/JSONL file locally, then PutObject it to datasets/<name>
 *   regsweep start --spec FILE     validate the spec (and its local dataset, uploaded first), StartExecution
 *   regsweep status EXECUTION_ARN  the execution's state; progress while running, the decision when done
 *   regsweep results SWEEP_ID      the leaderboard and the decision from S3 (and the HTML report)
 *
 * The stack is found by name (--stack, default Regsweep) through CloudFormation DescribeStacks: its outputs
 * BucketName and StateMachineArn. The execution input is the spec JSON as written, with its sweepId set and a
 * local dataset.source replaced by the uploaded object's s3:// URI; the execution is named after the sweepId.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { parseDataset } from '../shared/data/parse';
import { DatasetError, SpecError, UsageError } from '../shared/errors';
import { assertDatasetName, assertSweepId, bestKey, datasetKey, leaderboardKey, manifestKey, parseS3Uri, specKey, sweepPrefix, trialsPrefix } from '../shared/store/layout';
import type { BestRecord } from '../shared/store/artifacts';
import { datasetLocation, newSweepId } from '../shared/store/layout';
import type { ObjectStore } from '../shared/store/s3';
import type { Leaderboard } from '../shared/study/leaderboard';
import type { Task } from '../shared/search/spec';
import { choice, integer } from './args';
import {
  AwsSetupError,
  awsCall,
  bucketArg,
  CommandFailedError,
  createSfnClient,
  DEFAULT_STACK_NAME,
  describeStack,
  explainAwsError,
  openStore,
  regionArg,
  resolveBucket,
  s3EndpointArg,
  STACK_OUTPUTS,
  stackNameArg,
  stackOrBucket,
  stackOutput,
  type AwsOptions,
} from './aws';
import { fmt } from './format';
import { writeReport } from './report';
import { decisionLines, leaderboardTable, sweepSummary } from './summary';
import { loadSweep } from './sweep-files';
import { checkGrid, checkLocalDataset, isS3Source, readSpecFile, resolveLocalDataset } from './validate';

// ---------------------------------------------------------------------------------------------- helpers

interface CommonFlags {
  region?: string;
  s3Endpoint?: string;
}

const awsOptions = (f: CommonFlags): AwsOptions => ({ ...(f.region ? { region: f.region } : {}), ...(f.s3Endpoint ? { s3Endpoint: f.s3Endpoint } : {}) });

function withAwsOptions(cmd: Command): Command {
  return cmd
    .option('--region <region>', 'AWS region (default: AWS_REGION or the profile\'s region)', regionArg)
    .option('--s3-endpoint <url>', 'S3 endpoint URL (MinIO, LocalStack, a local S3 server); path-style', s3EndpointArg);
}

const stackOption = (cmd: Command) => cmd.option('--stack <name>', `the deployed stack (default: ${DEFAULT_STACK_NAME})`, stackNameArg);
const bucketOption = (cmd: Command) => cmd.option('--bucket <bucket>', 'the sweep bucket, instead of reading it from the stack', bucketArg);

/** An action whose every failure is one line (AWS errors explained, secrets redacted). */
function action<A extends unknown[]>(what: string, fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      throw explainAwsError(e, what);
    }
  };
}

const out = (lines: string[]) => process.stdout.write(lines.join('\n') + '\n');
const note = (line: string) => process.stderr.write(`${line}\n`);
const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** Flags to repeat in the "next" commands so they reach the same stack, region and endpoint. */
function carriedFlags(f: CommonFlags & { stack?: string; bucket?: string }): string {
  const parts: string[] = [];
  if (f.stack !== undefined && f.stack !== DEFAULT_STACK_NAME) parts.push('--stack', f.stack);
  if (f.bucket !== undefined) parts.push('--bucket', f.bucket);
  if (f.region !== undefined) parts.push('--region', f.region);
  if (f.s3Endpoint !== undefined) parts.push('--s3-endpoint', f.s3Endpoint);
  return parts.length ? ` ${parts.map(quote).join(' ')}` : '';
}

function kb(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const contentType = (name: string) => (/\.(jsonl|ndjson)$/i.test(name) ? 'application/x-ndjson' : 'text/csv');
const formatOf = (name: string): 'csv' | 'jsonl' => (/\.(jsonl|ndjson)$/i.test(name) ? 'jsonl' : 'csv');

function readLocalFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? (e as Error).message);
    throw new UsageError(`${what}: cannot read ${file}: ${why}`);
  }
}

/**
 * PutObject `bytes` to datasets/<name>, unless the object there already has exactly these bytes (its ETag is the
 * MD5 of a single-part SSE-S3 upload). Returns the URI and whether anything was written.
 */
async function uploadDataset(store: ObjectStore, name: string, bytes: Uint8Array): Promise<{ uri: string; uploaded: boolean; replaced: boolean }> {
  const key = datasetKey(name);
  const md5 = createHash('md5').update(bytes).digest('hex');
  const head = await store.head(key);
  if (head && head.etag.replace(/"/g, '') === md5) return { uri: store.uri(key), uploaded: false, replaced: false };
  await store.putBytes(key, bytes, contentType(name));
  return { uri: store.uri(key), uploaded: true, replaced: head !== undefined };
}

// ---------------------------------------------------------------------------------------------- upload-dataset

interface UploadFlags extends CommonFlags {
  name?: string;
  stack?: string;
  bucket?: string;
  target?: string;
  task?: Task;
}

/** A target column no file can have: parsing up to the target lookup checks the file's structure alone. */
const NO_TARGET = '\u0000regsweep-structure-check';

/**
 * The file must parse as a regsweep dataset: with a target, exactly as a sweep will parse it (numbers, missing
 * values, class labels); without one, its structure (UTF-8, CSV fields per row or JSON objects per line, unique
 * column names, at least 2 rows). Errors name the file, row and column. Returns a one-line description.
 */
function checkDatasetFile(file: string, name: string, bytes: Uint8Array, target: string | undefined, task: Task): string {
  const format = formatOf(name);
  if (target !== undefined) {
    const ds = parseDataset(bytes, { name: file, target, task, format });
    const classes = ds.classes ? `, ${ds.classes} classes` : '';
    return `${file}: ${ds.y.length} rows, ${ds.features.length} features, target ${target} (${task}${classes})`;
  }
  try {
    parseDataset(bytes, { name: file, target: NO_TARGET, task: 'regression', format });
  } catch (e) {
    if (e instanceof DatasetError && e.message.includes(JSON.stringify(NO_TARGET))) {
      return `${file}: valid ${format.toUpperCase()} (pass --target COLUMN to also check the values)`;
    }
    throw e;
  }
  throw new Error('unreachable: a dataset without its target column parsed'); // NO_TARGET cannot be a column
}

function registerUploadDataset(program: Command): void {
  const cmd = program
    .command('upload-dataset')
    .description("validate a CSV/JSONL dataset locally, then upload it to datasets/<name> in the stack's bucket; prints its s3:// URI")
    .argument('<file>', 'dataset file (.csv with a header row, or .jsonl / .ndjson)')
    .option('--name <name>', 'object name under datasets/ (default: the file name), ending in .csv, .jsonl or .ndjson')
    .option('--target <column>', 'also check the values as a dataset with this target column')
    .option('--task <task>', 'regression or classification (with --target; default regression)', choice('--task', ['regression', 'classification'] as const));
  stackOption(cmd);
  bucketOption(cmd);
  withAwsOptions(cmd).action(
    action('upload-dataset', async (file: string, flags: UploadFlags) => {
      const name = flags.name ?? path.basename(file);
      try {
        assertDatasetName(name);
      } catch (e) {
        throw new UsageError(`${flags.name !== undefined ? '--name' : `the file name (use --name to choose the object name)`}: ${(e as Error).message}`);
      }
      if (flags.task !== undefined && flags.target === undefined) throw new UsageError('--task needs --target');
      stackOrBucket(flags);
      const bytes = readLocalFile(file, 'upload-dataset');
      note(checkDatasetFile(file, name, bytes, flags.target, flags.task ?? 'regression'));

      const opts = awsOptions(flags);
      const bucket = await resolveBucket(opts, flags);
      const store = openStore(opts, bucket);
      try {
        const r = await uploadDataset(store, name, bytes);
        note(r.uploaded ? `${r.replaced ? 'replaced' : 'uploaded'} ${r.uri} (${kb(bytes.byteLength)})` : `${r.uri} already holds these bytes: nothing to upload`);
        process.stdout.write(`${r.uri}\n`);
      } finally {
        store.client.destroy();
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------- start

interface StartFlags extends CommonFlags {
  spec: string;
  stack?: string;
  sweepId?: string;
  json?: boolean;
}

/** The longest execution name Step Functions accepts. */
const MAX_EXECUTION_NAME = 80;

function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

function registerStart(program: Command): void {
  const cmd = program
    .command('start')
    .description('start a sweep on the deployed stack: validate the spec, upload a local dataset, StartExecution')
    .requiredOption('--spec <file>', 'sweep spec (JSON); a local dataset.source is uploaded to datasets/<file name> first')
    .option('--sweep-id <id>', "the sweep's id (default: the spec's sweepId, else a fresh one); an existing sweep's id resumes it")
    .option('--json', 'print { executionArn, sweepId, ... } as JSON');
  stackOption(cmd);
  withAwsOptions(cmd).action(
    action('start', async (flags: StartFlags) => {
      // 1. everything that can be checked offline, before any AWS call
      const { spec, raw } = readSpecFile(flags.spec);
      const grid = checkGrid(spec);
      if (flags.sweepId !== undefined) {
        try {
          assertSweepId(flags.sweepId);
        } catch (e) {
          throw new UsageError(`--sweep-id: ${(e as Error).message}`);
        }
        if (spec.sweepId !== undefined && spec.sweepId !== flags.sweepId) note(`note: --sweep-id ${flags.sweepId} replaces the spec's sweepId ${spec.sweepId}`);
      }
      const sweepId = flags.sweepId ?? spec.sweepId ?? newSweepId(spec);
      const source = spec.dataset.source;
      let local: { file: string; name: string; bytes: Buffer } | undefined;
      if (!isS3Source(source)) {
        const file = resolveLocalDataset(source, flags.spec);
        if (!file) throw new UsageError(`${flags.spec}: dataset.source ${source}: no such file (relative to the spec file or to the current directory)`);
        const name = path.basename(file);
        try {
          assertDatasetName(name);
        } catch (e) {
          throw new UsageError(`${flags.spec}: dataset.source ${source}: ${(e as Error).message}; rename the file, or upload it with regsweep upload-dataset --name and use its s3:// URI`);
        }
        const { dataset, plan } = await checkLocalDataset(spec, file);
        note(`${source}: ${dataset.y.length} rows, ${dataset.features.length} features; ${plan.test.length} test rows held out`);
        local = { file, name, bytes: readLocalFile(file, 'dataset.source') };
      }

      // 2. the stack
      const opts = awsOptions(flags);
      const stackName = flags.stack ?? DEFAULT_STACK_NAME;
      const stack = await describeStack(opts, stackName);
      const stateMachineArn = stackOutput(stack, STACK_OUTPUTS.stateMachineArn);
      const bucket = stackOutput(stack, STACK_OUTPUTS.bucketName);

      // 3. the dataset in the stack's bucket
      const store = openStore({ region: stack.region, ...opts }, bucket);
      let datasetUri: string;
      try {
        if (local) {
          const r = await uploadDataset(store, local.name, local.bytes);
          datasetUri = r.uri;
          note(r.uploaded ? `${r.replaced ? 'replaced' : 'uploaded'} ${r.uri} (${kb(local.bytes.byteLength)})` : `${r.uri} already holds ${source}: not uploaded again`);
        } else {
          const { key } = datasetLocation(spec, bucket); // same bucket, under datasets/: what PlanSweep requires
          let head: { etag: string } | undefined | 'unknown';
          try {
            head = await store.head(key);
          } catch {
            head = 'unknown'; // no s3:GetObject permission here is no reason to refuse: PlanSweep checks it again
          }
          if (head === undefined) throw new SpecError(`${flags.spec}: dataset.source ${source} not found (upload it with regsweep upload-dataset)`);
          datasetUri = source;
        }
      } finally {
        store.client.destroy();
      }

      // 4. the execution: input = the spec as written, with its sweepId and the dataset's s3:// URI
      const rawDataset = (raw.dataset ?? {}) as Record<string, unknown>;
      const input = { ...raw, sweepId, dataset: { ...rawDataset, source: datasetUri } };
      const sfn = await createSfnClient({ region: stack.region });
      let executionArn: string;
      let executionName = sweepId;
      let resumed = false;
      try {
        const { StartExecutionCommand, DescribeExecutionCommand } = await import('@aws-sdk/client-sfn');
        const startNamed = (name: string) =>
          sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
        try {
          executionArn = (await startNamed(sweepId)).executionArn!;
        } catch (e) {
          if ((e as Error).name !== 'ExecutionAlreadyExists') throw explainAwsError(e, `Step Functions StartExecution ${sweepId}`);
          // An earlier execution of this sweep: resume it under a new execution name, unless it is still running.
          const previousArn = executionArnOf(stateMachineArn, sweepId);
          const previous = await awsCall(`Step Functions DescribeExecution ${previousArn}`, () => sfn.send(new DescribeExecutionCommand({ executionArn: previousArn })));
          if (previous.status === 'RUNNING') {
            throw new AwsSetupError(`sweep ${sweepId} is already running: ${previousArn} (follow it with regsweep status ${previousArn})`);
          }
          executionName = `${sweepId}-r${Date.now().toString(36)}`.slice(0, MAX_EXECUTION_NAME);
          resumed = true;
          const res = await awsCall(`Step Functions StartExecution ${executionName}`, () => startNamed(executionName));
          executionArn = res.executionArn!;
        }
      } finally {
        sfn.destroy();
      }

      const carried = carriedFlags(flags);
      if (flags.json) {
        out([
          JSON.stringify(
            { executionArn, executionName, sweepId, stateMachineArn, bucket, dataset: datasetUri, trials: grid.items.length, configs: grid.configs, folds: grid.folds, resumed },
            null,
            2,
          ),
        ]);
        return;
      }
      out([
        `sweep      ${sweepId}${resumed ? ' (resumed: trials whose record exists are skipped)' : ''}`,
        `execution  ${executionArn}`,
        `dataset    ${datasetUri}`,
        `trials     ${grid.configs} configs x ${grid.folds} folds = ${grid.items.length}`,
        `results    s3://${bucket}/${sweepPrefix(sweepId)}`,
        'next:',
        `  npx regsweep status ${quote(executionArn)}${carriedFlags({ region: flags.region, s3Endpoint: flags.s3Endpoint })}`,
        `  npx regsweep results ${sweepId}${carried}`,
      ]);
    }),
  );
}

// ---------------------------------------------------------------------------------------------- status

interface StatusFlags extends CommonFlags {
  stack?: string;
  bucket?: string;
  json?: boolean;
}

const EXECUTION_ARN_RE = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):execution:([A-Za-z0-9_-]{1,80}):([A-Za-z0-9_-]{1,80})$/;

export function parseExecutionArn(arn: string): { region: string; account: string; stateMachine: string; name: string } {
  const m = EXECUTION_ARN_RE.exec(arn);
  if (!m) {
    throw new UsageError(`EXECUTION_ARN must be a Step Functions execution ARN (arn:aws:states:<region>:<account>:execution:<stateMachine>:<name>), got ${JSON.stringify(arn)}`);
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

interface Progress {
  /** Trial records written (succeeded or failed). */
  written?: number;
  /** Trials planned (the manifest's length), once PlanSweep has run. */
  planned?: number;
  /** Why progress is unknown. */
  unknown?: string;
}

/** Trial records under sweeps/<sweepId>/trials/ vs the manifest's length; never throws. */
async function sweepProgress(opts: AwsOptions, bucket: string, sweepId: string): Promise<Progress> {
  const store = openStore(opts, bucket);
  try {
    const written = (await store.listKeys(trialsPrefix(sweepId))).filter((k) => k.endsWith('.json')).length;
    let planned: number | undefined;
    try {
      const manifest = await store.getJson(manifestKey(sweepId));
      if (Array.isArray(manifest)) planned = manifest.length;
    } catch {
      // unreadable manifest: report what was written
    }
    return { written, ...(planned !== undefined ? { planned } : {}) };
  } catch (e) {
    return { unknown: explainAwsError(e, `reading s3://${bucket}/${trialsPrefix(sweepId)}`).message };
  } finally {
    store.client.destroy();
  }
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

const FAILED_STATUSES = new Set(['FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);

function registerStatus(program: Command): void {
  const cmd = program
    .command('status')
    .description('show a sweep execution: its state, progress while running, the chosen config and test score when done, the error when failed')
    .argument('<executionArn>', 'the execution ARN regsweep start printed')
    .option('--json', 'print the status as JSON');
  stackOption(cmd);
  bucketOption(cmd);
  withAwsOptions(cmd).action(
    action('status', async (executionArn: string, flags: StatusFlags) => {
      const arn = parseExecutionArn(executionArn);
      stackOrBucket(flags);
      const region = flags.region ?? arn.region;
      const opts: AwsOptions = { ...awsOptions(flags), region };
      const sfn = await createSfnClient({ region });
      let ex: DescribeExecutionCommandOutput;
      let sweepId: string | undefined;
      try {
        const { DescribeExecutionCommand, GetExecutionHistoryCommand } = await import('@aws-sdk/client-sfn');
        try {
          ex = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        } catch (e) {
          if ((e as Error).name === 'ExecutionDoesNotExist') throw new AwsSetupError(`execution not found in ${region}: ${executionArn}`);
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
            const planned = history.events?.find((ev) => ev.type === 'TaskStateExited' && ev.stateExitedEventDetails?.name === 'PlanSweep');
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
      const output = parseJsonText(ex.output) as
        | { aggregate?: { trials?: Leaderboard['trials']; best?: { label?: string; meanValLoss?: number; stdErr?: number } }; refit?: { label?: string; test?: { loss?: number; r2?: number; accuracy?: number }; modelUri?: string } }
        | undefined;

      let progress: Progress | undefined;
      if (status === 'RUNNING' && sweepId !== undefined) {
        let bucket = flags.bucket;
        if (bucket === undefined && isObject(input) && isObject(input.dataset) && typeof input.dataset.source === 'string') {
          try {
            bucket = parseS3Uri(input.dataset.source).bucket; // datasets live in the stack's bucket
          } catch {
            bucket = undefined;
          }
        }
        if (bucket === undefined) {
          try {
            bucket = await resolveBucket(opts, { stack: flags.stack });
          } catch (e) {
            progress = { unknown: (e as Error).message };
          }
        }
        if (bucket !== undefined) progress = await sweepProgress(opts, bucket, sweepId);
      }

      const started = ex.startDate;
      const stopped = ex.stopDate;
      const json = {
        executionArn,
        name: ex.name ?? arn.name,
        sweepId: sweepId ?? null,
        status,
        startDate: started?.toISOString() ?? null,
        stopDate: stopped?.toISOString() ?? null,
        ...(ex.error !== undefined ? { error: ex.error } : {}),
        ...(ex.cause !== undefined ? { cause: ex.cause } : {}),
        ...(progress ? { progress } : {}),
        ...(output !== undefined ? { output } : {}),
      };
      if (flags.json) out([JSON.stringify(json, null, 2)]);
      else {
        const lines = [`execution  ${executionArn}`, `sweep      ${sweepId ?? '(not known yet)'}`, `status     ${status}`];
        if (started) lines.push(`started    ${started.toISOString()}`);
        if (stopped) lines.push(`stopped    ${stopped.toISOString()}${started ? ` (${duration(stopped.getTime() - started.getTime())})` : ''}`);
        else if (started && status === 'RUNNING') lines.push(`running    for ${duration(Date.now() - started.getTime())}`);
        if (progress) {
          if (progress.unknown !== undefined) lines.push(`progress   unknown: ${progress.unknown}`);
          else if (progress.planned !== undefined) {
            const share = progress.planned > 0 ? ` (${Math.floor((100 * (progress.written ?? 0)) / progress.planned)}%)` : '';
            lines.push(`progress   ${progress.written}/${progress.planned} trial records written${share}`);
          } else lines.push(`progress   ${progress.written} trial records written (still planning: no manifest yet)`);
        }
        if (status === 'SUCCEEDED' && output) {
          const agg = output.aggregate;
          const refit = output.refit;
          const label = refit?.label ?? agg?.best?.label;
          if (label) lines.push(`chosen     ${label}${agg?.best?.meanValLoss !== undefined ? ` (mean val loss ${fmt(agg.best.meanValLoss)} ± ${fmt(agg.best.stdErr, 3)})` : ''}`);
          const t = refit?.test;
          if (t) {
            const score = t.r2 !== undefined ? `, R² ${fmt(t.r2, 3)}` : t.accuracy !== undefined ? `, accuracy ${(t.accuracy * 100).toFixed(1)}%` : '';
            lines.push(`test       loss ${fmt(t.loss)}${score}`);
          }
          if (agg?.trials) lines.push(`trials     ${agg.trials.succeeded}/${agg.trials.planned} succeeded, ${agg.trials.failed} failed, ${agg.trials.missing} missing`);
          if (refit?.modelUri) lines.push(`model      ${refit.modelUri}`);
        }
        if (ex.error !== undefined) lines.push(`error      ${ex.error}`);
        if (ex.cause !== undefined) lines.push(`cause      ${ex.cause.replace(/\s+/g, ' ').trim()}`);
        if (sweepId !== undefined && (status === 'SUCCEEDED' || status === 'RUNNING')) {
          // results reads the bucket in the execution's region
          const region = flags.region ?? (process.env.AWS_REGION === arn.region ? undefined : arn.region);
          lines.push(`next       npx regsweep results ${sweepId}${carriedFlags({ ...flags, region })}${status === 'RUNNING' ? ' (once it has succeeded)' : ''}`);
        }
        out(lines);
      }
      if (FAILED_STATUSES.has(status)) {
        throw new CommandFailedError(`execution ${ex.name ?? arn.name} ${status}${ex.error ? `: ${ex.error}` : ''}`);
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------- results

interface ResultsFlags extends CommonFlags {
  stack?: string;
  bucket?: string;
  json?: boolean;
  report?: string;
  top?: number;
}

function asLeaderboard(value: unknown, uri: string): Leaderboard {
  if (!isObject(value) || !Array.isArray(value.configs) || !isObject(value.best) || !isObject(value.trials) || typeof value.sweepId !== 'string') {
    throw new SpecError(`${uri} is not a regsweep leaderboard (expected sweepId, configs, best, trials)`);
  }
  return { incomplete: [], ...value } as unknown as Leaderboard;
}

function asBest(value: unknown, uri: string): BestRecord | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || !isObject(value.test) || !isObject(value.config) || !isObject(value.rows)) throw new SpecError(`${uri} is not a regsweep best record (expected config, test, rows)`);
  return value as unknown as BestRecord;
}

function registerResults(program: Command): void {
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
      try {
        assertSweepId(sweepId);
      } catch (e) {
        throw new UsageError(`SWEEP_ID: ${(e as Error).message}`);
      }
      const opts = awsOptions(flags);
      const bucket = await resolveBucket(opts, flags);
      const store = openStore(opts, bucket);
      let board: Leaderboard;
      let best: BestRecord | undefined;
      try {
        const boardJson = await store.getJson(leaderboardKey(sweepId));
        if (boardJson === undefined) {
          const planned = await store.head(specKey(sweepId));
          if (!planned) throw new AwsSetupError(`sweep ${sweepId} not found: nothing at ${store.uri(sweepPrefix(sweepId))} (check the id, --stack / --bucket and --region)`);
          throw new AwsSetupError(`sweep ${sweepId} has no leaderboard yet: it is still running, or failed before Aggregate (see regsweep status <executionArn>)`);
        }
        board = asLeaderboard(boardJson, store.uri(leaderboardKey(sweepId)));
        best = asBest(await store.getJson(bestKey(sweepId)), store.uri(bestKey(sweepId)));
      } finally {
        store.client.destroy();
      }

      if (flags.report !== undefined) {
        // loadSweep builds its own S3 client from the environment: hand it the region given here.
        if (flags.region) process.env.AWS_REGION = flags.region;
        const data = await loadSweep(`s3://${bucket}/${sweepPrefix(sweepId)}`, flags.s3Endpoint ? { s3Endpoint: flags.s3Endpoint } : {});
        writeReport(data, flags.report);
        board = data.leaderboard;
        best = data.best;
      }

      if (flags.json) {
        out([JSON.stringify(sweepSummary(board, best, flags.report !== undefined ? { report: flags.report } : {}), null, 2)]);
        return;
      }
      const lines = [leaderboardTable(board, flags.top !== undefined ? { top: flags.top } : {}), '', ...decisionLines(board, best), ''];
      lines.push(`files:      s3://${bucket}/${sweepPrefix(sweepId)} (leaderboard.json, trials/, best/)`);
      if (best) lines.push(`model:      ${best.model.modelJson}`);
      if (flags.report !== undefined) lines.push(`report:     ${flags.report}`);
      out(lines);
    }),
  );
}

// ---------------------------------------------------------------------------------------------- registration

/** upload-dataset, start, status and results. */
export function registerCloud(program: Command): void {
  registerUploadDataset(program);
  registerStart(program);
  registerStatus(program);
  registerResults(program);
}
