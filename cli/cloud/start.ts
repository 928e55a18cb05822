/**
 * `regsweep start --spec FILE`: validate the spec (and its local dataset, uploaded first; its cost estimate is
 * printed, and a sweep over limits.maxCostUsd refused before any AWS call), then StartExecution.
 * The execution input is the spec JSON as written, with its sweepId set and a local dataset.source replaced by
 * the uploaded object's s3:// URI; the execution is named after the sweepId. Starting a sweep whose execution
 * exists resumes it under a new execution name (trials whose record exists are skipped), unless it still runs.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { usedColumns } from '../../shared/data/parse';
import { SpecError, UsageError } from '../../shared/errors';
import { assertDatasetName, assertSweepId, datasetLocation, newSweepId, sweepPrefix } from '../../shared/store/layout';
import {
  AwsSetupError,
  awsCall,
  createSfnClient,
  DEFAULT_STACK_NAME,
  describeStack,
  explainAwsError,
  openStore,
  STACK_OUTPUTS,
  stackOutput,
  type AwsOptions,
} from '../aws';
import { resolveGrid } from '../../shared/search/default-grid';
import type { CostEstimate } from '../../shared/cost/estimate';
import { shapeOf } from '../../shared/plan/cost';
import { sweepCost, type SweepCost } from '../cost';
import { checkGrid, checkLocalDataset, isS3Source, readSpecFile, resolveLocalDataset } from '../../api/validate';
import { action, awsOptions, carriedFlags, kb, note, out, putDataset, quote, readLocalFile, stackOption, withAwsOptions, type CommonFlags } from './common';

export interface StartOptions {
  /** The sweep spec (JSON). */
  readonly specFile: string;
  /** @default the spec's sweepId, else a fresh one */
  readonly sweepId?: string;
  /** @default DEFAULT_STACK_NAME */
  readonly stack?: string;
  readonly aws: AwsOptions;
  /** Progress notes. */
  readonly log: (line: string) => void;
}

/** What was started; `--json` prints it as is. */
export interface StartResult {
  readonly executionArn: string;
  readonly executionName: string;
  readonly sweepId: string;
  readonly stateMachineArn: string;
  readonly bucket: string;
  /** The dataset's s3:// URI the execution reads. */
  readonly dataset: string;
  readonly trials: number;
  readonly configs: number;
  readonly folds: number;
  /** Whether an earlier execution of the sweep existed (this one resumes it). */
  readonly resumed: boolean;
  /** The cost estimate for the settings in cdk.json (when the dataset was a local file). */
  readonly cost?: CostEstimate;
  /** The estimate as printed. */
  readonly costLines: readonly string[];
}

/** The longest execution name Step Functions accepts. */
const MAX_EXECUTION_NAME = 80;

