/**
 * An SQS queue in front of `processEvent`, wired as the stack wires it: each message carries one
 * S3 notification; consumers (Lambda containers) take batches of messages and run each batch with
 * `processEvent`; the messages a batch lists in `batchItemFailures` become visible again and come
 * back in a later round (the visibility timeout), until `maxReceiveCount` receives, after which
 * they are dead letters.
 *
 * Each batch runs all its objects at once (the event's concurrency is the batch size), so an
 * object's job starts when its batch is handed over: the latency of a run is from there to its
 * outcome, which is reported after its record is stored.
 */
import { mapWithConcurrency } from '../src/concurrency/map-with-concurrency.js';
import type { PipelineDeps } from '../src/pipeline/pipeline-deps.js';
import { type ObjectOutcome, processEvent } from '../src/triggers/process-event.js';

export interface QueueMessage {
  messageId: string;
  /** The S3 notification, as JSON. */
  body: string;
}

export interface QueueSettings {
  /** Batches in flight at once. */
  consumers: number;
  batchSize: number;
  maxReceiveCount: number;
  inputPrefix: string;
  /** Names the batches' request ids, so runs of different phases stay apart in the records. */
  requestIdPrefix: string;
}

export interface TimedRun {
  outcome: ObjectOutcome;
  latencyMs: number;
  /** 1 for the first delivery round, 2 and up for redeliveries. */
  round: number;
}

export interface QueueReport {
  runs: TimedRun[];
  /** The last outcome of each message, by message id. */
  finalOutcomes: Map<string, ObjectOutcome>;
  /** Messages received, redeliveries included. */
  receives: number;
  /** Messages listed in a batch's `batchItemFailures` and received again. */
  redelivered: number;
  /** Messages whose object was already in the same batch: processEvent ran it once for both. */
  sameBatchDuplicates: number;
  deadLetters: QueueMessage[];
  rounds: number;
  wallMs: number;
}

export async function drainQueue(
  messages: readonly QueueMessage[],
  deps: PipelineDeps,
  settings: QueueSettings,
): Promise<QueueReport> {
  const runs: TimedRun[] = [];
  const finalOutcomes = new Map<string, ObjectOutcome>();
  const receiveCounts = new Map<string, number>();
  const deadLetters: QueueMessage[] = [];
  let receives = 0;
  let redelivered = 0;
  let sameBatchDuplicates = 0;
  let visible = [...messages];
  let round = 0;
  const started = performance.now();

  while (visible.length > 0) {
    round += 1;
    const batches = chunks(visible, settings.batchSize);
    const failed: QueueMessage[] = [];
    await mapWithConcurrency(batches, settings.consumers, async (batch, index) => {
      for (const message of batch) {
        const count = (receiveCounts.get(message.messageId) ?? 0) + 1;
        receiveCounts.set(message.messageId, count);
        receives += 1;
        if (count > 1) redelivered += 1;
      }
      sameBatchDuplicates += batch.length - new Set(batch.map((message) => message.body)).size;
      const batchStarted = performance.now();
      const { outcomes, response } = await processEvent(sqsEvent(batch, receiveCounts), deps, {
        inputPrefix: settings.inputPrefix,
        requestId: `${settings.requestIdPrefix}-${round}-${index}`,
        concurrency: batch.length,
        onOutcome: (outcome) => runs.push({ outcome, latencyMs: performance.now() - batchStarted, round }),
      });
      for (const outcome of outcomes) {
        if (outcome.object.messageId) finalOutcomes.set(outcome.object.messageId, outcome);
      }
      const failures = new Set(response?.batchItemFailures.map((failure) => failure.itemIdentifier));
      failed.push(...batch.filter((message) => failures.has(message.messageId)));
    });
    visible = [];
    for (const message of failed) {
      if ((receiveCounts.get(message.messageId) ?? 0) >= settings.maxReceiveCount) deadLetters.push(message);
      else visible.push(message);
    }
  }
  return {
    runs,
    finalOutcomes,
    receives,
    redelivered,
    sameBatchDuplicates,
    deadLetters,
    rounds: round,
    wallMs: performance.now() - started,
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/** What Lambda's SQS event source hands the function for one batch. */
function sqsEvent(batch: readonly QueueMessage[], receiveCounts: ReadonlyMap<string, number>) {
  return {
    Records: batch.map((message) => ({
      messageId: message.messageId,
      receiptHandle: `handle-${message.messageId}-${receiveCounts.get(message.messageId) ?? 1}`,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(receiveCounts.get(message.messageId) ?? 1),
        SentTimestamp: String(Date.now()),
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:ddx-uploads',
      awsRegion: 'us-east-1',
    })),
  };
}
