/**
 * One Open Inference Protocol v2 model over HTTP: `POST {url}/v2/models/{name}[/versions/{v}]/infer`
 * with one FP32 input tensor, the card's output tensor back. Before the first call the server's
 * readiness (`GET /v2/health/ready`) and, in `auto` mode, its extensions (`GET /v2`) are asked once:
 * servers that list `binary_tensor_data` (Triton, `ddx serve-models`) get the tensor as raw bytes
 * after the JSON header, others get JSON numbers. Every call has a timeout and the bounded retry
 * of `withRetry`; a server still loading, throttling or failing with 5xx is retried, a request it
 * rejects (400: wrong name, shape or datatype) is not.
 */

import type { DecodedImage } from '../../../domain.js';
import { DependencyError, ServiceErrorCode } from '../../../errors.js';
import { type Letterbox, prepareModelInput } from '../../../imaging/model-input.js';
import type { ModelCard } from '../../../models/model-card.js';
import type { CallOptions } from '../../../ports.js';
import { errorFromHttpStatus, errorFromNetworkFailure } from '../../../resilience/http-errors.js';
import { defaultRetryPolicy, type RetryPolicy, withRetry } from '../../../resilience/retry.js';
import {
  type DecodedTensor,
  decodeTensors,
  float32Bytes,
  inferenceHeaderLengthHeader,
  inferResponseSchema,
  splitBody,
} from './v2-tensors.js';

export type BinaryMode = 'auto' | 'always' | 'never';

export interface KServeModelSettings {
  /** The server's base URL (`http://triton:8000`, a KServe InferenceService URL). */
  url: string;
  /** The model name in `/v2/models/{name}`. */
  model: string;
  version?: string;
  /** The binary tensor data extension: ask the server (`auto`), or force it on or off. */
  binary?: BinaryMode;
  /** Extra request headers (a KServe `Host` routing header, an auth token from the environment). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  policy?: RetryPolicy;
}

export interface InferInput {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

export interface KServeModelClient {
  /** `KServe v2 infer <model>[@version]`: names the call in errors and logs. */
  readonly operation: string;
  /** Sends one FP32 input, returns the named output. */
  infer(input: InferInput, outputName: string, options?: CallOptions): Promise<DecodedTensor>;
}

interface ServerFacts {
  binary: boolean;
}

export function createKServeModelClient(settings: KServeModelSettings): KServeModelClient {
  const base = settings.url.replace(/\/+$/, '');
  const modelPath = `/v2/models/${encodeURIComponent(settings.model)}${settings.version ? `/versions/${encodeURIComponent(settings.version)}` : ''}`;
  const operation = `KServe v2 infer ${settings.model}${settings.version ? `@${settings.version}` : ''}`;
  const fetchImplementation = settings.fetch ?? fetch;
  const policy = settings.policy ?? defaultRetryPolicy;
  const mode = settings.binary ?? 'auto';
  let facts: Promise<ServerFacts> | undefined;

  const call = async (path: string, init: RequestInit, signal: AbortSignal): Promise<Response> =>
    fetchImplementation(`${base}${path}`, {
      ...init,
      headers: { ...settings.headers, ...init.headers },
      signal,
    });

  /** Readiness and extensions, once per client; a failure is forgotten so the next job asks again. */
  const serverFacts = (options?: CallOptions): Promise<ServerFacts> => {
    facts ??= withRetry(
      async (signal) => {
        const ready = await call('/v2/health/ready', { method: 'GET' }, signal);
        await ready.arrayBuffer();
        if (!ready.ok) throw notReady(operation, ready.status);
        if (mode !== 'auto') return { binary: mode === 'always' };
        const metadata = await call(
          '/v2',
          { method: 'GET', headers: { accept: 'application/json' } },
          signal,
        );
        const text = await metadata.text();
        if (!metadata.ok) return { binary: false };
        return { binary: extensionsOf(text).includes('binary_tensor_data') };
      },
      {
        policy,
        signal: options?.signal,
        operation,
        toError: (error) => errorFromNetworkFailure(operation, error),
      },
    );
    facts.catch(() => {
      facts = undefined;
    });
    return facts;
  };

  return {
    operation,
    async infer(input, outputName, options) {
      options?.signal?.throwIfAborted();
      const { binary } = await serverFacts(options);
      const request = encodeRequest(input, outputName, binary, options?.recordId);
      const answer = await withRetry(
        async (signal) => {
          const response = await call(
            `${modelPath}/infer`,
            { method: 'POST', headers: request.headers, body: request.body },
            signal,
          );
          const body = Buffer.from(await response.arrayBuffer());
          if (!response.ok)
            throw errorFromV2Status(operation, response.status, body, response.headers.get('retry-after'));
          return { body, headerLength: response.headers.get(inferenceHeaderLengthHeader) };
        },
        {
          policy,
          signal: options?.signal,
          operation,
          toError: (error) => errorFromNetworkFailure(operation, error),
        },
      );
      return outputOf(answer.body, answer.headerLength, outputName, operation);
    },
  };
}

