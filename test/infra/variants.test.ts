/**
 * A non-default configuration: the zip trial on the wasm backend, other sizes and map settings, schedules, an
 * alarm email, and removalPolicy destroy. cdk-nag must pass here too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { TRIAL_STATE_TIMEOUT_MARGIN_SECONDS } from '../../infra/workflow';
import {
  asArray,
  onlyResourceId,
  placeholderOf,
  resolveTokens,
  roleIdOf,
  resourcesOf,
  stateMachineDefinition,
  statementResources,
  statementsOfRole,
  synthesize,
  type Asl,
  type GetAtt,
  type Json,
  type Resources,
  removeTempDirs,
  type Synthesized,
} from './support';

const nightlySpec = {
  dataset: { source: 's3://${BucketName}/datasets/diabetes.csv', target: 'target', task: 'regression' },
  search: { types: ['l1', 'l2'], lambda: { min: 0.001, max: 10, count: 9 } },
  validation: { folds: 5 },
};
const weeklySpec = {
  dataset: { source: 's3://my-fixed-bucket/datasets/breast_cancer.csv', target: 'diagnosis', task: 'classification' },
  search: { types: ['dropout'], dropout: [0.1, 0.3, 0.5] },
};
const config = {
  trialRuntime: 'zip',
  trialMemoryMb: 4096,
  trialTimeoutSeconds: 600,
  maxConcurrency: 25,
  toleratedFailurePercentage: 5,
  exactBatchSize: 60,
  sgdBatchSize: 2,
  sweepRetentionDays: 30,
  removalPolicy: 'destroy',
  alarmEmail: 'ml-team@example.com',
  schedules: [
    { name: 'nightly', expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Paris', spec: nightlySpec },
    { name: 'weekly', expression: 'rate(7 days)', enabled: false, spec: weeklySpec },
  ],
};

let s: Synthesized;
let template: Template;
let asl: Asl;
let resources: Resources;
let bucketId: string;
let smId: string;

beforeAll(() => {
  s = synthesize(config);
  template = s.template;
  asl = stateMachineDefinition(template);
  resources = resourcesOf(template);
  bucketId = onlyResourceId(template, 'AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } });
  smId = onlyResourceId(template, 'AWS::StepFunctions::StateMachine');
});

afterAll(removeTempDirs);

describe("trialRuntime: 'zip'", () => {
  it('makes the trial a nodejs22.x zip function on the wasm backend, with memory and timeout from config', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^regsweep TrainTrial:'),
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      MemorySize: 4096,
      Timeout: 600,
      Environment: { Variables: { BUCKET_NAME: { Ref: bucketId }, REGSWEEP_BACKEND: 'wasm', TFJS_WASM_DIR: '/var/task/' } },
    });
    expect(template.findResources('AWS::Lambda::Function', { Properties: { PackageType: 'Image' } })).toEqual({});
  });

  it("sets no test-only fault hook on any function (REGSWEEP_FAULTS is the local harness tests' alone)", () => {
    const fns = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(fns.length).toBeGreaterThanOrEqual(4);
    for (const f of fns)
      expect(Object.keys((f.Properties.Environment as { Variables?: object } | undefined)?.Variables ?? {})).not.toContain('REGSWEEP_FAULTS');
  });

  it('stages no container image', () => {
    const assets = JSON.parse(fs.readFileSync(path.join(s.outdir, `${s.stack.artifactId}.assets.json`), 'utf8')) as { dockerImages?: object };
    expect(Object.keys(assets.dockerImages ?? {})).toEqual([]);
  });

  it('keeps the trial role as narrow as in the container variant', () => {
    const fnId = onlyResourceId(template, 'AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^regsweep TrainTrial:') });
    const roleId = roleIdOf(template, fnId, 'Role');
    const bucketArn = placeholderOf(template, { 'Fn::GetAtt': [bucketId, 'Arn'] });
    const put = statementsOfRole(template, roleId)
      .filter((st) => asArray(st.Action).includes('s3:PutObject'))
      .flatMap((st) => statementResources(template, st));
    expect(put).toEqual([`${bucketArn}/sweeps/*/trials/*`]);
  });
});

describe('map settings from config', () => {
  it('uses maxConcurrency, toleratedFailurePercentage (the Map over batches, Aggregate over trials), the batch sizes and the trial timeout', () => {
    expect(asl.States.RunTrials.MaxConcurrency).toBe(25);
    expect(asl.States.RunTrials.ToleratedFailurePercentage).toBe(5);
    expect(asl.States.RunTrials.ItemProcessor!.States.TrainTrial.TimeoutSeconds).toBe(600 + TRIAL_STATE_TIMEOUT_MARGIN_SECONDS);
    expect(asl.States.TooManyBatchesFailed.CausePath).toContain('More than 5% of the {} trials were in batches that failed as a whole');
    expect((asl.States.Aggregate.Parameters as Record<string, unknown>).toleratedFailurePercentage).toBe(5);
    expect((asl.States.PlanSweep.Parameters as { Payload: Record<string, unknown> }).Payload.batching).toEqual({ exactBatchSize: 60, sgdBatchSize: 2 });
  });

  it('expires sweeps/ after sweepRetentionDays', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'sweeps/', ExpirationInDays: 30 })]) },
    });
  });
});

describe('schedules', () => {
  const schedule = (name: string) => {
    const id = onlyResourceId(template, 'AWS::Scheduler::Schedule', { Name: `Regsweep-${name}` });
    return resources[id].Properties as { Target: { Input: Json; RoleArn: GetAtt }; [k: string]: unknown };
  };

  it('creates one EventBridge Scheduler schedule per entry, with its expression, time zone and state', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'Regsweep-nightly',
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: { Ref: smId }, RoleArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'Regsweep-weekly',
      ScheduleExpression: 'rate(7 days)',
      State: 'DISABLED',
      Target: { Arn: { Ref: smId } },
    });
    expect(schedule('weekly').ScheduleExpressionTimezone).toBe('Etc/UTC');
  });

  it('starts the state machine with the spec verbatim as the execution input', () => {
    expect(JSON.parse(schedule('weekly').Target.Input as string)).toEqual(weeklySpec);
  });

  it('binds ${BucketName} in dataset.source to the stack bucket, leaving the rest of the spec as written', () => {
    const input = JSON.parse(resolveTokens(schedule('nightly').Target.Input, resources)) as unknown;
    const bucket = placeholderOf(template, { Ref: bucketId });
    expect(input).toEqual({ ...nightlySpec, dataset: { ...nightlySpec.dataset, source: `s3://${bucket}/datasets/diabetes.csv` } });
  });

  it("the schedules' role may only start executions of this state machine", () => {
    const roleId = schedule('nightly').Target.RoleArn['Fn::GetAtt'][0];
    expect(schedule('weekly').Target.RoleArn['Fn::GetAtt'][0]).toBe(roleId);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': Match.anyValue() } } }),
        ],
      },
    });
    const statements = statementsOfRole(template, roleId);
    expect(statements.flatMap((st) => asArray(st.Action))).toEqual(['states:StartExecution']);
    expect(statements.flatMap((st) => asArray(st.Resource))).toEqual([{ Ref: smId }]);
  });
});

describe('alarm email and removal policy', () => {
  it('subscribes alarmEmail to the topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ml-team@example.com',
      TopicArn: { Ref: onlyResourceId(template, 'AWS::SNS::Topic') },
    });
  });

  it("removalPolicy 'destroy' deletes (and first empties) both buckets, and deletes the log groups", () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    for (const b of Object.values(buckets)) expect(b).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
    for (const g of Object.values(template.findResources('AWS::Logs::LogGroup'))) expect(g.DeletionPolicy).toBe('Delete');
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding for this variant either', () => {
    expect(s.nagError).toBeUndefined();
    expect(s.nagViolations).toEqual([]);
  });
});
