/**
 * Classifier behind a KServe / Triton Open Inference Protocol v2 server: the card's input tensor
 * (size, normalisation, layout) goes out as FP32, the output row comes back and is ranked against
 * the card's labels (softmax when the card says logits).
 */

import type { DecodedImage, LabelScore } from '../../domain.js';
import { invalidModelOutput } from '../../errors.js';
import type { ClassificationCard } from '../../models/model-card.js';
import { rankLabels } from '../../models/rank-labels.js';
import type { CallOptions, Classifier } from '../../ports.js';
import {
  createKServeModelClient,
  inferImage,
  type KServeModelSettings,
} from '../shared/kserve/infer-client.js';

export interface KServeClassifierSettings extends KServeModelSettings {
  card: ClassificationCard;
}

/**
 * @example
 * const classifier = createKServeClassifier({ url: 'http://triton:8000', model: 'lesion-classifier', card });
 * const ranked = await classifier.classify(image, { signal });
 */
export function createKServeClassifier(settings: KServeClassifierSettings): Classifier {
  const { card } = settings;
  const client = createKServeModelClient(settings);
  return {
    name: 'kserve',
    card,
    async classify(image: DecodedImage, options?: CallOptions): Promise<LabelScore[]> {
      const { output } = await inferImage(client, card, image, options);
      try {
        const [batch, ...rest] = output.shape;
        if (batch !== 1 || rest.reduce((product, size) => product * size, 1) !== card.labels.length) {
          throw new Error(
            `output ${output.name} has shape [${output.shape.join(', ')}], expected [1, ${card.labels.length}]`,
          );
        }
        return rankLabels(output.data, card.labels, card.output.activation);
      } catch (error) {
        throw invalidModelOutput(client.operation, (error as Error).message, error);
      }
    },
  };
}
