/**
 * Routing-table entries for models served elsewhere: a SageMaker endpoint or a Roboflow detect
 * API (hosted, or a self-hosted inference server). The integrator adds these schemas to the
 * table's `kind` union. A remote model has no file beside the table to derive a card path from,
 * so `card` is required: labels, input size and billing codes always come from our own card.
 */
import { z } from 'zod';
import { ConfigurationError } from '../errors.js';

/** SageMaker's limit on an InvokeEndpoint request body. */
export const sageMakerMaxPayloadBytes = 6 * 1024 * 1024;

export const sageMakerContentTypes = ['application/x-image', 'image/jpeg', 'application/json'] as const;
export type SageMakerContentType = (typeof sageMakerContentTypes)[number];

export const sageMakerModelSchema = z.object({
  kind: z.literal('sagemaker'),
  /** The endpoint name (not its URL): the client resolves the region's runtime host. */
  endpoint: z.string().min(1).max(63),
  /** The model card, relative to the routing table. */
  card: z.string().min(1),
  /** How the image travels: JPEG bytes (`application/x-image`, `image/jpeg`) or `{ "image": base64 }`. */
  contentType: z.enum(sageMakerContentTypes).default('application/x-image'),
  accept: z.string().min(1).default('application/json'),
  /** Passed to the container untouched (`X-Amzn-SageMaker-Custom-Attributes`); SageMaker caps it at 1024. */
  customAttributes: z.string().min(1).max(1024).optional(),
  /** The model of a multi-model endpoint (`X-Amzn-SageMaker-Target-Model`). */
  targetModel: z.string().min(1).max(1024).optional(),
});

export const defaultRoboflowApiUrl = 'https://detect.roboflow.com';

export const roboflowModelSchema = z.object({
  kind: z.literal('roboflow'),
  project: z.string().min(1),
  version: z.union([z.number().int().positive(), z.string().min(1)]),
  /** The model card, relative to the routing table. */
  card: z.string().min(1),
  /** Defaults to `ROBOFLOW_API_URL`, then the hosted API (see `roboflowConnection`). */
  apiUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** 0..1 here; sent to Roboflow as a percentage. Defaults to the card's threshold. */
  confidence: z.number().min(0).max(1).optional(),
  /** NMS overlap, 0..1 here; sent to Roboflow as a percentage. Defaults to the card's IoU. */
  overlap: z.number().min(0).max(1).optional(),
});

export type SageMakerModelConfig = z.infer<typeof sageMakerModelSchema>;
export type RoboflowModelConfig = z.infer<typeof roboflowModelSchema>;

/**
 * Where and with which key to call Roboflow: the table's `apiUrl`, else `ROBOFLOW_API_URL`, else
 * the hosted API; the key from `ROBOFLOW_API_KEY` (secrets stay out of the routing table). The
 * hosted API refuses every call without a key, so that is caught at start-up; a self-hosted
 * server may run without one.
 */
export function roboflowConnection(
  config: Pick<RoboflowModelConfig, 'apiUrl'>,
  environment: NodeJS.ProcessEnv = process.env,
): { apiUrl: string; apiKey: string } {
  const apiUrl = config.apiUrl ?? (environment.ROBOFLOW_API_URL || defaultRoboflowApiUrl);
  if (!URL.canParse(apiUrl)) throw new ConfigurationError(`ROBOFLOW_API_URL is not a URL: ${apiUrl}`);
  const apiKey = environment.ROBOFLOW_API_KEY ?? '';
  if (apiKey === '' && new URL(apiUrl).hostname.endsWith('roboflow.com')) {
    throw new ConfigurationError(`ROBOFLOW_API_KEY is not set: the Roboflow API at ${apiUrl} needs one`);
  }
  return { apiUrl, apiKey };
}
