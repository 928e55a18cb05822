/**
 * The sweep state machine (JSONPath):
 *
 *   PlanSweep -> RunTrials (Distributed Map over manifest.json, ItemBatcher; item processor: TrainTrial on a batch)
 *             -> Aggregate -> CheckFailures -> RefitBest -> Summarize -> SweepSucceeded
 *   RunTrials --States.ExceedToleratedFailureThreshold--> TooManyBatchesFailed (Fail)
 *   CheckFailures (more failed trials than tolerated) --> TooManyTrialsFailed (Fail)
 *   PlanSweep / RunTrials / Aggregate / RefitBest --States.ALL--> SweepFailed (Fail)
 *
 * The state after PlanSweep is the plan's result `{ sweepId, bucket, manifestKey, trialCount, batchSize,
 * batchCount }`; RunTrials adds `map` (the map run ARN and where its results are), Aggregate `aggregate`,
 * RefitBest `refit`; the output is `{ sweepId, aggregate, refit }`.
 *
 * Batches (docs/ARCHITECTURE.md): the ItemBatcher hands TrainTrial `batchSize` manifest items at a time
 * (MaxItemsPerBatchPath: the plan chose it from the spec's limits.batchSize or the deployment's defaults, which
 * PlanSweep gets in its payload), with the sweepId in BatchInput.
 *
 * Failure semantics: TrainTrial retries Lambda service errors and throttling with backoff and jitter. A trial's own
 * failure never fails its batch: the trial writes its `failed` record and the batch goes on. A batch fails only as a
 * whole (a crash, a timeout, out of memory, a record it could not write), with no Catch that would turn it into a
 * success; the Map's ToleratedFailurePercentage counts the trials of those failed batches (so a broken deployment
 * stops early). The user's percentage over trials is decided by Aggregate from the records (failed + missing trials) and
 * enforced by CheckFailures.
 */
import { Aws, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DEFAULT_BATCH_DEFAULTS, type BatchDefaults } from '../shared/plan/batches';
import { MAX_BATCH_SIZE } from '../shared/search/spec';
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