function encodeRequest(
  input: InferInput,
  outputName: string,
  binary: boolean,
  recordId: string | undefined,
): { headers: Record<string, string>; body: Buffer } {
  const tensor = { name: input.name, shape: [...input.shape], datatype: 'FP32' };
  const header = {
    ...(recordId && { id: recordId }),
    inputs: [
      binary
        ? { ...tensor, parameters: { binary_data_size: input.data.length * 4 } }
        : { ...tensor, data: Array.from(input.data) },
    ],
    outputs: [{ name: outputName, ...(binary && { parameters: { binary_data: true } }) }],
  };
  const json = Buffer.from(JSON.stringify(header));
  if (!binary)
    return { headers: { 'content-type': 'application/json', accept: 'application/json' }, body: json };
  return {
    headers: {
      'content-type': 'application/octet-stream',
      [inferenceHeaderLengthHeader]: String(json.length),
    },
    body: Buffer.concat([json, float32Bytes(input.data)]),
  };
}

export function outputOf(
  body: Buffer,
  headerLength: string | null,
  outputName: string,
  operation: string,
): DecodedTensor {
  try {
    const { json, binary } = splitBody(body, headerLength);
    const parsed = inferResponseSchema.safeParse(json);
    if (!parsed.success)
      throw new Error('not a v2 inference response ({ outputs: [{ name, shape, datatype, data }] })');
    const output = decodeTensors(parsed.data.outputs, binary).find((tensor) => tensor.name === outputName);
    if (!output) {
      throw new Error(
        `it has no output "${outputName}" (it has ${parsed.data.outputs.map((tensor) => tensor.name).join(', ')})`,
      );
    }
    return output;
  } catch (error) {
    throw new DependencyError(`${operation} answered an unusable response: ${(error as Error).message}`, {
      code: ServiceErrorCode.invalidModelOutput,
      retriable: false,
      cause: error,
    });
  }
}

/**
 * v2 servers answer errors as `{ "error": "..." }`. 400 is the server refusing this request (wrong
 * tensor name, shape or datatype): the model setup is wrong and no retry helps. 404 is an unknown
 * model or version. 429, 5xx (Triton's 503 while a model loads) are transient.
 */
function errorFromV2Status(
  operation: string,
  status: number,
  body: Buffer,
  retryAfter: string | null,
): DependencyError {
  const detail = errorMessageOf(body);
  if (status === 400 || status === 422) {
    return new DependencyError(`${operation} refused the request (HTTP ${status}): ${detail.slice(0, 300)}`, {
      code: ServiceErrorCode.modelError,
      retriable: false,
    });
  }
  return errorFromHttpStatus(operation, status, detail, retryAfter);
}

function notReady(operation: string, status: number): DependencyError {
  return new DependencyError(
    `${operation}: the server is not ready (GET /v2/health/ready answered HTTP ${status})`,
    {
      code: ServiceErrorCode.dependencyUnavailable,
      retriable: true,
    },
  );
}

function errorMessageOf(body: Buffer): string {
  const text = body.toString('utf8');
  try {
    const json = JSON.parse(text) as { error?: unknown };
    if (typeof json.error === 'string') return json.error;
  } catch {
    // Not JSON: the text itself says what went wrong.
  }
  return text;
}

function extensionsOf(text: string): string[] {
  try {
    const json = JSON.parse(text) as { extensions?: unknown };
    return Array.isArray(json.extensions) ? json.extensions.filter((item) => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * The image prepared as the card's input tensor (size, normalisation, layout, letterbox), sent,
 * and the card's output tensor back, with the letterbox that maps it to the original image.
 */
export async function inferImage(
  client: KServeModelClient,
  card: ModelCard,
  image: DecodedImage,
  options?: CallOptions,
): Promise<{ output: DecodedTensor; letterbox: Letterbox }> {
  options?.signal?.throwIfAborted();
  const tensor = await prepareModelInput(image, card.input);
  const output = await client.infer(
    { name: card.input.name, shape: tensor.dims, data: tensor.data },
    card.output.name,
    options,
  );
  return { output, letterbox: tensor.letterbox };
}
