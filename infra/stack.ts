/**
 * The regsweep stack: the sweep bucket, the four functions, the state machine, the schedules, the failure alarm,
 * and the outputs the CLI reads (StateMachineArn, BucketName, TopicArn).
 */
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { configFromContext, deploySettings, type RegsweepConfig } from './config';
import { STACK_OUTPUTS } from './contract';
import { SweepFunctions } from './functions';
import { SweepAlarms } from './monitoring';
import { acknowledgeNagFindings } from './nag';
import { SweepSchedules } from './schedules';
import { SweepBucket } from './storage';
import { SweepWorkflow } from './workflow';

export interface RegsweepStackProps extends StackProps {
  /** @default - parsed from the `regsweep` context (cdk.json) */
  readonly config?: RegsweepConfig;
}

export class RegsweepStack extends Stack {
  readonly config: RegsweepConfig;
  readonly storage: SweepBucket;
  readonly functions: SweepFunctions;
  readonly workflow: SweepWorkflow;
  readonly schedules: SweepSchedules;
  readonly alarms: SweepAlarms;

  constructor(scope: Construct, id: string, props: RegsweepStackProps = {}) {
    super(scope, id, { description: 'regsweep: serverless hyperparameter search for regularization', ...props });
    const config = props.config ?? configFromContext(this);
    this.config = config;
    const removalPolicy = config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    // RetentionDays' values are the numbers of days; config.ts accepts only those values.
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    this.storage = new SweepBucket(this, 'Storage', {
      sweepRetentionDays: config.sweepRetentionDays,
      accessLogRetentionDays: config.logRetentionDays,
      removalPolicy,
    });
    const bucket = this.storage.bucket;

    this.functions = new SweepFunctions(this, 'Functions', {
      bucket,
      trialRuntime: config.trialRuntime,
      trial: { memoryMb: config.trialMemoryMb, timeoutSeconds: config.trialTimeoutSeconds },
      plan: { memoryMb: config.planMemoryMb, timeoutSeconds: config.planTimeoutSeconds },
      aggregate: { memoryMb: config.aggregateMemoryMb, timeoutSeconds: config.aggregateTimeoutSeconds },
      refit: { memoryMb: config.refitMemoryMb, timeoutSeconds: config.refitTimeoutSeconds },
      logRetention,
      removalPolicy,
      costSettings: deploySettings(config),
    });

    this.workflow = new SweepWorkflow(this, 'Workflow', {
      bucket,
      plan: this.functions.plan,
      trial: this.functions.trial,
      aggregate: this.functions.aggregate,
      refit: this.functions.refit,
      trialTimeoutSeconds: config.trialTimeoutSeconds,
      maxConcurrency: config.maxConcurrency,
      toleratedFailurePercentage: config.toleratedFailurePercentage,
      batching: { exactBatchSize: config.exactBatchSize, sgdBatchSize: config.sgdBatchSize },
      childExecutionType: config.childExecutionType,
      logRetention,
      removalPolicy,
    });
    const stateMachine = this.workflow.stateMachine;

    this.schedules = new SweepSchedules(this, 'Schedules', { stateMachine, bucket, schedules: config.schedules });
    this.alarms = new SweepAlarms(this, 'Alarms', { stateMachine, alarmEmail: config.alarmEmail });

    new CfnOutput(this, STACK_OUTPUTS.stateMachineArn, {
      value: stateMachine.stateMachineArn,
      description: 'Start a sweep: npx regsweep start --spec FILE',
    });
    new CfnOutput(this, STACK_OUTPUTS.bucketName, {
      value: bucket.bucketName,
      description: 'Datasets under datasets/, sweep results under sweeps/<sweepId>/ (retained on stack deletion by default)',
    });
    new CfnOutput(this, STACK_OUTPUTS.topicArn, {
      value: this.alarms.topic.topicArn,
      description: 'Notified when a sweep execution fails',
    });

    acknowledgeNagFindings({ bucket, functions: this.functions, stateMachine });
  }
}