function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export async function startSweep(o: StartOptions): Promise<StartResult> {
  // 1. everything that can be checked offline, before any AWS call
  const { spec, raw } = readSpecFile(o.specFile);
  const grid = checkGrid(spec, resolveGrid(spec)); // the trial count (a default grid's size does not depend on the data)
  if (o.sweepId !== undefined) {
    try {
      assertSweepId(o.sweepId);
    } catch (e) {
      throw new UsageError(`--sweep-id: ${(e as Error).message}`);
    }
    if (spec.sweepId !== undefined && spec.sweepId !== o.sweepId) o.log(`note: --sweep-id ${o.sweepId} replaces the spec's sweepId ${spec.sweepId}`);
  }
  const sweepId = o.sweepId ?? spec.sweepId ?? newSweepId(spec);
  const source = spec.dataset.source;
  let local: { name: string; bytes: Buffer } | undefined;
  let cost: SweepCost | undefined; // a dataset already in S3 is not read here: PlanSweep checks limits.maxCostUsd
  if (!isS3Source(source)) {
    const file = resolveLocalDataset(source, o.specFile);
    if (!file) throw new UsageError(`${o.specFile}: dataset.source ${source}: no such file (relative to the spec file or to the current directory)`);
    const name = path.basename(file);
    try {
      assertDatasetName(name);
    } catch (e) {
      throw new UsageError(
        `${o.specFile}: dataset.source ${source}: ${(e as Error).message}; rename the file, or upload it with regsweep upload-dataset --name and use its s3:// URI`,
      );
    }
    const { dataset, plan } = await checkLocalDataset(spec, file);
    o.log(`${source}: ${dataset.y.length} rows, ${usedColumns(dataset).length} features; ${plan.test.length} test rows held out`);
    cost = sweepCost(spec, grid.worstCase, shapeOf(plan, dataset), o.specFile);
    local = { name, bytes: readLocalFile(file, 'dataset.source') };
  }

  // 2. the stack
  const stack = await describeStack(o.aws, o.stack ?? DEFAULT_STACK_NAME);
  const stateMachineArn = stackOutput(stack, STACK_OUTPUTS.stateMachineArn);
  const bucket = stackOutput(stack, STACK_OUTPUTS.bucketName);

  // 3. the dataset in the stack's bucket
  const store = openStore({ region: stack.region, ...o.aws }, bucket);
  let datasetUri: string;
  try {
    if (local) {
      const r = await putDataset(store, local.name, local.bytes);
      datasetUri = r.uri;
      o.log(
        r.uploaded
          ? `${r.replaced ? 'replaced' : 'uploaded'} ${r.uri} (${kb(local.bytes.byteLength)})`
          : `${r.uri} already holds ${source}: not uploaded again`,
      );
    } else {
      const { key } = datasetLocation(spec, bucket); // same bucket, under datasets/: what PlanSweep requires
      let head: { etag: string } | undefined | 'unknown';
      try {
        head = await store.head(key);
      } catch {
        head = 'unknown'; // no s3:GetObject permission here is no reason to refuse: PlanSweep checks it again
      }
      if (head === undefined) throw new SpecError(`${o.specFile}: dataset.source ${source} not found (upload it with regsweep upload-dataset)`);
      datasetUri = source;
    }
  } finally {
    store.client.destroy();
  }

  // 4. the execution: input = the spec as written, with its sweepId and the dataset's s3:// URI
  const rawDataset = (raw.dataset ?? {}) as Record<string, unknown>;
  const input = JSON.stringify({ ...raw, sweepId, dataset: { ...rawDataset, source: datasetUri } });
  const sfn = await createSfnClient({ region: stack.region });
  let executionArn: string;
  let executionName = sweepId;
  let resumed = false;
  try {
    const { StartExecutionCommand, DescribeExecutionCommand } = await import('@aws-sdk/client-sfn');
    const startNamed = (name: string) => sfn.send(new StartExecutionCommand({ stateMachineArn, name, input }));
    try {
      executionArn = (await startNamed(sweepId)).executionArn!;
    } catch (e) {
      if ((e as Error).name !== 'ExecutionAlreadyExists') throw explainAwsError(e, `Step Functions StartExecution ${sweepId}`);
      // An earlier execution of this sweep: resume it under a new execution name, unless it is still running.
      const previousArn = executionArnOf(stateMachineArn, sweepId);
      const previous = await awsCall(`Step Functions DescribeExecution ${previousArn}`, () =>
        sfn.send(new DescribeExecutionCommand({ executionArn: previousArn })),
      );
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
  return {
    executionArn,
    executionName,
    sweepId,
    stateMachineArn,
    bucket,
    dataset: datasetUri,
    trials: grid.items.length,
    configs: grid.configs,
    folds: grid.folds,
    resumed,
    ...(cost ? { cost: cost.estimate } : {}),
    costLines: cost?.lines ?? ['cost:     not estimated: the dataset is already in S3 and not read here; PlanSweep checks limits.maxCostUsd'],
  };
}

/** What start prints: the sweep, its execution and the commands to follow it. */
export function startLines(r: StartResult, flags: CommonFlags & { stack?: string }): string[] {
  return [
    `sweep      ${r.sweepId}${r.resumed ? ' (resumed: trials whose record exists are skipped)' : ''}`,
    `execution  ${r.executionArn}`,
    `dataset    ${r.dataset}`,
    `trials     ${r.configs} configs x ${r.folds} folds = ${r.trials}`,
    ...r.costLines,
    `results    s3://${r.bucket}/${sweepPrefix(r.sweepId)}`,
    'next:',
    `  npx regsweep status ${quote(r.executionArn)}${carriedFlags({ region: flags.region, s3Endpoint: flags.s3Endpoint })}`,
    `  npx regsweep results ${r.sweepId}${carriedFlags(flags)}`,
  ];
}

interface StartFlags extends CommonFlags {
  spec: string;
  stack?: string;
  sweepId?: string;
  json?: boolean;
}

export function registerStart(program: Command): void {
  const cmd = program
    .command('start')
    .description('start a sweep on the deployed stack: validate the spec, upload a local dataset, StartExecution')
    .requiredOption('--spec <file>', 'sweep spec (JSON); a local dataset.source is uploaded to datasets/<file name> first')
    .option('--sweep-id <id>', "the sweep's id (default: the spec's sweepId, else a fresh one); an existing sweep's id resumes it")
    .option('--json', 'print { executionArn, sweepId, ... } as JSON');
  stackOption(cmd);
  withAwsOptions(cmd).action(
    action('start', async (flags: StartFlags) => {
      const r = await startSweep({ specFile: flags.spec, sweepId: flags.sweepId, stack: flags.stack, aws: awsOptions(flags), log: note });
      out(flags.json ? [JSON.stringify(r, null, 2)] : startLines(r, flags));
    }),
  );
}
