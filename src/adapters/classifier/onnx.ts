/**
 * Classifier on onnxruntime-node: one image in, labels ranked by probability out.
 */

import type { DecodedImage, LabelScore } from '../../domain.js';
import { DependencyError, ServiceErrorCode } from '../../errors.js';
import { prepareModelInput } from '../../imaging/model-input.js';
import type { ClassificationCard } from '../../models/model-card.js';
import { rankLabels } from '../../models/rank-labels.js';
import type { CallOptions, Classifier } from '../../ports.js';
import { openOnnxModel } from '../shared/onnx/onnx-session.js';

export interface OnnxClassifierSettings {
  path: string;
  card: ClassificationCard;
}

export async function createOnnxClassifier(
  settings: OnnxClassifierSettings,
): Promise<Classifier & { close(): Promise<void> }> {
  const { card } = settings;
  const model = await openOnnxModel(settings.path, card);

  return {
    name: 'onnx',
    card,
    async classify(image: DecodedImage, options?: CallOptions): Promise<LabelScore[]> {
      options?.signal?.throwIfAborted();
      const tensor = await prepareModelInput(image, card.input);
      const output = await model.run(tensor.data, tensor.dims);
      try {
        return rankLabels(output.data, card.labels, card.output.activation);
      } catch (error) {
        throw new DependencyError(`classifier ${card.id}: ${(error as Error).message}`, {
          code: ServiceErrorCode.invalidModelOutput,
          retriable: false,
          cause: error,
        });
      }
    },
    close: () => model.release(),
  };
}
