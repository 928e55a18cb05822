/**
 * EventBridge Scheduler entries that start sweeps: one schedule per `regsweep.schedules[]` entry in cdk.json,
 * each starting the state machine with its spec as the execution input. All share one role that may only
 * states:StartExecution this state machine.
 */
import { Fn, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { BUCKET_NAME_PLACEHOLDER, type ScheduleConfig } from './config';

export interface SweepSchedulesProps {
  readonly stateMachine: sfn.IStateMachine;
  /** Replaces BUCKET_NAME_PLACEHOLDER in a spec's `dataset.source`. */
  readonly bucket: s3.IBucket;
  /** @default [] */
  readonly schedules?: readonly ScheduleConfig[];
  /** Schedule names are `<namePrefix>-<name>` (unique in the account's default group). @default the stack name */
  readonly namePrefix?: string;
}

/** The execution input of a schedule: the spec, with the bucket placeholder (if any) bound to `bucketName`. */
export function scheduleInput(spec: Record<string, unknown>, bucketName: string): Record<string, unknown> {
  const dataset = spec.dataset as Record<string, unknown> | undefined;
  const source = dataset?.source;
  if (typeof source !== 'string' || !source.includes(BUCKET_NAME_PLACEHOLDER)) return spec;
  return { ...spec, dataset: { ...dataset, source: Fn.join(bucketName, source.split(BUCKET_NAME_PLACEHOLDER)) } };
}

export class SweepSchedules extends Construct {
  readonly schedules: scheduler.Schedule[] = [];
  /** The role the schedules use (undefined when there are none). */
  readonly role?: iam.Role;

  constructor(scope: Construct, id: string, props: SweepSchedulesProps) {
    super(scope, id);
    const entries = props.schedules ?? [];
    const namePrefix = props.namePrefix ?? Stack.of(this).stackName;
    if (entries.length === 0) return;

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'regsweep schedules: start sweep executions',
    });

    for (const entry of entries) {
      const scheduleName = `${namePrefix}-${entry.name}`;
      if (scheduleName.length > 64) {
        throw new Error(`schedule name ${JSON.stringify(scheduleName)} is longer than 64 characters; shorten ${entry.name}`);
      }
      const target = new targets.StepFunctionsStartExecution(props.stateMachine, {
        role: this.role,
        input: scheduler.ScheduleTargetInput.fromObject(scheduleInput(entry.spec, props.bucket.bucketName)),
        retryAttempts: 2,
      });
      this.schedules.push(
        new scheduler.Schedule(this, `Schedule-${entry.name}`, {
          scheduleName,
          description: `regsweep: start the sweep "${entry.name}" (${entry.expression})`,
          schedule: scheduler.ScheduleExpression.expression(entry.expression, entry.timezone !== undefined ? TimeZone.of(entry.timezone) : undefined),
          target,
          enabled: entry.enabled,
          timeWindow: scheduler.TimeWindow.off(),
        }),
      );
    }
  }
}
