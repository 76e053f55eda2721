/**
 * The models the server answers for: the routing table's models, created through the same
 * provider as the pipeline's, so a served model gives exactly the pipeline's local results.
 */
import type { RoutingTable } from '../clinical/routing-table.js';
import type { DecodedImage, Detection, LabelScore } from '../domain.js';
import type { ModelProvider } from '../ports.js';

export type ModelAnswer =
  | { task: 'classification'; labels: LabelScore[] }
  | { task: 'detection'; detections: Detection[]; labels: readonly string[] };

export interface ServedModels {
  /** Ids of the models in the table. */
  readonly ids: readonly string[];
  has(id: string): boolean;
  taskOf(id: string): 'classification' | 'detection' | undefined;
  run(id: string, image: DecodedImage): Promise<ModelAnswer>;
}

export function servedModels(models: ModelProvider, table: RoutingTable): ServedModels {
  const taskOf = (id: string) => table.models.get(id)?.card.task;
  return {
    ids: [...table.models.keys()],
    has: (id) => table.models.has(id),
    taskOf,
    async run(id, image) {
      if (taskOf(id) === 'detection') {
        const detector = await models.detector(id);
        return { task: 'detection', detections: await detector.detect(image), labels: detector.card.labels };
      }
      const classifier = await models.classifier(id);
      return { task: 'classification', labels: await classifier.classify(image) };
    },
  };
}

/** SageMaker multi-model endpoints name models by their artefact (`lesion-classifier.tar.gz`). */
export function modelIdFromTargetModel(targetModel: string): string {
  return targetModel.replace(/\.tar\.gz$/, '');
}
