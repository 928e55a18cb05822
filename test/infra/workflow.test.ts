/**
 * The synthesized state machine, read back as ASL: states and their order, the Distributed Map's settings, the
 * trial task's retries, the catches that route to the Fail states, logging and tracing, and the ASL schema.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { STATE_NAMES } from '../../infra/contract';
import { LAMBDA_TRANSIENT_ERRORS, TRIAL_STATE_TIMEOUT_MARGIN_SECONDS } from '../../infra/workflow';
import {
  asArray,
  onlyResourceId,
  placeholderOf,
  roleIdOf,
  stateMachineDefinition,
  statementResources,
  statementsOfRole,
  synthesize,
  type Asl,
  type AslState,
  removeTempDirs,
} from './support';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: (sep?: string) => string };

let template: Template;
let asl: Asl;
let bucketName: string;
const fnArn: Record<'plan' | 'trial' | 'aggregate' | 'refit', string> = { plan: '', trial: '', aggregate: '', refit: '' };

beforeAll(() => {
  template = synthesize().template;
  asl = stateMachineDefinition(template);
  const bucketId = onlyResourceId(template, 'AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } });
  bucketName = placeholderOf(template, { Ref: bucketId });
  const byDescription = (d: string) =>
    placeholderOf(template, {
      'Fn::GetAtt': [onlyResourceId(template, 'AWS::Lambda::Function', { Description: Match.stringLikeRegexp(`^regsweep ${d}:`) }), 'Arn'],
    });
  fnArn.plan = byDescription('PlanSweep');
  fnArn.trial = byDescription('TrainTrial');
  fnArn.aggregate = byDescription('Aggregate');
  fnArn.refit = byDescription('RefitBest');
});

afterAll(removeTempDirs);

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

/** The chain of Next transitions from StartAt. */
function mainPath(def: Asl): string[] {
  const out: string[] = [];
  let at: string | undefined = def.StartAt;
  while (at !== undefined && !out.includes(at)) {
    out.push(at);
    at = def.States[at].Next as string | undefined;
  }
  return out;
}

function expectTransientRetry(state: AslState): void {
  const retry = state.Retry!.find((r) => r.ErrorEquals.includes('Lambda.ServiceException'));
  expect(retry).toBeDefined();
  expect(retry!.ErrorEquals).toEqual(expect.arrayContaining([...LAMBDA_TRANSIENT_ERRORS]));
  expect(retry!.ErrorEquals).toEqual(expect.arrayContaining(['Lambda.TooManyRequestsException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException']));
  expect(retry!.BackoffRate).toBeGreaterThan(1);
  expect(retry!.MaxAttempts).toBeGreaterThanOrEqual(3);
  expect(retry!.IntervalSeconds).toBeGreaterThan(0);
  expect(retry!.JitterStrategy).toBe('FULL');
}

