/**
 * Delivers events to an Amazon EventBridge bus with `PutEvents`: `Source` is the CloudEvent's
 * source, `DetailType` its type, `Detail` the whole CloudEvent (so rules can match on
 * `detail.data.status` or `detail.data.verdict`), `Resources` empty (an ARN list; a record id is not
 * an ARN). PutEvents answers 200 even when an entry failed: the entry's `ErrorCode` decides whether
 * the failure is retried (throttling and internal failures) or permanent.
 *
 * @example
 * const sender = createEventBridgeSender({ busName: 'ddx-events' });
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DdxError, DependencyError, ServiceErrorCode } from '../errors.js';
import type { EventSender } from '../ports.js';
import { errorFromNetworkFailure } from '../resilience/http-errors.js';
import { defaultRetryPolicy, type RetryPolicy, withRetry } from '../resilience/retry.js';

export interface EventBridgeSenderSettings {
  busName: string;
  /** A configured client (custom endpoint, tests); by default one is created with SDK retries off. */
  client?: EventBridgeClient;
  region?: string;
  policy?: RetryPolicy;
}

/** Entry error codes worth another attempt; anything else (validation, access) is permanent. */
const transientEntryErrors = new Set([
  'InternalFailure',
  'InternalException',
  'ThrottlingException',
  'ServiceUnavailable',
]);

export function createEventBridgeSender(settings: EventBridgeSenderSettings): EventSender {
  const client = settings.client ?? new EventBridgeClient({ region: settings.region, maxAttempts: 1 });
  const policy = settings.policy ?? defaultRetryPolicy;
  const operation = `EventBridge PutEvents on ${settings.busName}`;
  return {
    name: 'eventbridge',
    async send(event, options) {
      await withRetry(
        async (abortSignal) => {
          const output = await client.send(
            new PutEventsCommand({
              Entries: [
                {
                  EventBusName: settings.busName,
                  Source: event.source,
                  DetailType: event.type,
                  Detail: JSON.stringify(event),
                  Time: new Date(event.time),
                  Resources: [],
                },
              ],
            }),
            { abortSignal },
          );
          const [entry] = output.Entries ?? [];
          if ((output.FailedEntryCount ?? 0) === 0 && entry?.EventId) return;
          const code = entry?.ErrorCode ?? 'NoEventId';
          throw new DependencyError(
            `${operation} refused the event: ${code} ${entry?.ErrorMessage ?? ''}`.trim(),
            {
              code: ServiceErrorCode.dependencyUnavailable,
              retriable: transientEntryErrors.has(code),
            },
          );
        },
        {
          policy,
          signal: options?.signal,
          operation,
          toError: (error) => eventBridgeError(operation, error),
        },
      );
    },
  };
}

function eventBridgeError(operation: string, error: unknown): DdxError {
  if (error instanceof DdxError) return error;
  const failure = error as { name?: string; $metadata?: { httpStatusCode?: number }; $fault?: string };
  const status = failure.$metadata?.httpStatusCode;
  if (status === undefined) return errorFromNetworkFailure(operation, error);
  const throttled = failure.name === 'ThrottlingException' || status === 429;
  return new DependencyError(`${operation} failed: ${failure.name ?? `HTTP ${status}`}`, {
    code: throttled ? ServiceErrorCode.throttled : ServiceErrorCode.dependencyUnavailable,
    retriable: throttled || failure.$fault === 'server' || status >= 500,
    cause: error,
  });
}
