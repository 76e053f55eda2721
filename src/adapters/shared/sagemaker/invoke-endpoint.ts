/**
 * One SageMaker InvokeEndpoint call per image: the image re-encoded as JPEG (or wrapped as
 * `{ "image": base64 }` for JSON containers) under the 6 MB request limit, tagged with the record
 * id (`InferenceId`, which SageMaker writes to its data-capture logs), retried only by `withRetry`,
 * and SageMaker's own errors mapped to typed errors with the right `retriable` flag.
 */
import {
  InvokeEndpointCommand,
  type InvokeEndpointCommandInput,
  SageMakerRuntimeClient,
  type SageMakerRuntimeClientConfig,
  SageMakerRuntimeServiceException,
} from '@aws-sdk/client-sagemaker-runtime';
import type { DecodedImage } from '../../../domain.js';
import { type DdxError, DependencyError, ServiceErrorCode } from '../../../errors.js';
import { encodeImagePayload, type ImagePayload } from '../../../imaging/remote-image-payload.js';
import type { SageMakerContentType } from '../../../models/model-entry.js';
import type { CallOptions } from '../../../ports.js';
import { errorFromNetworkFailure } from '../../../resilience/http-errors.js';
import {
  defaultRetryPolicy,
  parseRetryAfter,
  type RetryPolicy,
  withRetry,
} from '../../../resilience/retry.js';

export interface SageMakerEndpointSettings {
  /** The endpoint name. */
  endpoint: string;
  contentType?: SageMakerContentType;
  accept?: string;
  customAttributes?: string;
  targetModel?: string;
  /**
   * A ready client, shared between models or configured by the caller; give it `maxAttempts: 1`
   * so `withRetry` stays the only retry loop. Without one, a client is created from `clientConfig`
   * and the environment (region, credentials, `AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`).
   */
  client?: SageMakerRuntimeClient;
  clientConfig?: SageMakerRuntimeClientConfig;
  policy?: RetryPolicy;
  /** The endpoint's request size limit; SageMaker's is 6 MB. */
  maxPayloadBytes?: number;
}

export interface EndpointAnswer {
  body: Uint8Array;
  contentType: string | undefined;
  /** The size of the image as sent, which the endpoint's pixel coordinates refer to. */
  sent: { width: number; height: number };
}

export interface EndpointInvoker {
  /** `SageMaker InvokeEndpoint <name>`: names the call in errors and logs. */
  readonly operation: string;
  invoke(image: DecodedImage, options?: CallOptions): Promise<EndpointAnswer>;
  /** Releases the client's sockets, when this invoker created the client. */
  close(): Promise<void>;
}

/** SageMaker's limit on an InvokeEndpoint request body. */
export const sageMakerMaxPayloadBytes = 6 * 1024 * 1024;
/** SageMaker's limit and pattern for `InferenceId`; record ids fit, anything else is left out. */
const inferenceIdPattern = /^\S[\x20-\x7e]{0,63}$/;
/** Room for `{"image":""}` around the base64 of a JSON payload. */
const jsonEnvelopeBytes = 64;

