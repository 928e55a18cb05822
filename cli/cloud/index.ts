/**
 * The commands that drive a deployed stack (docs/DEPLOY.md), one module each:
 *
 *   regsweep upload-dataset FILE   validate a CSV/JSONL file locally, then PutObject it to datasets/<name>
 *   regsweep start --spec FILE     validate the spec (and its local dataset, uploaded first), StartExecution
 *   regsweep status EXECUTION_ARN  the execution's state; progress while running, the decision when done
 *   regsweep results SWEEP_ID      the leaderboard and the decision from S3 (and the HTML report)
 *
 * Each module has a plain function that takes its options and returns data (uploadDataset, startSweep,
 * executionStatus, sweepResults), the lines that print it, and its commander registration. The stack is found
 * by name (--stack, default Regsweep) through CloudFormation DescribeStacks: its outputs BucketName and
 * StateMachineArn.
 */
import type { Command } from 'commander';
import { registerResults } from './results';
import { registerStart } from './start';
import { registerStatus } from './status';
import { registerUploadDataset } from './upload-dataset';

/** upload-dataset, start, status and results. */
export function registerCloud(program: Command): void {
  registerUploadDataset(program);
  registerStart(program);
  registerStatus(program);
  registerResults(program);
}
