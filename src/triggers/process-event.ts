/**
 * The Lambda-independent core of the event entry point: event -> jobs -> outcomes -> response.
 *
 * ```
 * event ─ parseTriggerEvent ─┬─ skipped (test events, other event types, our own crops, sidecars)
 *                            └─ objects ─ runInference, at most `concurrency` at once
 *                                         ├─ finished: succeeded, degraded, or failed for good
 *                                         └─ transient: failed retriably, the store threw, or
 *                                            another delivery holds the object's claim
 * SQS: { batchItemFailures } lists the messages with a transient outcome, and only those.
 * S3 / EventBridge: throws once every object has had its turn, so Lambda retries the event
 * (finished objects are answered from their records) and finally hands it to the DLQ.
 * ```
 *
 * @example
 * const result = await processEvent(event, deps, { inputPrefix: 'uploads/', requestId, concurrency: 4, deadline });
 * return result.response; // undefined unless the event came through SQS
 */

import type { SQSBatchResponse } from 'aws-lambda';
import { mapWithConcurrency } from '../concurrency/map-with-concurrency.js';
import { asDdxError, type ErrorCode, PipelineStep, ServiceErrorCode } from '../errors.js';
import type { Job, PipelineDeps } from '../pipeline/pipeline-deps.js';
import { runInference } from '../pipeline/run-inference.js';
import { type InferenceRecord, isFinal } from '../record.js';
import {
  type EventTrigger,
  type ParsedTriggerEvent,
  parseTriggerEvent,
  type S3ObjectEvent,
  type SkippedItem,
  SkipReason,
} from './s3-event.js';

export interface ProcessEventOptions {
  /** Uploads live under this prefix; other keys in the bucket are not ours to process. */
  inputPrefix: string;
  /** The invocation's id: every record and log line of this event carries it. */
  requestId: string;
  /** How many objects of one event run at once. */
  concurrency: number;
  /** Epoch milliseconds by which every job must be done (see `deadlineFromRemainingTime`). */
  deadline?: number;
  /** Epoch milliseconds by which every record must be stored: after `deadline` (see `Job`). */
  writeDeadline?: number;
  /** Called once per object run, as it ends (metrics). */
  onOutcome?: (outcome: ObjectOutcome) => void;
}

export type ObjectOutcome =
  | { kind: 'finished'; object: S3ObjectEvent; record: InferenceRecord; reused: boolean }
  /** Another delivery may succeed. `record` is null when no record could be written. */
  | { kind: 'transient'; object: S3ObjectEvent; record: InferenceRecord | null; code: ErrorCode };

export interface ProcessedEvent {
  trigger: EventTrigger;
  outcomes: ObjectOutcome[];
  skipped: SkippedItem[];
  /** What Lambda must return for an SQS batch; undefined for other triggers. */
  response: SQSBatchResponse | undefined;
}

/** Thrown for direct S3 and EventBridge events after every object ran, so Lambda retries the event. */
export class TransientFailuresError extends Error {
  override name = 'TransientFailuresError';
  readonly outcomes: ObjectOutcome[];

  constructor(outcomes: ObjectOutcome[]) {
    const failed = outcomes.filter((outcome) => outcome.kind === 'transient');
    const codes = [...new Set(failed.map((outcome) => outcome.code))].join(', ');
    super(`${failed.length} of ${outcomes.length} object(s) failed transiently (${codes}); retry the event`);
    this.outcomes = outcomes;
  }
}

/** The job deadline in a host with a time budget (Lambda): what remains, less a margin to answer in. */
export function deadlineFromRemainingTime(remainingMs: number, marginMs: number, now = Date.now()): number {
  return now + remainingMs - marginMs;
}

