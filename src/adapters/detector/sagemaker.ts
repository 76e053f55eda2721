/**
 * Detector on a SageMaker real-time endpoint. The endpoint's boxes are in the pixels of the image
 * it received, which may have been downscaled to fit the 6 MB request limit: they are mapped back
 * to the original image here.
 */

import type { DecodedImage, Detection } from '../../domain.js';
import { payloadSize } from '../../imaging/remote-image-payload.js';
import type { DetectionCard } from '../../models/model-card.js';
import type { CallOptions, Detector } from '../../ports.js';
import {
  createEndpointInvoker,
  type SageMakerEndpointSettings,
} from '../shared/sagemaker/invoke-endpoint.js';
import { parseDetectorResponse } from '../shared/sagemaker/parse-response.js';

export interface SageMakerDetectorSettings extends SageMakerEndpointSettings {
  card: DetectionCard;
  /** Overrides the card's confidence threshold (applied again here: containers differ). */
  confidence?: number;
  /** Overrides the card's NMS IoU, for endpoints that answer raw YOLO output. */
  iou?: number;
  /** Longest side of the sent image, in place of the card's input size. */
  maxSide?: number;
}

/**
 * @example
 * const detector = createSageMakerDetector({ endpoint: 'derm-lesion-detector', card });
 * const detections = await detector.detect(image, { signal, recordId });
 */
export function createSageMakerDetector(
  settings: SageMakerDetectorSettings,
): Detector & { close(): Promise<void> } {
  const { card } = settings;
  const endpoint = createEndpointInvoker({ ...settings, size: payloadSize(card, settings.maxSide) });
  const confidence = settings.confidence ?? card.defaults.confidence;
  const iou = settings.iou ?? card.defaults.iou;
  return {
    name: 'sagemaker',
    card,
    async detect(image: DecodedImage, options?: CallOptions): Promise<Detection[]> {
      const answer = await endpoint.invoke(image, options);
      return parseDetectorResponse(
        answer.body,
        { card, sent: answer.sent, original: image, confidence, iou },
        endpoint.operation,
      );
    },
    close: () => endpoint.close(),
  };
}
