/**
 * Detector behind a KServe / Triton Open Inference Protocol v2 server: the image is prepared
 * exactly as for ONNX Runtime (the card's size, letterbox, scale, layout), sent as one FP32 tensor,
 * and the output tensor is decoded by the same decoder (YOLO head, end-to-end boxes or a mask).
 */

import type { DecodedImage, Detection } from '../../domain.js';
import { invalidModelOutput } from '../../errors.js';
import { decodeDetectorOutput } from '../../models/detector-output.js';
import type { DetectionCard } from '../../models/model-card.js';
import type { CallOptions, Detector } from '../../ports.js';
import {
  createKServeModelClient,
  inferImage,
  type KServeModelSettings,
} from '../shared/kserve/infer-client.js';

export interface KServeDetectorSettings extends KServeModelSettings {
  card: DetectionCard;
  /** Overrides the card's confidence threshold. */
  confidence?: number;
  /** Overrides the card's NMS IoU. */
  iou?: number;
}

/**
 * @example
 * const detector = createKServeDetector({ url: 'http://triton:8000', model: 'lesion-detector', card });
 * const detections = await detector.detect(image, { signal });
 */
export function createKServeDetector(settings: KServeDetectorSettings): Detector {
  const { card } = settings;
  const client = createKServeModelClient(settings);
  const confidence = settings.confidence ?? card.defaults.confidence;
  const iou = settings.iou ?? card.defaults.iou;
  return {
    name: 'kserve',
    card,
    async detect(image: DecodedImage, options?: CallOptions): Promise<Detection[]> {
      const { output, letterbox } = await inferImage(client, card, image, options);
      try {
        return decodeDetectorOutput(output.data, output.shape, {
          card,
          letterbox,
          image,
          confidence,
          iou,
        });
      } catch (error) {
        throw invalidModelOutput(client.operation, (error as Error).message, error);
      }
    },
  };
}
