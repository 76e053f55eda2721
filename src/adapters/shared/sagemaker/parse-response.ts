/**
 * Turns what a SageMaker endpoint answered into ranked labels or detections. Containers answer in
 * a handful of common shapes (the JSON of this project's model server, TF Serving, Hugging Face,
 * Roboflow-style and YOLO-style detectors); each is validated with zod here, at the boundary,
 * and anything else is an `INVALID_MODEL_OUTPUT` that no retry can fix.
 */
import { z } from 'zod';
import type { Detection, LabelScore } from '../../../domain.js';
import { invalidModelOutput } from '../../../errors.js';
import type { Letterbox } from '../../../imaging/model-input.js';
import type { ClassificationCard, DetectionCard, ModelInput } from '../../../models/model-card.js';
import { rankLabels } from '../../../models/rank-labels.js';
import { decodeYoloOutput, nonMaximumSuppression } from '../../../models/yolo-output.js';
import { detectionsFromCentreBoxes, roboflowPredictionSchema } from '../roboflow/roboflow-response.js';

// ---------------------------------------------------------------------------------------------
// Classifiers

const unitScore = z.number().min(0).max(1);

/** `{ label, score }` (Hugging Face, this project's server) or `{ label, probability }`. */
const labelScoreSchema = z
  .object({ label: z.string().min(1), score: unitScore.optional(), probability: unitScore.optional() })
  .refine((entry) => (entry.score ?? entry.probability) !== undefined, 'needs a score or a probability')
  .transform((entry) => ({ label: entry.label, probability: entry.score ?? entry.probability ?? 0 }));

const numberRow = z.array(z.number()).min(1);

const classifierResponseSchema = z.union([
  z.object({ predictions: z.array(labelScoreSchema).min(1) }).transform((body) => labelled(body.predictions)),
  z.array(labelScoreSchema).min(1).transform(labelled),
  z.object({ probabilities: numberRow }).transform((body) => ordered(body.probabilities)),
  z.object({ scores: numberRow }).transform((body) => ordered(body.scores)),
  numberRow.transform(ordered),
  // TF Serving: one row per instance, and we send one instance.
  z.object({ predictions: z.tuple([numberRow]) }).transform((body) => ordered(body.predictions[0])),
]);

type ClassifierOutput =
  | { kind: 'labelled'; scores: { label: string; probability: number }[] }
  | { kind: 'ordered'; values: number[] };

function labelled(scores: { label: string; probability: number }[]): ClassifierOutput {
  return { kind: 'labelled', scores };
}
function ordered(values: number[]): ClassifierOutput {
  return { kind: 'ordered', values };
}

export function parseClassifierResponse(
  body: Uint8Array,
  card: ClassificationCard,
  source: string,
): LabelScore[] {
  const json = parseJson(body, source);
  const parsed = classifierResponseSchema.safeParse(json);
  if (!parsed.success)
    throw invalidModelOutput(source, `not a classifier response shape it knows (${shapeOf(json)})`);
  const output = parsed.data;
  try {
    return output.kind === 'labelled'
      ? rankNamedScores(output.scores, card)
      : rankOrderedScores(output.values, card);
  } catch (error) {
    throw invalidModelOutput(source, (error as Error).message, error);
  }
}

/** Scores in card label order: a softmax only when the card says the model outputs logits. */
function rankOrderedScores(values: number[], card: ClassificationCard): LabelScore[] {
  if (card.output.activation === 'probabilities') {
    const sum = values.reduce((total, value) => total + value, 0);
    // Catches a card that says probabilities for an endpoint that returns logits.
    if (values.some((value) => value < 0 || value > 1) || Math.abs(sum - 1) > 1e-3) {
      throw new Error(`the card says probabilities, but the scores sum to ${sum.toFixed(4)}`);
    }
    return rankLabels(
      values.map((value) => value / sum),
      card.labels,
      'probabilities',
    );
  }
  return rankLabels(values, card.labels, 'logits');
}

/**
 * Scores named by label. A top-k answer leaves labels out: they share what probability is left
 * (the even split assumes nothing about them), so every card label is ranked and the total is 1.
 */
function rankNamedScores(
  scores: { label: string; probability: number }[],
  card: ClassificationCard,
): LabelScore[] {
  const byLabel = new Map<string, number>();
  for (const { label, probability } of scores) {
    if (!card.labels.includes(label)) throw new Error(`label "${label}" is not in the model card`);
    if (byLabel.has(label)) throw new Error(`label "${label}" appears twice`);
    byLabel.set(label, probability);
  }
  const missing = card.labels.filter((label) => !byLabel.has(label));
  const given = [...byLabel.values()].reduce((total, value) => total + value, 0);
  const share = missing.length > 0 ? Math.max(0, 1 - given) / missing.length : 0;
  const probabilities = card.labels.map((label) => byLabel.get(label) ?? share);
  const total = probabilities.reduce((sum, value) => sum + value, 0);
  if (total <= 0) throw new Error('every score is zero');
  return rankLabels(
    probabilities.map((value) => value / total),
    card.labels,
    'probabilities',
  );
}

// ---------------------------------------------------------------------------------------------
// Detectors

