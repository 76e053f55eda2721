/**
 * Classifier on a SageMaker real-time endpoint: the image goes out as JPEG (or JSON-wrapped
 * base64), the answer is parsed from any of the common classifier shapes against the model card.
 */

import type { DecodedImage, LabelScore } from '../../domain.js';
import { payloadSize } from '../../imaging/remote-image-payload.js';
import type { ClassificationCard } from '../../models/model-card.js';
import type { CallOptions, Classifier } from '../../ports.js';
import {
  createEndpointInvoker,
  type SageMakerEndpointSettings,
} from '../shared/sagemaker/invoke-endpoint.js';
import { parseClassifierResponse } from '../shared/sagemaker/parse-response.js';

export interface SageMakerClassifierSettings extends SageMakerEndpointSettings {
  card: ClassificationCard;
  /** Longest side of the sent image, in place of the card's input size. */
  maxSide?: number;
}

/**
 * @example
 * const classifier = createSageMakerClassifier({ endpoint: 'derm-lesion-v3', card });
 * const ranked = await classifier.classify(image, { signal, recordId });
 */
export function createSageMakerClassifier(
  settings: SageMakerClassifierSettings,
): Classifier & { close(): Promise<void> } {
  const { card } = settings;
  const endpoint = createEndpointInvoker({ ...settings, size: payloadSize(card, settings.maxSide) });
  return {
    name: 'sagemaker',
    card,
    async classify(image: DecodedImage, options?: CallOptions): Promise<LabelScore[]> {
      const answer = await endpoint.invoke(image, options);
      return parseClassifierResponse(answer.body, card, endpoint.operation);
    },
    close: () => endpoint.close(),
  };
}
