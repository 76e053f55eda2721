/**
 * The routing-table entry for a model behind a KServe / Triton Open Inference Protocol v2 server
 * (`kind: kserve`). Like every remote model it names its card: tensor names, input size,
 * normalisation and labels come from our card, the server only runs the graph.
 */
import { z } from 'zod';

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

export type KServeModelConfig = z.infer<typeof kserveModelSchema>;
