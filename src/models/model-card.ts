/**
 * Model cards: the JSON beside every model that says what it is and how to feed it. The same card
 * describes a local ONNX file or a remote endpoint, so swapping backends never changes labels,
 * normalisation or billing-code mappings.
 */
import { z } from 'zod';
import { readValidatedFile } from '../read-validated-file.js';

const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);

const modelInputSchema = z.object({
  name: z.string().min(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  layout: z.enum(['NCHW', 'NHWC']),
  /** Pixels are divided by this before normalisation (255 maps 0..255 to 0..1). */
  scale: z.number().positive().default(255),
  mean: rgbTriple.default([0, 0, 0]),
  std: rgbTriple.default([1, 1, 1]),
  /** `stretch` squashes to the input size; `letterbox` keeps the aspect ratio and pads. */
  resize: z.enum(['stretch', 'letterbox']).default('stretch'),
  padValue: z.number().int().min(0).max(255).default(114),
});

/**
 * What a card says about the model itself (PLAN.md, issue 10 item 3): whether it is a demo, what
 * it was trained on, how it was measured, and what the assessment step needs from it.
 */
const modelStatementSchema = {
  /** Only a card that says `validated` is reported as validated; a card that is silent is a demo. */
  status: z.enum(['demo', 'validated']).default('demo'),
  trainingData: z
    .object({
      source: z.string().min(1),
      generator: z.string().optional(),
      samples: z.number().int().nonnegative().optional(),
      note: z.string().optional(),
    })
    .passthrough()
    .optional(),
  /** The kinds of image it was trained on; another kind is answered uncertain (image-type-gate.ts). */
  imageTypes: z
    .array(z.enum(['dermoscopy', 'clinical']))
    .min(1)
    .optional(),
  /** Figures per evaluation set (`heldOutSynthetic`, `dermEval`), as measured. */
  evaluation: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  calibration: z
    .object({
      method: z.literal('temperature'),
      /** Logits are divided by this before the softmax; above 1 softens an over-confident model. */
      temperature: z.number().positive(),
      fittedOn: z.string().min(1),
    })
    .passthrough()
    .optional(),
  outOfDistribution: z
    .object({
      /** `energy`: -T log sum exp(logits / T), higher is less familiar; `max-probability`: 1 - max raw p. */
      score: z.enum(['energy', 'max-probability']),
      /** A score above this is out of distribution. */
      threshold: z.number(),
      fittedOn: z.string().min(1),
    })
    .passthrough()
    .optional(),
};

const classificationCardSchema = z.object({
  id: z.string().min(1),
  version: z.string().min(1),
  task: z.literal('classification'),
  description: z.string().default(''),
  labels: z.array(z.string().min(1)).min(2),
  input: modelInputSchema,
  output: z.object({
    name: z.string().min(1),
    /** `logits` are turned into probabilities with a softmax; `probabilities` are used as they are. */
    activation: z.enum(['logits', 'probabilities']),
  }),
  icd10cm: z.record(z.string(), z.array(z.string())).default({}),
  metrics: z.record(z.string(), z.unknown()).default({}),
  intendedUse: z.string().default(''),
  ...modelStatementSchema,
});

const detectionCardSchema = z.object({
  id: z.string().min(1),
  version: z.string().min(1),
  task: z.literal('detection'),
  description: z.string().default(''),
  labels: z.array(z.string().min(1)).min(1),
  input: modelInputSchema,
  output: z.discriminatedUnion('format', [
    z.object({
      name: z.string().min(1),
      /** Ultralytics YOLOv8/YOLO11 raw head: [1, 4 + classes, anchors], centre x, y, w, h in input pixels. */
      format: z.literal('yolov8'),
    }),
    z.object({
      name: z.string().min(1),
      /** NMS inside the graph (Ultralytics `nms=True`, YOLO26/YOLOv10 end-to-end): [1, N, 6] x1, y1, x2, y2, score, class. */
      format: z.literal('yolo-end2end'),
    }),
    z.object({
      name: z.string().min(1),
      /** A lesion mask [1, 1, H, W] (or [1, H, W]) over the model input; the ROI is its bounding box. */
      format: z.literal('mask'),
      activation: z.enum(['logits', 'probabilities']).default('logits'),
      /** A pixel belongs to the lesion when its probability is at least this. */
      threshold: z.number().gt(0).lt(1).default(0.5),
    }),
  ]),
  defaults: z
    .object({
      confidence: z.number().min(0).max(1).default(0.25),
      iou: z.number().min(0).max(1).default(0.45),
    })
    .default({ confidence: 0.25, iou: 0.45 }),
  icd10cm: z.record(z.string(), z.array(z.string())).default({}),
  metrics: z.record(z.string(), z.unknown()).default({}),
  intendedUse: z.string().default(''),
  ...modelStatementSchema,
});

export const modelCardSchema = z.discriminatedUnion('task', [classificationCardSchema, detectionCardSchema]);

export type ModelCard = z.infer<typeof modelCardSchema>;
export type ClassificationCard = z.infer<typeof classificationCardSchema>;
export type DetectionCard = z.infer<typeof detectionCardSchema>;
export type ModelInput = z.infer<typeof modelInputSchema>;

export function loadModelCard(path: string): Promise<ModelCard> {
  return readValidatedFile(path, modelCardSchema, 'model card');
}
