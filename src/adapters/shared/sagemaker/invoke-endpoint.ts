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
} from '@aws-sdk/client-sagemaker-runtime';
import type { DecodedImage } from '../../../domain.js';
import { DependencyError, ServiceErrorCode } from '../../../errors.js';
import {
  encodeImagePayload,
  type ImagePayload,
  type PayloadLimits,
} from '../../../imaging/remote-image-payload.js';
import type { SageMakerContentType } from '../../../models/model-entry.js';
import type { CallOptions } from '../../../ports.js';
import { errorFromNetworkFailure } from '../../../resilience/http-errors.js';
import { defaultRetryPolicy, type RetryPolicy, withRetry } from '../../../resilience/retry.js';
import { awsError, sageMakerRuntimeErrors } from '../aws/aws-errors.js';

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
  /** How large the sent image is (remote-image-payload.ts); full size when absent. */
  size?: Pick<PayloadLimits, 'maxSide' | 'modelInput'>;
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
      const payload = await encodePayload(image, { ...settings.size, asJson, maxPayloadBytes }, operation);
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
          toError: (error) => awsError(sageMakerRuntimeErrors, error, operation),
        },
      );
      if (!output.Body) throw errorFromNetworkFailure(operation, new Error('the response has no body'));
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
  {
    asJson,
    maxPayloadBytes,
    ...size
  }: Pick<PayloadLimits, 'maxSide' | 'modelInput'> & { asJson: boolean; maxPayloadBytes: number },
  operation: string,
): Promise<ImagePayload> {
  try {
    return await encodeImagePayload(image, {
      ...size,
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