describe('states', () => {
  it('runs PlanSweep -> RunTrials -> Aggregate -> CheckFailures -> RefitBest -> Summarize -> SweepSucceeded, with three Fail states', () => {
    expect(mainPath(asl)).toEqual(['PlanSweep', 'RunTrials', 'Aggregate', 'CheckFailures']);
    expect(asl.States.CheckFailures.Default).toBe('RefitBest');
    expect(mainPath({ ...asl, StartAt: 'RefitBest' })).toEqual(['RefitBest', 'Summarize', 'SweepSucceeded']);
    expect(Object.keys(asl.States).sort()).toEqual(
      Object.values(STATE_NAMES)
        .filter((n) => n !== 'TrainTrial')
        .sort(),
    );
    expect(asl.States.SweepSucceeded.Type).toBe('Succeed');
    expect(asl.States.TooManyTrialsFailed.Type).toBe('Fail');
    expect(asl.States.TooManyBatchesFailed.Type).toBe('Fail');
    expect(asl.States.SweepFailed.Type).toBe('Fail');
  });

  it('is JSONPath, not JSONata', () => {
    expect(asl.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(JSON.stringify(asl)).not.toMatch(/JSONata|\{%/);
  });

  it("PlanSweep sends the whole execution input as the spec, with the deployment's batch sizes, and keeps only the payload", () => {
    expect(asl.States.PlanSweep).toMatchObject({
      Type: 'Task',
      Resource: LAMBDA_INVOKE,
      Parameters: { FunctionName: fnArn.plan, Payload: { 'spec.$': '$', batching: { exactBatchSize: 100, sgdBatchSize: 1 } } },
      OutputPath: '$.Payload',
    });
    expectTransientRetry(asl.States.PlanSweep);
  });

  it('Aggregate (with the tolerated percentage) and RefitBest get the sweepId and put their results at $.aggregate and $.refit', () => {
    expect(asl.States.Aggregate).toMatchObject({
      Type: 'Task',
      Resource: fnArn.aggregate,
      Parameters: { 'sweepId.$': '$.sweepId', toleratedFailurePercentage: 10 },
      ResultPath: '$.aggregate',
    });
    expect(asl.States.RefitBest).toMatchObject({ Type: 'Task', Resource: fnArn.refit, Parameters: { 'sweepId.$': '$.sweepId' }, ResultPath: '$.refit' });
    expectTransientRetry(asl.States.Aggregate);
    expectTransientRetry(asl.States.RefitBest);
  });

  it('the output is { sweepId, aggregate, refit }', () => {
    expect(asl.States.Summarize).toEqual({
      Type: 'Pass',
      Parameters: { 'sweepId.$': '$.sweepId', 'aggregate.$': '$.aggregate', 'refit.$': '$.refit' },
      Next: 'SweepSucceeded',
    });
  });
});

describe('RunTrials (Distributed Map)', () => {
  it('is a DISTRIBUTED map of STANDARD child executions whose result lands at $.map', () => {
    expect(asl.States.RunTrials).toMatchObject({
      Type: 'Map',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'TrainTrial' },
      ResultPath: '$.map',
    });
  });

  it('runs EXPRESS child executions when cdk.json says childExecutionType EXPRESS (a trial timeout that fits in 5 minutes)', () => {
    const express = stateMachineDefinition(synthesize({ childExecutionType: 'EXPRESS', trialTimeoutSeconds: 240 }).template);
    expect(express.States.RunTrials.ItemProcessor).toMatchObject({ ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' } });
  });

  it('hands TrainTrial batches of $.batchSize items (the plan chose it) under 256 KiB, with the sweepId in BatchInput', () => {
    expect(asl.States.RunTrials.ItemBatcher).toEqual({
      MaxItemsPerBatchPath: '$.batchSize',
      MaxInputBytesPerBatch: 262_144,
      BatchInput: { 'sweepId.$': '$.sweepId' },
    });
  });

  it('reads the manifest, a JSON array in the sweep bucket at $.manifestKey, passing each item as it is', () => {
    expect(asl.States.RunTrials.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { Bucket: bucketName, 'Key.$': '$.manifestKey' },
    });
    expect(asl.States.RunTrials.ItemSelector).toBeUndefined();
    expect(asl.States.RunTrials.Parameters).toBeUndefined();
  });

  it('runs at most maxConcurrency trials at once and tolerates toleratedFailurePercentage failures', () => {
    expect(asl.States.RunTrials.MaxConcurrency).toBe(100);
    expect(asl.States.RunTrials.ToleratedFailurePercentage).toBe(10);
    expect(asl.States.RunTrials.ToleratedFailureCount).toBeUndefined();
  });

  it('writes its run results to the bucket under sweeps/<sweepId>/map-results', () => {
    expect(asl.States.RunTrials.ResultWriter).toEqual({
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { Bucket: bucketName, 'Prefix.$': "States.Format('sweeps/{}/map-results', $.sweepId)" },
      WriterConfig: { OutputType: 'JSON', Transformation: 'COMPACT' },
    });
  });

  it('routes States.ExceedToleratedFailureThreshold to TooManyBatchesFailed, and any other error to SweepFailed', () => {
    expect(asl.States.RunTrials.Catch).toEqual([
      { ErrorEquals: ['States.ExceedToleratedFailureThreshold'], ResultPath: '$.error', Next: 'TooManyBatchesFailed' },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'SweepFailed' },
    ]);
  });

  it('TooManyBatchesFailed fails with the threshold error and a cause naming the map error and the failed records', () => {
    const fail = asl.States.TooManyBatchesFailed;
    expect(fail.Error).toBe('States.ExceedToleratedFailureThreshold');
    expect(fail.Cause).toBeUndefined();
    expect(fail.CausePath).toMatch(/^States\.Format\('.*s3:\/\/\{\}\/sweeps\/\{\}\/trials\/.*', .*\)$/);
    const args = /', (.*)\)$/.exec(fail.CausePath!)![1].split(', ');
    expect(args).toEqual(['$.trialCount', '$.error.Cause', '$.bucket', '$.sweepId', '$.bucket', '$.sweepId']);
    expect(fail.CausePath).toContain('More than 10% of the {} trials were in batches that failed as a whole');
  });

  it("CheckFailures sends a sweep with more failed trials than tolerated (Aggregate's count) to TooManyTrialsFailed, with Aggregate's cause", () => {
    expect(asl.States.CheckFailures).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.aggregate.tooManyFailed', BooleanEquals: true, Next: 'TooManyTrialsFailed' }],
      Default: 'RefitBest',
    });
    expect(asl.States.TooManyTrialsFailed).toEqual({ Type: 'Fail', Error: 'States.ExceedToleratedFailureThreshold', CausePath: '$.aggregate.cause' });
  });

  it('routes any failure of PlanSweep (bad spec or dataset, out of memory, timeout) to SweepFailed', () => {
    expect(asl.States.PlanSweep.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'SweepFailed' }]);
  });

  it('SweepFailed keeps the error and cause of what failed', () => {
    expect(asl.States.SweepFailed).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
    for (const name of ['Aggregate', 'RefitBest']) {
      expect(asl.States[name].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'SweepFailed' }]);
    }
  });
});

