/**
 * The AWS Lambda entry point: a thin translation around `processEvent`. It serves direct S3 event
 * notifications, SQS queues of them (partial batch responses) and EventBridge "Object Created"
 * rules with one handler; which adapters run behind it is configuration (compose.ts). The stack's
 * schedule invokes it too, to sweep the outbox (`{ "action": "ddx.outbox.sweep" }`); a job's own
 * events are delivered in the invocation that stored its record, before it returns.
 *
 * Per container: the configuration and the composed dependencies, created on the first
 * invocation and reused. Per invocation: the Powertools logger's request keys, the job deadline
 * (remaining time less `DDX_DEADLINE_MARGIN_MS`, config.ts) and the metrics, flushed before returning.
 * The event itself is never logged (`injectLambdaContext`'s `logEvent` is not used): it can carry
 * patient data in object keys. Deployed by infra/ddx-assist-stack.ts as the esbuild bundle of this
 * file (handler `index.handler`), with `reportBatchItemFailures: true` on the SQS event source so
 * the partial batch response is honoured.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { z } from 'zod';
import { powertoolsLogger } from '../adapters/logger/powertools.js';
import { type ComposedDependencies, composeDependencies } from '../compose.js';
import { loadConfigWithSecrets } from '../config.js';
import { DdxError } from '../errors.js';
import { jobMetrics } from '../observability/job-metrics.js';
import { metricsNamespace, serviceName } from '../observability/service-identity.js';
import { isOutboxSweepEvent } from '../triggers/outbox-sweep-event.js';
import {
  deadlineFromRemainingTime,
  type ObjectOutcome,
  processEvent,
  TransientFailuresError,
} from '../triggers/process-event.js';

// A container parses each schema a few times per invocation. zod's JIT (code generated per object
// schema on its first parse) costs a cold start about 0.8 ms per schema, 17 ms for the
// configuration files alone, and saves about 3 µs per later parse: not worth it here.
z.config({ jitless: true });

/** Powertools spells levels in capitals. */
const powertoolsLogLevels = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  silent: 'SILENT',
} as const;
/** Kept back from the records' write for returning the response and flushing metrics. */
const answerTimeMs = 1000;
const logger = new Logger({ serviceName });
const metrics = new Metrics({ namespace: metricsNamespace, serviceName });

interface Container {
  deps: ComposedDependencies;
  inputPrefix: string;
  concurrency: number;
  deadlineMarginMs: number;
}

let container: Promise<Container> | undefined;

/**
 * The Lambda handler for S3 event notifications, SQS batches of them and EventBridge "Object
 * Created" events.
 *
 * @returns the SQS partial batch response for SQS events, nothing for S3 and EventBridge events.
 * @throws when an object failed transiently (S3, EventBridge), so Lambda retries the event.
 * @example
 * // Invoked by Lambda; by hand (test/e2e/lambda-handler.test.ts), with DDX_* set in process.env:
 * const response = await handler(sqsEvent, context); // { batchItemFailures: [{ itemIdentifier }] }
 * const none = await handler(s3Event, context); // undefined, or throws TransientFailuresError
 */
export const handler = async (event: unknown, context: Context): Promise<SQSBatchResponse | undefined> => {
  logger.addContext(context);
  logger.appendKeys({ requestId: context.awsRequestId });
  metrics.captureColdStartMetric(context.functionName);
  try {
    const remainingMs = context.getRemainingTimeInMillis();
    const { deps, inputPrefix, concurrency, deadlineMarginMs } = await containerOnce();
    if (isOutboxSweepEvent(event)) {
      const outcome = await deps.events.sweep({
        signal: AbortSignal.timeout(Math.max(0, remainingMs - answerTimeMs)),
      });
      logger.info('outbox swept', { ...outcome });
      return undefined;
    }
    const { response } = await processEvent(event, deps, {
      inputPrefix,
      requestId: context.awsRequestId,
      concurrency,
      deadline: deadlineFromRemainingTime(remainingMs, deadlineMarginMs),
      // The records are written in the margin, leaving a moment to answer and flush metrics.
      writeDeadline: deadlineFromRemainingTime(remainingMs, Math.min(answerTimeMs, deadlineMarginMs)),
      onOutcome: recordMetrics,
    });
    return response;
  } catch (error) {
    // Name and code only: messages of errors from outside the pipeline may quote an object key.
    logger.error(
      error instanceof TransientFailuresError ? 'event will be retried' : 'event failed',
      error instanceof DdxError ? { code: error.code, error: error.name } : { error: errorName(error) },
    );
    throw error;
  } finally {
    // Traces are sent before the invocation returns (a frozen container sends nothing), within
    // the time left: a slow Langfuse must not turn a finished invocation into a timeout.
    // So are the jobs' events: whatever does not make it stays in the outbox for the sweep.
    const flushWindowMs = Math.max(0, context.getRemainingTimeInMillis() - answerTimeMs / 2);
    const deps = (await container?.catch(() => undefined))?.deps;
    await Promise.all([
      deps?.events.settled({ signal: AbortSignal.timeout(flushWindowMs) }),
      deps?.generationTracer?.flush({ signal: AbortSignal.timeout(flushWindowMs) }),
    ]);
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    logger.resetKeys();
  }
};

function containerOnce(): Promise<Container> {
  container ??= createContainer().catch((error: unknown) => {
    // A failed start (a missing model card, a bad variable) is retried by the next invocation.
    container = undefined;
    throw error;
  });
  return container;
}

async function createContainer(): Promise<Container> {
  const config = await loadConfigWithSecrets();
  // POWERTOOLS_LOG_LEVEL rules unless the project's own variable is set.
  if (config.logLevelConfigured) logger.setLogLevel(powertoolsLogLevels[config.logLevel]);
  const deps = await composeDependencies(config, { logger: powertoolsLogger(logger) });
  return {
    deps,
    inputPrefix: config.inputPrefix,
    concurrency: config.lambda.concurrency,
    deadlineMarginMs: config.lambda.deadlineMarginMs,
  };
}

/** Each object's metrics as EMF; those with dimensions go out on their own (one EMF blob per dimension set). */
function recordMetrics(outcome: ObjectOutcome): void {
  const result =
    outcome.kind === 'finished'
      ? { record: outcome.record, reused: outcome.reused }
      : { record: outcome.record, reused: false, failureCode: outcome.code };
  for (const point of jobMetrics(result)) {
    if (Object.keys(point.dimensions).length === 0) {
      metrics.addMetric(point.name, MetricUnit[point.unit], point.value);
    } else {
      metrics
        .singleMetric()
        .addDimensions(point.dimensions)
        .addMetric(point.name, MetricUnit[point.unit], point.value);
    }
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/**
 * The web app's handler (`index.webHandler`, src/entry/web-lambda.ts), in the same bundle: loaded
 * on its first request only, so the inference function never loads Hono.
 */
export async function webHandler(
  event: import('hono/aws-lambda').LambdaEvent,
  context: Context,
): Promise<unknown> {
  const { handleWebRequest } = await import('./web-lambda.js');
  return handleWebRequest(event, context);
}