export interface DetectorResponseContext {
  card: DetectionCard;
  /** The image as sent (after any downscaling): the frame the endpoint's pixels refer to. */
  sent: { width: number; height: number };
  /** The original image the boxes must be mapped to. */
  original: { width: number; height: number };
  confidence: number;
  iou: number;
}

const detectorResponseSchema = z.union([
  z.object({
    predictions: z.array(roboflowPredictionSchema),
    image: z.object({ width: z.number().positive(), height: z.number().positive() }).optional(),
  }),
  z.object({
    // [x1, y1, x2, y2, score, classIndex] in sent-image pixels.
    boxes: z.array(
      z.tuple([
        z.number(),
        z.number(),
        z.number(),
        z.number(),
        z.number().min(0).max(1),
        z.number().int().min(0),
      ]),
    ),
  }),
  // The raw YOLOv8 head, [1, 4 + classes, anchors], as the container's ONNX/TorchScript model gave it.
  z.tuple([z.array(numberRow).min(5)]),
]);

export function parseDetectorResponse(
  body: Uint8Array,
  context: DetectorResponseContext,
  source: string,
): Detection[] {
  const json = parseJson(body, source);
  const parsed = detectorResponseSchema.safeParse(json);
  if (!parsed.success)
    throw invalidModelOutput(source, `not a detector response shape it knows (${shapeOf(json)})`);
  const output = parsed.data;
  const { card, original } = context;
  try {
    if (Array.isArray(output)) return decodeRawYolo(output[0], context);
    if ('predictions' in output) {
      // The answer's own `image` is the frame its pixels are in; fall back to what was sent.
      const frame = output.image ?? context.sent;
      return detectionsFromCentreBoxes(output.predictions, {
        scaleX: original.width / frame.width,
        scaleY: original.height / frame.height,
        imageWidth: original.width,
        imageHeight: original.height,
        labels: card.labels,
        confidence: context.confidence,
      });
    }
    const centreBoxes = output.boxes.map(([x1, y1, x2, y2, score, classIndex]) => {
      const label = card.labels[classIndex];
      if (label === undefined) throw new Error(`class index ${classIndex} is outside the card's labels`);
      return {
        x: (x1 + x2) / 2,
        y: (y1 + y2) / 2,
        width: x2 - x1,
        height: y2 - y1,
        confidence: score,
        class: label,
      };
    });
    const detections = detectionsFromCentreBoxes(centreBoxes, {
      scaleX: original.width / context.sent.width,
      scaleY: original.height / context.sent.height,
      imageWidth: original.width,
      imageHeight: original.height,
      labels: card.labels,
      confidence: context.confidence,
    });
    return nonMaximumSuppression(detections, context.iou);
  } catch (error) {
    throw invalidModelOutput(source, (error as Error).message, error);
  }
}

/**
 * The container resized the sent image to the card's input (letterboxed or stretched) as our own
 * ONNX adapter does, so boxes decode into sent-image pixels, then scale per axis to the original.
 */
function decodeRawYolo(rows: number[][], context: DetectorResponseContext): Detection[] {
  const anchors = rows[0]?.length ?? 0;
  if (rows.some((row) => row.length !== anchors)) throw new Error('the YOLO output rows differ in length');
  const data = new Float32Array(rows.length * anchors);
  rows.forEach((row, index) => {
    data.set(row, index * anchors);
  });
  const { sent, original } = context;
  const inSentPixels = decodeYoloOutput(data, [1, rows.length, anchors], {
    labels: context.card.labels,
    confidence: context.confidence,
    iou: context.iou,
    letterbox: letterboxFor(sent, context.card.input),
    imageWidth: sent.width,
    imageHeight: sent.height,
  });
  const scaleX = original.width / sent.width;
  const scaleY = original.height / sent.height;
  return inSentPixels.map(({ box, ...detection }) => ({
    ...detection,
    box: { x: box.x * scaleX, y: box.y * scaleY, width: box.width * scaleX, height: box.height * scaleY },
  }));
}

/**
 * The mapping `prepareModelInput` uses for an image of this size (same rounding); kept in step
 * with it by the unit test that decodes the ONNX model's raw output both ways.
 */
function letterboxFor(image: { width: number; height: number }, input: ModelInput): Letterbox {
  if (input.resize === 'stretch') {
    return { scaleX: input.width / image.width, scaleY: input.height / image.height, padX: 0, padY: 0 };
  }
  const scale = Math.min(input.width / image.width, input.height / image.height);
  const resizedWidth = Math.max(1, Math.round(image.width * scale));
  const resizedHeight = Math.max(1, Math.round(image.height * scale));
  return {
    scaleX: resizedWidth / image.width,
    scaleY: resizedHeight / image.height,
    padX: Math.floor((input.width - resizedWidth) / 2),
    padY: Math.floor((input.height - resizedHeight) / 2),
  };
}

// ---------------------------------------------------------------------------------------------

function parseJson(body: Uint8Array, source: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch (error) {
    throw invalidModelOutput(source, `the body is not JSON (${body.length} bytes)`, error);
  }
}

/** A hint for the error message that names the keys, never the values (they could be anything). */
function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === 'object')
    return `keys: ${Object.keys(value).slice(0, 8).join(', ')}`;
  return typeof value;
}
