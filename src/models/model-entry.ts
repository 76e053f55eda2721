/**
 * The model entries of a routing table (`models:`), one schema per `kind`: a local ONNX file, a
 * SageMaker endpoint, a Roboflow detect API (hosted, or a self-hosted inference server) or a
 * KServe / Triton v2 server, or the classical dermoscopy outline. A
 * remote model has no file beside the table to derive a card path from, so `card` is required
 * there: labels, input size and billing codes always come from our own card.
 */
import { z } from 'zod';
import type { ModelCard } from './model-card.js';

export const onnxModelSchema = z.object({
  kind: z.literal('onnx'),
  /** The .onnx file, relative to the routing table. */
  path: z.string().min(1),
  /** The model card; defaults to the model path with `.card.json` instead of `.onnx`. */
  card: z.string().min(1).optional(),
  confidence: z.number().min(0).max(1).optional(),
  iou: z.number().min(0).max(1).optional(),
});

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
  /** Longest side of the image sent; by default it is sized to just cover the card's input. */
  maxSide: z.number().int().positive().optional(),
});

export const roboflowModelSchema = z.object({
  kind: z.literal('roboflow'),
  project: z.string().min(1),
  version: z.union([z.number().int().positive(), z.string().min(1)]),
  /** The model card, relative to the routing table. */
  card: z.string().min(1),
  /** Defaults to `ROBOFLOW_API_URL`, then the hosted API (see `roboflowConnection` in adapters/detector/roboflow.ts). */
  apiUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** 0..1 here; sent to Roboflow as a percentage. Defaults to the card's threshold. */
  confidence: z.number().min(0).max(1).optional(),
  /** NMS overlap, 0..1 here; sent to Roboflow as a percentage. Defaults to the card's IoU. */
  overlap: z.number().min(0).max(1).optional(),
  /** Longest side of the image sent; by default it is sized to just cover the card's input. */
  maxSide: z.number().int().positive().optional(),
});

/**
 * A model behind a KServe / Triton Open Inference Protocol v2 server. Like every remote model it
 * names its card: tensor names, input size, normalisation and labels come from our card, the
 * server only runs the graph.
 */
export const kserveModelSchema = z.object({
  kind: z.literal('kserve'),
  /** The server's base URL, e.g. `http://triton.models.svc:8000` or a KServe InferenceService URL. */
  url: z.url({ protocol: /^https?$/ }),
  /** The model name in `/v2/models/{model}`. */
  model: z.string().min(1),
  /** A model version (`/versions/{version}`); the server's choice when absent. */
  version: z.string().min(1).optional(),
  /** The model card, relative to the routing table. */
  card: z.string().min(1),
  /** The binary tensor data extension: used when the server lists it (`auto`), always, or never. */
  binary: z.enum(['auto', 'always', 'never']).default('auto'),
  /** Detectors: override the card's confidence threshold and NMS IoU. */
  confidence: z.number().min(0).max(1).optional(),
  iou: z.number().min(0).max(1).optional(),
});

/**
 * The classical dermoscopy outline (imaging/lesion-outline.ts): no model file, nothing learned; its
 * card says what it works on and how it was measured.
 */
export const lesionOutlineModelSchema = z.object({
  kind: z.literal('lesion-outline'),
  /** The model card, relative to the routing table. */
  card: z.string().min(1),
});

export const modelConfigSchema = z.discriminatedUnion('kind', [
  onnxModelSchema,
  sageMakerModelSchema,
  roboflowModelSchema,
  kserveModelSchema,
  lesionOutlineModelSchema,
]);

export type ModelConfig = z.infer<typeof modelConfigSchema>;
export type SageMakerModelConfig = z.infer<typeof sageMakerModelSchema>;
export type RoboflowModelConfig = z.infer<typeof roboflowModelSchema>;
export type KServeModelConfig = z.infer<typeof kserveModelSchema>;

/** A model entry of a loaded routing table: its settings, its file and its validated card. */
export interface ConfiguredModel {
  id: string;
  config: ModelConfig;
  /** Absolute path of the model file, for file-based kinds (ONNX); null for remote models. */
  path: string | null;
  card: ModelCard;
}
