/**
 * Record events in AWS (docs/events.md): the bus the inference function puts its CloudEvents on,
 * the schedule that sweeps the outbox, and a rule example.
 *
 * ```
 * inference Lambda --PutEvents--> RecordEventBus --rule "needs a clinician's eyes"--> ReviewQueue (SQS)
 *        ^                              (detail.data.verdict uncertain | out-of-scope)
 *        | every 5 minutes { "action": "ddx.outbox.sweep" }: events a job could not deliver,
 *        +-- SweepSchedule                                     and what a crash left staged
 * ```
 *
 * A job delivers its own events before its invocation returns; the sweep is for the rest (a
 * webhook that was down, a throttled bus). Other rules (a webhook through an API destination, a
 * Step Functions workflow) match on the same pattern fields: `source`, `detail-type`,
 * `detail.data.status`, `detail.data.verdict`, `detail.data.reviewState`.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RecordEventType } from '../src/events/record-event.js';
import { outboxSweepEvent } from '../src/triggers/outbox-sweep-event.js';

/** How often the outbox is swept; a job's own events go out at once. */
export const sweepInterval = Duration.minutes(5);

export interface RecordEventsProps {
  /** The CloudEvents `source` the function puts on its events (DDX_EVENT_SOURCE). */
  eventSource: string;
  /** The customer-managed key of the stack's queues, when there is one. */
  encryptionKey?: kms.IKey;
}

export class RecordEvents extends Construct {
  readonly bus: events.EventBus;
  readonly reviewQueue: sqs.Queue;
  readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: RecordEventsProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'RecordEventBus', {
      description: 'DDx Assist record events (CloudEvents 1.0 in detail): completed and reviewed records',
    });
    this.environment = { DDX_EVENTBRIDGE_BUS: this.bus.eventBusName, DDX_EVENT_SOURCE: props.eventSource };

    // The example rule: results a clinician should look at first wait in a queue.
    this.reviewQueue = new sqs.Queue(this, 'ReviewQueue', {
      ...(props.encryptionKey
        ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey }
        : { encryption: sqs.QueueEncryption.SQS_MANAGED }),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    new events.Rule(this, 'NeedsReviewRule', {
      eventBus: this.bus,
      description: 'Example: completed records the assessment found uncertain or out of scope go to a queue',
      eventPattern: {
        source: [props.eventSource],
        detailType: [RecordEventType.completed],
        detail: { data: { verdict: ['uncertain', 'out-of-scope'] } },
      },
      targets: [new targets.SqsQueue(this.reviewQueue)],
    });
  }

  /** Lets the function put events on the bus, and invokes it on the sweep schedule. */
  attach(fn: lambda.IFunction, role: iam.IGrantable): void {
    this.bus.grantPutEventsTo(role);
    new events.Rule(this, 'SweepSchedule', {
      description: 'Sweeps the outbox: record events a job could not deliver at once',
      schedule: events.Schedule.rate(sweepInterval),
      targets: [
        new targets.LambdaFunction(fn, {
          event: events.RuleTargetInput.fromObject(outboxSweepEvent),
          // A missed sweep is made up by the next one.
          retryAttempts: 0,
        }),
      ],
    });
  }
}
