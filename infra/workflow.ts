/**
 * The sweep state machine (JSONPath):
 *
 *   PlanSweep -> RunTrials (Distributed Map over manifest.json; item processor: TrainTrial)
 *             -> Aggregate -> RefitBest -> Summarize -> SweepSucceeded
 *   RunTrials --States.ExceedToleratedFailureThreshold--> TooManyTrialsFailed (Fail)
 *   PlanSweep / RunTrials / Aggregate / RefitBest --States.ALL--> SweepFailed (Fail)
 *
 * The state after PlanSweep is the plan's result `{ sweepId, bucket, manifestKey, trialCount }`; RunTrials adds
 * `map` (the map run ARN and where its results are), Aggregate `aggregate`, RefitBest `refit`; the output is
 * `{ sweepId, aggregate, refit }`.
 *
 * Failure semantics (docs/ARCHITECTURE.md): TrainTrial retries Lambda service errors and throttling with backoff and jitter; a
 * trial that still fails fails its child execution (the handler has already written its `failed` record), with no
 * Catch that would turn it into a success. The Map's ToleratedFailurePercentage decides whether the sweep goes on.
 */
import { Aws, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { STATE_NAMES } from './contract';
import { MANIFEST, MAP_RESULTS } from './functions';
import { SWEEPS_PREFIX } from './storage';

/** Transient Lambda errors every task retries. */
export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
] as const;

/** Seconds the TrainTrial state waits beyond the function's own timeout, so Lambda's timeout error is the one seen. */
export const TRIAL_STATE_TIMEOUT_MARGIN_SECONDS = 60;

/** Prefix (under the bucket) where the Distributed Map writes its run results, as a JSONPath intrinsic. */
export const MAP_RESULTS_PREFIX_FORMAT = `${SWEEPS_PREFIX}{}/map-results`;

/** CDK's S3JsonItemReader, with s3:GetObject on the manifests only (CDK's own grant covers the whole bucket). */
class ManifestReader extends sfn.S3JsonItemReader {
  constructor(
    private readonly sweepBucket: s3.IBucket,
    key: string,
  ) {
    super({ bucket: sweepBucket, key });
  }

  override providePolicyStatements(): iam.PolicyStatement[] {
    return [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.sweepBucket.arnForObjects(MANIFEST)] })];
  }
}

/**
 * CDK's ResultWriterV2, with the actions a ResultWriter needs (PutObject, GetObject and the multipart-upload
 * ones, as CDK and the Step Functions docs list them) on the map-results prefixes only, not the whole bucket.
 */
class MapResultsWriter extends sfn.ResultWriterV2 {
  constructor(
    private readonly sweepBucket: s3.IBucket,
    prefix: string,
    writerConfig: sfn.WriterConfig,
  ) {
    super({ bucket: sweepBucket, prefix, writerConfig });
  }

  override providePolicyStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [this.sweepBucket.arnForObjects(MAP_RESULTS)],
      }),
    ];
  }
}

