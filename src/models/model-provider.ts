/**
 * The ModelProvider port's implementation: each model of the routing table is created on first
 * use, by the backend factory the composition root hands in (compose.ts), and the same instance
 * is handed out afterwards (ONNX sessions and SDK clients are expensive to create).
 */

import { ConfigurationError } from '../errors.js';
import type { Classifier, Detector, ModelProvider } from '../ports.js';
import type { ClassificationCard, DetectionCard } from './model-card.js';
import type { ConfiguredModel } from './model-entry.js';

/** A model that may hold resources (a session, a client) to release when the provider closes. */
export type ClosableModel<T> = T & { close?(): Promise<void> };

/** How a configured model becomes an adapter: one exhaustive switch per task, in compose.ts. */
export interface ModelFactories {
  detector(model: ConfiguredModel & { card: DetectionCard }): Promise<ClosableModel<Detector>>;
  classifier(model: ConfiguredModel & { card: ClassificationCard }): Promise<ClosableModel<Classifier>>;
}

export function createModelProvider(
  table: { models: ReadonlyMap<string, ConfiguredModel> },
  factories: ModelFactories,
): ModelProvider {
  const detectors = new Map<string, Promise<ClosableModel<Detector>>>();
  const classifiers = new Map<string, Promise<ClosableModel<Classifier>>>();

  const configured = (id: string): ConfiguredModel => {
    const model = table.models.get(id);
    if (!model) throw new ConfigurationError(`model "${id}" is not in the routing table`);
    return model;
  };
  const once = <T>(cache: Map<string, Promise<T>>, id: string, create: () => Promise<T>): Promise<T> => {
    let model = cache.get(id);
    if (!model) {
      model = create();
      model.catch(() => cache.delete(id));
      cache.set(id, model);
    }
    return model;
  };

  return {
    detector: (id) =>
      once(detectors, id, async () => {
        const model = configured(id);
        const { card } = model;
        if (card.task !== 'detection') throw new ConfigurationError(`model "${id}" is not a detector`);
        return factories.detector({ ...model, card });
      }),
    classifier: (id) =>
      once(classifiers, id, async () => {
        const model = configured(id);
        const { card } = model;
        if (card.task !== 'classification') throw new ConfigurationError(`model "${id}" is not a classifier`);
        return factories.classifier({ ...model, card });
      }),
    async close() {
      const all = await Promise.allSettled([...detectors.values(), ...classifiers.values()]);
      await Promise.all(
        all.map((result) => (result.status === 'fulfilled' ? result.value.close?.() : undefined)),
      );
    },
  };
}
