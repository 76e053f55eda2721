/**
 * Roboflow's detection wire shape, shared by the Roboflow adapter, SageMaker endpoints that answer
 * in it and the model server that serves it: `x`, `y` are the box CENTRE in the pixels of the
 * image the API received; the pipeline's boxes are top-left in original-image pixels.
 */
import { z } from 'zod';
import type { Detection } from '../../../domain.js';

export const roboflowPredictionSchema = z.object({
  x: z.number(),
  y: z.number(),
  width: z.number().nonnegative(),
  height: z.number().nonnegative(),
  confidence: z.number().min(0).max(1),
  class: z.string().min(1),
  class_id: z.number().int().nonnegative().optional(),
  detection_id: z.string().optional(),
});

export const roboflowResponseSchema = z.object({
  time: z.number().optional(),
  image: z.object({ width: z.number().positive(), height: z.number().positive() }),
  predictions: z.array(roboflowPredictionSchema),
});

export type RoboflowPrediction = z.infer<typeof roboflowPredictionSchema>;
export type RoboflowResponse = z.infer<typeof roboflowResponseSchema>;

export interface CentreBoxMapping {
  /** Original pixels per sent pixel, per axis (the sent image may have been downscaled). */
  scaleX: number;
  scaleY: number;
  imageWidth: number;
  imageHeight: number;
  /** The card's labels: a class outside them means the endpoint is not the model the card describes. */
  labels: readonly string[];
  /** Detections below this are dropped (a server may ignore the threshold it was sent). */
  confidence: number;
}

/** Centre boxes in sent-image pixels -> top-left boxes in original-image pixels, most confident first. */
export function detectionsFromCentreBoxes(
  predictions: readonly Pick<RoboflowPrediction, 'x' | 'y' | 'width' | 'height' | 'confidence' | 'class'>[],
  mapping: CentreBoxMapping,
): Detection[] {
  const detections: Detection[] = [];
  for (const prediction of predictions) {
    if (!mapping.labels.includes(prediction.class)) {
      throw new Error(`class "${prediction.class}" is not a label of the model card`);
    }
    if (prediction.confidence < mapping.confidence) continue;
    const left = clamp((prediction.x - prediction.width / 2) * mapping.scaleX, mapping.imageWidth);
    const top = clamp((prediction.y - prediction.height / 2) * mapping.scaleY, mapping.imageHeight);
    const right = clamp((prediction.x + prediction.width / 2) * mapping.scaleX, mapping.imageWidth);
    const bottom = clamp((prediction.y + prediction.height / 2) * mapping.scaleY, mapping.imageHeight);
    // Same rule as the ONNX decoder: a box under a pixel is no region to crop.
    if (right - left < 1 || bottom - top < 1) continue;
    detections.push({
      box: { x: left, y: top, width: right - left, height: bottom - top },
      confidence: prediction.confidence,
      label: prediction.class,
    });
  }
  return detections.sort((a, b) => b.confidence - a.confidence);
}

/** The inverse, for serving: a top-left box in the received image's pixels -> Roboflow's centre box. */
export function roboflowPrediction(
  detection: Detection,
  classId: number,
  detectionId: string,
): Required<RoboflowPrediction> {
  const { box } = detection;
  return {
    x: box.x + box.width / 2,
    y: box.y + box.height / 2,
    width: box.width,
    height: box.height,
    confidence: detection.confidence,
    class: detection.label,
    class_id: classId,
    detection_id: detectionId,
  };
}

function clamp(value: number, max: number): number {
  return Math.min(max, Math.max(0, value));
}