describe('TrainTrial (item processor)', () => {
  const processor = () => asl.States.RunTrials.ItemProcessor as Asl;

  it('invokes the trial function with the batch and keeps its payload', () => {
    expect(Object.keys(processor().States)).toEqual(['TrainTrial']);
    expect(processor().States.TrainTrial).toMatchObject({
      Type: 'Task',
      Resource: LAMBDA_INVOKE,
      Parameters: { FunctionName: fnArn.trial, 'Payload.$': '$' },
      OutputPath: '$.Payload',
      End: true,
    });
  });

  it('times out after the function timeout plus a margin', () => {
    expect(processor().States.TrainTrial.TimeoutSeconds).toBe(900 + TRIAL_STATE_TIMEOUT_MARGIN_SECONDS);
  });

  it('retries Lambda service errors and throttling with exponential backoff and jitter, and nothing else', () => {
    const retry = processor().States.TrainTrial.Retry!;
    expectTransientRetry(processor().States.TrainTrial);
    for (const r of retry) expect(r.ErrorEquals.every((e) => e.startsWith('Lambda.'))).toBe(true);
  });

  it('has no Catch anywhere in the item processor, so a failed trial fails its child execution', () => {
    for (const state of Object.values(processor().States)) expect(state.Catch).toBeUndefined();
  });
});

describe('the state machine resource', () => {
  it('logs every event with execution data and traces with X-Ray', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } } }],
      },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('may read only manifests and write only map results in the sweep bucket, and list nothing', () => {
    // Prepare
    const bucketId = onlyResourceId(template, 'AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } });
    const bucketArn = placeholderOf(template, { 'Fn::GetAtt': [bucketId, 'Arn'] });
    const smRole = roleIdOf(template, onlyResourceId(template, 'AWS::StepFunctions::StateMachine'), 'RoleArn');
    const s3Statements = statementsOfRole(template, smRole).filter((st) => asArray(st.Action).some((a) => a.startsWith('s3:')));
    const resourcesFor = (action: string) =>
      s3Statements
        .filter((st) => asArray(st.Action).includes(action))
        .flatMap((st) => statementResources(template, st))
        .sort();
    const manifests = `${bucketArn}/sweeps/*/manifest.json`;
    const mapResults = `${bucketArn}/sweeps/*/map-results/*`;

    // Assess: the ResultWriter's actions on map-results/ only, the ItemReader's GetObject on manifests only...
    const objects = (pattern: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${pattern}`]] });
    for (const statement of [
      { Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'], Resource: objects('sweeps/*/map-results/*') },
      { Action: 's3:GetObject', Resource: objects('sweeps/*/manifest.json') },
    ]) {
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: smRole }],
        PolicyDocument: { Statement: Match.arrayWith([{ ...statement, Effect: 'Allow' }]) },
      });
    }
    // ...and nothing else: no other key, no listing
    expect(resourcesFor('s3:GetObject')).toEqual([manifests, mapResults].sort());
    for (const action of ['s3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload']) expect(resourcesFor(action)).toEqual([mapResults]);
    expect(new Set(s3Statements.flatMap((st) => asArray(st.Action)))).toEqual(
      new Set(['s3:GetObject', 's3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload']),
    );
  });

  it('is a valid Amazon States Language definition (asl-validator)', () => {
    const result = aslValidator(JSON.parse(JSON.stringify(asl)));
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });
});