export async function processEvent(
  event: unknown,
  deps: PipelineDeps,
  options: ProcessEventOptions,
): Promise<ProcessedEvent> {
  const parsed = parseTriggerEvent(event, {
    inputPrefix: options.inputPrefix,
    derivedPrefix: deps.derivedPrefix,
  });
  const logger = deps.logger.child({ requestId: options.requestId, trigger: parsed.trigger });
  logSkipped(parsed, logger);

  const runs = new Map<string, Promise<ObjectOutcome>>();
  const outcomeOf = (object: S3ObjectEvent): Promise<ObjectOutcome> => {
    // The same object twice in one event (at-least-once delivery) runs once.
    const identity = identityOf(object);
    let run = identity ? runs.get(identity) : undefined;
    if (!run) {
      run = runObject(object, parsed.trigger, deps, options);
      if (identity) runs.set(identity, run);
    }
    return run.then((outcome) => ({ ...outcome, object }));
  };
  const outcomes = await mapWithConcurrency(parsed.objects, options.concurrency, outcomeOf);

  const transient = outcomes.filter((outcome) => outcome.kind === 'transient');
  logger.info('event processed', {
    objects: outcomes.length,
    skipped: parsed.skipped.length,
    transientFailures: transient.length,
  });
  if (parsed.trigger === 'sqs') {
    const messageIds = new Set(
      transient.flatMap(({ object }) => (object.messageId ? [object.messageId] : [])),
    );
    return {
      trigger: parsed.trigger,
      outcomes,
      skipped: parsed.skipped,
      response: { batchItemFailures: [...messageIds].map((itemIdentifier) => ({ itemIdentifier })) },
    };
  }
  if (transient.length > 0) throw new TransientFailuresError(outcomes);
  return { trigger: parsed.trigger, outcomes, skipped: parsed.skipped, response: undefined };
}

async function runObject(
  object: S3ObjectEvent,
  trigger: EventTrigger,
  deps: PipelineDeps,
  options: ProcessEventOptions,
): Promise<ObjectOutcome> {
  const logger = deps.logger.child({ requestId: options.requestId, trigger, messageId: object.messageId });
  const outcome = await runJob();
  if (outcome.kind === 'transient') {
    logger.warn('object will be retried', { recordId: outcome.record?.id, code: outcome.code });
  }
  try {
    options.onOutcome?.(outcome);
  } catch (error) {
    // Metrics are an aside: a fault there must not turn a stored record into a retry.
    logger.warn('the outcome observer failed', { error: error instanceof Error ? error.name : typeof error });
  }
  return outcome;

  async function runJob(): Promise<ObjectOutcome> {
    // The blob store reads one bucket: a job for another would read the wrong object under the
    // event's name. A deployment mistake, kept for a redrive from the DLQ rather than dropped.
    if (object.bucket !== deps.blobStore.bucket) {
      logger.error('the event names a bucket the blob store does not read', {
        configuredBucket: deps.blobStore.bucket,
      });
      return { kind: 'transient', object, record: null, code: ServiceErrorCode.invalidConfiguration };
    }
    try {
      const { record, reused } = await runInference(jobFor(object, trigger, options), { ...deps, logger });
      if (isFinal(record)) return { kind: 'finished', object, record, reused };
      return { kind: 'transient', object, record, code: record.error?.code ?? ServiceErrorCode.internal };
    } catch (error) {
      // runInference turns every step failure into a record. What escapes is the store failing
      // (STORAGE_ERROR) or another delivery holding the object's claim (IN_PROGRESS): a later
      // delivery finds that run's record. The warning above logs the code.
      return { kind: 'transient', object, record: null, code: asDdxError(error, PipelineStep.persist).code };
    }
  }
}

function jobFor(object: S3ObjectEvent, trigger: EventTrigger, options: ProcessEventOptions): Job {
  return {
    source: {
      bucket: object.bucket,
      key: object.key,
      // Named in the event, a redelivery finds the finished record before any work is done.
      versionId: object.versionId,
      etag: object.etag === undefined ? undefined : quotedEtag(object.etag),
    },
    requestId: options.requestId,
    trigger,
    deadline: options.deadline,
    writeDeadline: options.writeDeadline,
  };
}

/**
 * Events give the ETag bare, HeadObject (and every BlobStore's `head`) quoted. Record ids hash the
 * ETag, so an object run from the CLI and from an event must spell it the same way.
 */
function quotedEtag(etag: string): string {
  return `"${etag.replace(/^"|"$/g, '')}"`;
}

function identityOf(object: S3ObjectEvent): string | undefined {
  const revision = object.versionId ?? object.etag;
  return revision === undefined ? undefined : JSON.stringify([object.bucket, object.key, revision]);
}

function logSkipped(parsed: ParsedTriggerEvent, logger: PipelineDeps['logger']): void {
  for (const { reason, messageId, detail } of parsed.skipped) {
    // Keys are never logged: an uploader may have put a patient's name in a file name.
    if (reason === SkipReason.invalidMessage) logger.warn('message dropped', { reason, messageId, detail });
    else logger.info('skipped', { reason, messageId });
  }
}