export function createEndpointInvoker(settings: SageMakerEndpointSettings): EndpointInvoker {
  const operation = `SageMaker InvokeEndpoint ${settings.endpoint}`;
  const ownsClient = settings.client === undefined;
  // maxAttempts 1: the SDK's own retries would multiply ours and not know the job's deadline.
  const client = settings.client ?? new SageMakerRuntimeClient({ ...settings.clientConfig, maxAttempts: 1 });
  const contentType = settings.contentType ?? 'application/x-image';
  const accept = settings.accept ?? 'application/json';
  const maxPayloadBytes = settings.maxPayloadBytes ?? sageMakerMaxPayloadBytes;
  const policy = settings.policy ?? defaultRetryPolicy;
  const asJson = contentType === 'application/json';

  return {
    operation,
    async invoke(image, options) {
      options?.signal?.throwIfAborted();
      const payload = await encodePayload(image, asJson, maxPayloadBytes, operation);
      const input: InvokeEndpointCommandInput = {
        EndpointName: settings.endpoint,
        Body: asJson ? Buffer.from(JSON.stringify({ image: payload.jpeg.toString('base64') })) : payload.jpeg,
        ContentType: contentType,
        Accept: accept,
        CustomAttributes: settings.customAttributes,
        TargetModel: settings.targetModel,
        InferenceId:
          options?.recordId && inferenceIdPattern.test(options.recordId) ? options.recordId : undefined,
      };
      const output = await withRetry(
        (attemptSignal) => client.send(new InvokeEndpointCommand(input), { abortSignal: attemptSignal }),
        {
          policy,
          signal: options?.signal,
          operation,
          toError: (error) => errorFromSageMaker(operation, error),
        },
      );
      if (!output.Body) throw errorFromSageMaker(operation, new Error('the response has no body'));
      return {
        body: output.Body,
        contentType: output.ContentType,
        sent: { width: payload.width, height: payload.height },
      };
    },
    async close() {
      if (ownsClient) client.destroy();
    },
  };
}

async function encodePayload(
  image: DecodedImage,
  asJson: boolean,
  maxPayloadBytes: number,
  operation: string,
): Promise<ImagePayload> {
  try {
    return await encodeImagePayload(image, {
      maxBytes: asJson ? maxPayloadBytes - jsonEnvelopeBytes : maxPayloadBytes,
      base64: asJson,
    });
  } catch (error) {
    throw new DependencyError(`${operation}: cannot prepare the request: ${(error as Error).message}`, {
      code: ServiceErrorCode.internal,
      retriable: false,
      cause: error,
    });
  }
}

const throttlingErrors = new Set([
  'ModelNotReadyException',
  'ThrottlingException',
  'TooManyRequestsException',
]);
const serverErrors = new Set(['ServiceUnavailable', 'InternalFailure', 'InternalDependencyException']);

/**
 * SageMaker's errors, by the name the SDK took from `x-amzn-errortype` (status as the fallback):
 * a bad request or a failing container (ModelError) fails the same way again; a model still
 * loading, throttling and SageMaker's own 5xx pass; failures below HTTP are worth another try.
 */
export function errorFromSageMaker(operation: string, error: unknown): DdxError {
  if (!(error instanceof SageMakerRuntimeServiceException)) return errorFromNetworkFailure(operation, error);
  const status = error.$metadata.httpStatusCode ?? 0;
  const message = `${operation} failed with ${error.name} (HTTP ${status}): ${error.message}`;
  if (error.name === 'ModelError') {
    const { OriginalStatusCode, OriginalMessage, LogStreamArn } =
      error as SageMakerRuntimeServiceException & {
        OriginalStatusCode?: number;
        OriginalMessage?: string;
        LogStreamArn?: string;
      };
    const original = `the container answered ${OriginalStatusCode ?? 'an error'}${OriginalMessage ? `: ${OriginalMessage.slice(0, 300)}` : ''}`;
    return new DependencyError(`${message}; ${original}${LogStreamArn ? ` (logs: ${LogStreamArn})` : ''}`, {
      code: ServiceErrorCode.modelError,
      retriable: false,
      cause: error,
    });
  }
  if (error.name === 'ValidationError') {
    return new DependencyError(message, {
      code: ServiceErrorCode.modelError,
      retriable: false,
      cause: error,
    });
  }
  const retryAfterMs = parseRetryAfter(error.$response?.headers?.['retry-after']);
  if (throttlingErrors.has(error.name) || status === 429) {
    return new DependencyError(message, {
      code: ServiceErrorCode.throttled,
      retriable: true,
      retryAfterMs,
      cause: error,
    });
  }
  if (serverErrors.has(error.name) || status >= 500) {
    return new DependencyError(message, {
      code: ServiceErrorCode.dependencyUnavailable,
      retriable: true,
      retryAfterMs,
      cause: error,
    });
  }
  // Credentials, permissions, an unknown endpoint: a person has to fix these.
  return new DependencyError(message, {
    code: ServiceErrorCode.dependencyUnavailable,
    retriable: false,
    cause: error,
  });
}
