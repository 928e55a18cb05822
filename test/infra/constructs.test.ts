/**
 * The constructs validate their own props (after defaults), with messages that show the bad value.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { parseConfig } from '../../infra/config';
import { SweepFunctions, type SweepFunctionsProps } from '../../infra/functions';
import { SweepAlarms } from '../../infra/monitoring';
import { SweepSchedules } from '../../infra/schedules';
import { SweepBucket, type SweepBucketProps } from '../../infra/storage';
import { SweepWorkflow, type SweepWorkflowProps } from '../../infra/workflow';
import { removeTempDirs, tempDir } from './support';

afterAll(removeTempDirs);

/** A stack in an app that skips asset bundling (these tests never synthesize). */
function newStack(): Stack {
  return new Stack(new App({ outdir: tempDir(), context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
}

function fn(stack: Stack, id: string): lambda.IFunction {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler=async()=>1'),
  });
}

describe('SweepBucket', () => {
  it.each<[Partial<SweepBucketProps>, RegExp]>([
    [{ sweepRetentionDays: 0 }, /^sweepRetentionDays must be an integer >= 1, got 0$/],
    [{ accessLogRetentionDays: 2.5 }, /^accessLogRetentionDays must be an integer >= 1, got 2\.5$/],
  ])('rejects %j', (props, message) => {
    expect(() => new SweepBucket(newStack(), 'Storage', props)).toThrow(message);
  });
});

describe('SweepFunctions', () => {
  const make = (props: Partial<SweepFunctionsProps>) => {
    const stack = newStack();
    return new SweepFunctions(stack, 'Functions', { bucket: new s3.Bucket(stack, 'B'), trialRuntime: 'zip', ...props });
  };

  it.each<[Partial<SweepFunctionsProps>, RegExp]>([
    [{ trialRuntime: 'docker' as never }, /^trialRuntime must be 'container' or 'zip', got "docker"$/],
    [{ trial: { memoryMb: 64 } }, /^trial\.memoryMb must be an integer in 128\.\.10240, got 64$/],
    [{ refit: { timeoutSeconds: 901 } }, /^refit\.timeoutSeconds must be an integer in 1\.\.900, got 901$/],
    [{ plan: { timeoutSeconds: 0 } }, /^plan\.timeoutSeconds must be an integer in 1\.\.900, got 0$/],
  ])('rejects %j', (props, message) => {
    expect(() => make(props)).toThrow(message);
  });
});

describe('SweepWorkflow', () => {
  const make = (props: Partial<SweepWorkflowProps>) => {
    const stack = newStack();
    return new SweepWorkflow(stack, 'Workflow', {
      bucket: new s3.Bucket(stack, 'B'),
      plan: fn(stack, 'P'),
      trial: fn(stack, 'T'),
      aggregate: fn(stack, 'A'),
      refit: fn(stack, 'R'),
      ...props,
    });
  };

  it('builds with its defaults', () => {
    expect(make({}).stateMachine).toBeInstanceOf(sfn.StateMachine);
  });

  it.each<[Partial<SweepWorkflowProps>, RegExp]>([
    [{ maxConcurrency: 0 }, /^maxConcurrency must be an integer in 1\.\.10000, got 0$/],
    [{ toleratedFailurePercentage: 101 }, /^toleratedFailurePercentage must be in 0\.\.100, got 101$/],
    [{ trialTimeoutSeconds: 1000 }, /^trialTimeoutSeconds must be an integer in 1\.\.900, got 1000$/],
  ])('rejects %j', (props, message) => {
    expect(() => make(props)).toThrow(message);
  });
});

describe('SweepAlarms', () => {
  it('rejects a period that is not whole minutes', () => {
    const stack = newStack();
    const stateMachine = new sfn.StateMachine(stack, 'SM', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'P')) });
    expect(() => new SweepAlarms(stack, 'Alarms', { stateMachine, period: Duration.seconds(90) })).toThrow(
      /^period must be a whole number of minutes, got 1 minute 30 seconds$/,
    );
  });
});

describe('SweepSchedules', () => {
  it('rejects a schedule whose full name would exceed 64 characters', () => {
    const stack = newStack();
    const stateMachine = new sfn.StateMachine(stack, 'SM', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'P')) });
    const { schedules } = parseConfig({
      schedules: [
        {
          name: 'a-rather-long-schedule-name-for-a-sweep',
          expression: 'rate(1 day)',
          spec: { dataset: { source: 's3://b/datasets/d.csv', target: 'y', task: 'regression' }, search: { types: ['none'] } },
        },
      ],
    });
    expect(
      () =>
        new SweepSchedules(stack, 'Schedules', { stateMachine, bucket: new s3.Bucket(stack, 'B'), schedules, namePrefix: 'RegsweepWithAVeryLongStackName' }),
    ).toThrow(/^schedule name "RegsweepWithAVeryLongStackName-a-rather-long-schedule-name-for-a-sweep" is longer than 64 characters/);
  });
});