/** The most bytes Step Functions puts in one batch (a child execution's input): 256 KiB. */
export const MAX_INPUT_BYTES_PER_BATCH = 262_144;

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
  /** Percentage of failed trials tolerated before the sweep fails (also of failed batches, by the Map). @default 10 */
  readonly toleratedFailurePercentage?: number;
  /** Trials per TrainTrial invocation by model family, unless the spec's limits.batchSize says otherwise. @default DEFAULT_BATCH_DEFAULTS */
  readonly batching?: BatchDefaults;
  /** Type of the Distributed Map's child executions (one per batch); EXPRESS runs at most 5 minutes (docs/DEPLOY.md). @default 'STANDARD' */
  readonly childExecutionType?: 'STANDARD' | 'EXPRESS';
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
    const batching = props.batching ?? DEFAULT_BATCH_DEFAULTS;
    const childExecutionType = props.childExecutionType ?? 'STANDARD';
    if (childExecutionType === 'EXPRESS' && trialTimeoutSeconds + TRIAL_STATE_TIMEOUT_MARGIN_SECONDS > 300) {
      throw new Error(
        `childExecutionType EXPRESS runs at most 300 s, but trialTimeoutSeconds is ${trialTimeoutSeconds} (+${TRIAL_STATE_TIMEOUT_MARGIN_SECONDS} s margin)`,
      );
    }
    if (!Number.isInteger(trialTimeoutSeconds) || trialTimeoutSeconds < 1 || trialTimeoutSeconds > 900) {
      throw new Error(`trialTimeoutSeconds must be an integer in 1..900, got ${trialTimeoutSeconds}`);
    }
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 10000) {
      throw new Error(`maxConcurrency must be an integer in 1..10000, got ${maxConcurrency}`);
    }
    if (!Number.isFinite(toleratedFailurePercentage) || toleratedFailurePercentage < 0 || toleratedFailurePercentage > 100) {
      throw new Error(`toleratedFailurePercentage must be in 0..100, got ${toleratedFailurePercentage}`);
    }
    for (const [key, size] of Object.entries(batching)) {
      if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH_SIZE)
        throw new Error(`batching.${key} must be an integer in 1..${MAX_BATCH_SIZE}, got ${size}`);
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
    // Too many trials failed, counted trial by trial from the records (Aggregate's cause names the counts).
    const tooManyTrialsFailed = new sfn.Fail(this, 'TooManyTrialsFailed', {
      stateName: STATE_NAMES.tooManyTrialsFailed,
      error: 'States.ExceedToleratedFailureThreshold',
      causePath: '$.aggregate.cause',
    });
    // Too many trials in batches that failed as a whole (crash, timeout, out of memory): the Map counts the items of a
    // failed child execution as failed, and stopped starting new ones.
    const tooManyBatchesFailed = new sfn.Fail(this, 'TooManyBatchesFailed', {
      stateName: STATE_NAMES.tooManyBatchesFailed,
      error: 'States.ExceedToleratedFailureThreshold',
      causePath: sfn.JsonPath.format(
        `More than ${toleratedFailurePercentage}% of the {} trials were in batches that failed as a whole: a crash, a timeout or ` +
          `running out of memory, not a trial's own error ({}). Trials that finished wrote their records under ` +
          `s3://{}/${SWEEPS_PREFIX}{}/trials/ and the map run results (each failed batch's error) are under s3://{}/${MAP_RESULTS_PREFIX_FORMAT}/`,
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
        payload: sfn.TaskInput.fromObject({ spec: sfn.JsonPath.entirePayload, batching: { ...batching } }),
        outputPath: '$.Payload',
        retryOnServiceExceptions: false,
      }),
    ).addCatch(sweepFailed, { errors: [sfn.Errors.ALL], resultPath: errorPath });

    // ---- RunTrials: one child execution per batch of manifest items; the batch ({ Items, BatchInput }) is the trial's event
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
      itemBatcher: new sfn.ItemBatcher({
        maxItemsPerBatchPath: '$.batchSize',
        maxInputBytesPerBatch: MAX_INPUT_BYTES_PER_BATCH,
        batchInput: { 'sweepId.$': '$.sweepId' },
      }),
      maxConcurrency,
      toleratedFailurePercentage,
      mapExecutionType: childExecutionType === 'EXPRESS' ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
      resultWriterV2: new MapResultsWriter(
        bucket,
        sfn.JsonPath.format(MAP_RESULTS_PREFIX_FORMAT, sfn.JsonPath.stringAt('$.sweepId')),
        new sfn.WriterConfig({ outputType: sfn.OutputType.JSON, transformation: sfn.Transformation.COMPACT }),
      ),
      resultPath: '$.map',
    });
    runTrials.itemProcessor(trainTrial);
    runTrials.addCatch(tooManyBatchesFailed, { errors: ['States.ExceedToleratedFailureThreshold'], resultPath: errorPath });
    runTrials.addCatch(sweepFailed, { errors: [sfn.Errors.ALL], resultPath: errorPath });

    // ---- Aggregate and RefitBest: the function's result lands at $.aggregate / $.refit
    const aggregate = retryTransient(
      new tasks.LambdaInvoke(this, 'Aggregate', {
        stateName: STATE_NAMES.aggregate,
        lambdaFunction: props.aggregate,
        payload: sfn.TaskInput.fromObject({ sweepId: sfn.JsonPath.stringAt('$.sweepId'), toleratedFailurePercentage }),
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

    const checkFailures = new sfn.Choice(this, 'CheckFailures', { stateName: STATE_NAMES.checkFailures })
      .when(sfn.Condition.booleanEquals('$.aggregate.tooManyFailed', true), tooManyTrialsFailed)
      .otherwise(refit.next(summarize).next(succeeded));

    const definition = plan.next(runTrials).next(aggregate).next(checkFailures);

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
