/**
 * What the deployed stack promises the CLI and the local harness, with no CDK import (so the CLI can use it
 * without loading the CDK app): the default stack name, the names of the stack's outputs and the workflow's
 * state names. infra/ builds the stack from these; cli/ and local/ read them.
 */

/** The stack name `npx cdk deploy` uses unless `-c stackName=...`. */
export const DEFAULT_STACK_NAME = 'Regsweep';

/** CloudFormation output keys of the stack. */
export const STACK_OUTPUTS = { stateMachineArn: 'StateMachineArn', bucketName: 'BucketName', topicArn: 'TopicArn' } as const;

/** State names of the sweep workflow. */
export const STATE_NAMES = {
  plan: 'PlanSweep',
  map: 'RunTrials',
  trial: 'TrainTrial',
  aggregate: 'Aggregate',
  checkFailures: 'CheckFailures',
  refit: 'RefitBest',
  summarize: 'Summarize',
  succeeded: 'SweepSucceeded',
  tooManyTrialsFailed: 'TooManyTrialsFailed',
  tooManyBatchesFailed: 'TooManyBatchesFailed',
  failed: 'SweepFailed',
} as const;