export interface SweepWorkflowProps {
  readonly bucket: s3.IBucket;
  readonly plan: lambda.IFunction;
  readonly trial: lambda.IFunction;
  readonly aggregate: lambda.IFunction;
  readonly refit: lambda.IFunction;
  /** The trial function's timeout; TrainTrial's TimeoutSeconds adds TRIAL_STATE_TIMEOUT_MARGIN_SECONDS. @default 900 */
  readonly trialTimeoutSeconds?: number;
  /** Trials run at once. @default 100 */
  readonly maxConcurrency?: number;
  /** Percentage of failed trials tolerated before the sweep fails. @default 10 */
  readonly toleratedFailurePercentage?: number;
  /** Retention of the execution log group. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** Removal policy of the execution log group. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class SweepWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: SweepWorkflowProps) {
    super(scope, id);
    const trialTimeoutSeconds = props.trialTimeoutSeconds ?? 900;
    const maxConcurrency = props.maxConcurrency ?? 100;
    const toleratedFailurePercentage = props.toleratedFailurePercentage ?? 10;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (!Number.isInteger(trialTimeoutSeconds) || trialTimeoutSeconds < 1 || trialTimeoutSeconds > 900) {
      throw new Error(`trialTimeoutSeconds must be an integer in 1..900, got ${trialTimeoutSeconds}`);
    }
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 10000) {
      throw new Error(`maxConcurrency must be an integer in 1..10000, got ${maxConcurrency}`);
    }
    if (!Number.isFinite(toleratedFailurePercentage) || toleratedFailurePercentage < 0 || toleratedFailurePercentage > 100) {
      throw new Error(`toleratedFailurePercentage must be in 0..100, got ${toleratedFailurePercentage}`);
    }
    const { bucket } = props;
    const errorPath = '$.error';

    const retryTransient = <T extends sfn.TaskStateBase>(task: T): T => {
      task.addRetry({
        errors: [...LAMBDA_TRANSIENT_ERRORS],
        interval: Duration.seconds(2),
        maxAttempts: 6,
        backoffRate: 2,
        maxDelay: Duration.seconds(60),
        jitterStrategy: sfn.JitterType.FULL,
      });
      return task;
    };

    // ---- failure ends
    const sweepFailed = new sfn.Fail(this, 'SweepFailed', {
      stateName: STATE_NAMES.failed,
      errorPath: `${errorPath}.Error`,
      causePath: `${errorPath}.Cause`,
    });
    const tooManyTrialsFailed = new sfn.Fail(this, 'TooManyTrialsFailed', {
      stateName: STATE_NAMES.tooManyTrialsFailed,
      error: 'States.ExceedToleratedFailureThreshold',
      causePath: sfn.JsonPath.format(
        `More than ${toleratedFailurePercentage}% of the {} trials failed ({}). ` +
          `Failed trials wrote their records (status failed, with the error) under s3://{}/${SWEEPS_PREFIX}{}/trials/ ` +
          `and the map run results are under s3://{}/${MAP_RESULTS_PREFIX_FORMAT}/`,
        sfn.JsonPath.stringAt('$.trialCount'),
        sfn.JsonPath.stringAt(`${errorPath}.Cause`),
        sfn.JsonPath.stringAt('$.bucket'),
        sfn.JsonPath.stringAt('$.sweepId'),
        sfn.JsonPath.stringAt('$.bucket'),
        sfn.JsonPath.stringAt('$.sweepId'),
      ),
    });

    // ---- PlanSweep: the execution input is the spec itself
    const plan = retryTransient(
      new tasks.LambdaInvoke(this, 'PlanSweep', {
        stateName: STATE_NAMES.plan,
        lambdaFunction: props.plan,
        payload: sfn.TaskInput.fromObject({ spec: sfn.JsonPath.entirePayload }),
        outputPath: '$.Payload',
        retryOnServiceExceptions: false,
      }),
    ).addCatch(sweepFailed, { errors: [sfn.Errors.ALL], resultPath: errorPath });

    // ---- RunTrials: one child execution per manifest item; the item is the trial's whole event
    const trainTrial = retryTransient(
      new tasks.LambdaInvoke(this, 'TrainTrial', {
        stateName: STATE_NAMES.trial,
        lambdaFunction: props.trial,
        payload: sfn.TaskInput.fromJsonPathAt('$'),
        outputPath: '$.Payload',
        taskTimeout: sfn.Timeout.duration(Duration.seconds(trialTimeoutSeconds + TRIAL_STATE_TIMEOUT_MARGIN_SECONDS)),
        retryOnServiceExceptions: false,
      }),
    );
    const runTrials = new sfn.DistributedMap(this, 'RunTrials', {
      stateName: STATE_NAMES.map,
      itemReader: new ManifestReader(bucket, sfn.JsonPath.stringAt('$.manifestKey')),
      maxConcurrency,
      toleratedFailurePercentage,
      mapExecutionType: sfn.StateMachineType.STANDARD,
      resultWriterV2: new MapResultsWriter(
        bucket,
        sfn.JsonPath.format(MAP_RESULTS_PREFIX_FORMAT, sfn.JsonPath.stringAt('$.sweepId')),
        new sfn.WriterConfig({ outputType: sfn.OutputType.JSON, transformation: sfn.Transformation.COMPACT }),
      ),
      resultPath: '$.map',
    });
    runTrials.itemProcessor(trainTrial);
    runTrials.addCatch(tooManyTrialsFailed, { errors: ['States.ExceedToleratedFailureThreshold'], resultPath: errorPath });
    runTrials.addCatch(sweepFailed, { errors: [sfn.Errors.ALL], resultPath: errorPath });

    // ---- Aggregate and RefitBest: the function's result lands at $.aggregate / $.refit
    const aggregate = retryTransient(
      new tasks.LambdaInvoke(this, 'Aggregate', {
        stateName: STATE_NAMES.aggregate,
        lambdaFunction: props.aggregate,
        payload: sfn.TaskInput.fromObject({ sweepId: sfn.JsonPath.stringAt('$.sweepId') }),
        payloadResponseOnly: true,
        resultPath: '$.aggregate',
        retryOnServiceExceptions: false,
      }),
    ).addCatch(sweepFailed, { errors: [sfn.Errors.ALL], resultPath: errorPath });
    const refit = retryTransient(
      new tasks.LambdaInvoke(this, 'RefitBest', {
        stateName: STATE_NAMES.refit,
        lambdaFunction: props.refit,
        payload: sfn.TaskInput.fromObject({ sweepId: sfn.JsonPath.stringAt('$.sweepId') }),
        payloadResponseOnly: true,
        resultPath: '$.refit',
        retryOnServiceExceptions: false,
      }),
    ).addCatch(sweepFailed, { errors: [sfn.Errors.ALL], resultPath: errorPath });

    const summarize = new sfn.Pass(this, 'Summarize', {
      stateName: STATE_NAMES.summarize,
      parameters: {
        sweepId: sfn.JsonPath.stringAt('$.sweepId'),
        aggregate: sfn.JsonPath.objectAt('$.aggregate'),
        refit: sfn.JsonPath.objectAt('$.refit'),
      },
    });
    const succeeded = new sfn.Succeed(this, 'SweepSucceeded', { stateName: STATE_NAMES.succeeded });

    const definition = plan.next(runTrials).next(aggregate).next(refit).next(summarize).next(succeeded);

    // A /aws/vendedlogs/ name keeps CloudWatch Logs' resource policy small; the stack id's UUID makes the name unique
    // per stack instance, so a retained group never blocks re-creating the stack.
    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: Fn.join('', ['/aws/vendedlogs/states/', Aws.STACK_NAME, '-sweep-', Fn.select(2, Fn.split('/', Aws.STACK_ID))]),
      retention: logRetention,
      removalPolicy,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'regsweep: plan a regularization sweep, train its trials, aggregate, refit the best',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
  }
}
