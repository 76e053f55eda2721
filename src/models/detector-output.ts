/**
 * A detector's output tensor -> detections in original-image pixels, by the card's output format:
 * the raw YOLO head, an end-to-end `[1, N, 6]` graph, or a lesion mask. Shared by every adapter
 * that gets the tensor itself (ONNX Runtime locally, KServe / Triton remotely).
 */

import type { Detection } from '../domain.js';
import type { Letterbox } from '../imaging/model-input.js';
import { decodeMaskOutput } from './mask-output.js';
import type { DetectionCard } from './model-card.js';
import { decodeYoloEnd2EndOutput, decodeYoloOutput } from './yolo-output.js';

export interface DetectorOutputContext {
  card: DetectionCard;
  letterbox: Letterbox;
  image: { width: number; height: number };
  confidence: number;
  iou: number;
}

export function decodeDetectorOutput(
  data: Float32Array,
  dims: readonly number[],
  context: DetectorOutputContext,
): Detection[] {
  const { card, letterbox, image, confidence } = context;
  const frame = { letterbox, imageWidth: image.width, imageHeight: image.height };
  switch (card.output.format) {
    case 'yolov8':
      return decodeYoloOutput(data, dims, { labels: card.labels, confidence, iou: context.iou, ...frame });
    case 'yolo-end2end':
      return decodeYoloEnd2EndOutput(data, dims, { labels: card.labels, confidence, ...frame });
    case 'mask':
      return decodeMaskOutput(data, dims, {
        label: card.labels[0] ?? 'lesion',
        activation: card.output.activation,
        threshold: card.output.threshold,
        ...frame,
      });
  }
}
