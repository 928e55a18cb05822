/** An alarm on failed sweep executions, notifying an SNS topic (optionally with an email subscription). */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface SweepAlarmsProps {
  readonly stateMachine: sfn.IStateMachine;
  /** Email address subscribed to the topic (the recipient confirms it once). @default - no subscription */
  readonly alarmEmail?: string;
  /** Period over which failed executions are counted. @default Duration.minutes(5) */
  readonly period?: Duration;
}

export class SweepAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly failedExecutions: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: SweepAlarmsProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);
    if (period.toSeconds() < 60 || period.toSeconds() % 60 !== 0) {
      throw new Error(`period must be a whole number of minutes, got ${period.toHumanString()}`);
    }

    this.topic = new sns.Topic(this, 'Topic', { displayName: 'regsweep alarms', enforceSSL: true });
    if (props.alarmEmail !== undefined) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    this.failedExecutions = new cloudwatch.Alarm(this, 'FailedExecutions', {
      alarmDescription: 'A regsweep sweep execution failed (see the execution in the Step Functions console or `regsweep status ARN`).',
      metric: props.stateMachine.metricFailed({ period, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.failedExecutions.addAlarmAction(new actions.SnsAction(this.topic));
  }
}
