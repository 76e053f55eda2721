/**
 * The same models with every classifier's `classify` replaced: for tests that need a classifier
 * to fail, wait or count its calls while the detector and the model cards stay real.
 *
 * @example
 * fixture.deps.models = withClassify(fixture.models, (real) => (image, options) => {
 *   calls++;
 *   return real.classify(image, options);
 * });
 */
import type { Classifier, ModelProvider } from '../../src/ports.js';

export function withClassify(
  models: ModelProvider,
  replace: (real: Classifier) => Classifier['classify'],
): ModelProvider {
  return {
    detector: (id) => models.detector(id),
    async classifier(id) {
      const real = await models.classifier(id);
      return { name: real.name, card: real.card, classify: replace(real) };
    },
  };
}
