/**
 * Detector on onnxruntime-node: YOLO raw heads and end-to-end exports, or a lesion mask.
 */

import type { DecodedImage, Detection } from '../../domain.js';
import { DependencyError, ServiceErrorCode } from '../../errors.js';
import { prepareModelInput } from '../../imaging/model-input.js';
import { decodeDetectorOutput } from '../../models/detector-output.js';
import type { DetectionCard } from '../../models/model-card.js';
import type { CallOptions, Detector } from '../../ports.js';
import { type OnnxModel, openOnnxModel } from '../shared/onnx/onnx-session.js';

export interface OnnxDetectorSettings {
  path: string;
  card: DetectionCard;
  /** Overrides the card's default confidence threshold. */
  confidence?: number;
  /** Overrides the card's default NMS IoU threshold. */
  iou?: number;
}

export async function createOnnxDetector(
  settings: OnnxDetectorSettings,
): Promise<Detector & { close(): Promise<void> }> {
  const { card } = settings;
  const model: OnnxModel = await openOnnxModel(settings.path, card);
  const confidence = settings.confidence ?? card.defaults.confidence;
  const iou = settings.iou ?? card.defaults.iou;

  return {
    name: 'onnx',
    card,
    async detect(image: DecodedImage, options?: CallOptions): Promise<Detection[]> {
      options?.signal?.throwIfAborted();
      const tensor = await prepareModelInput(image, card.input);
      const output = await model.run(tensor.data, tensor.dims);
      try {
        return decodeDetectorOutput(output.data, output.dims, {
          card,
          letterbox: tensor.letterbox,
          image,
          confidence,
          iou,
        });
      } catch (error) {
        throw new DependencyError(`detector ${card.id}: ${(error as Error).message}`, {
          code: ServiceErrorCode.invalidModelOutput,
          retriable: false,
          cause: error,
        });
      }
    },
    close: () => model.release(),
  };
}
