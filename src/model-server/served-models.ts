/**
 * The models the server answers for: the routing table's models, created through the same
 * provider as the pipeline's, so a served model gives exactly the pipeline's local results.
 */
import type { OnnxModel, OnnxOutput } from '../adapters/shared/onnx/onnx-session.js';
import type { RoutingTable } from '../clinical/routing-table.js';
import type { DecodedImage, Detection, LabelScore } from '../domain.js';
import type { ModelCard } from '../models/model-card.js';
import type { ModelProvider } from '../ports.js';

export type ModelAnswer =
  | { task: 'classification'; labels: LabelScore[] }
  | { task: 'detection'; detections: Detection[]; labels: readonly string[] };

export interface ServedModels {
  /** Ids of the models in the table. */
  readonly ids: readonly string[];
  has(id: string): boolean;
  taskOf(id: string): 'classification' | 'detection' | undefined;
  cardOf(id: string): ModelCard | undefined;
  run(id: string, image: DecodedImage): Promise<ModelAnswer>;
  /**
   * The model's graph on a prepared tensor (the v2 protocol sends tensors, not images); undefined
   * for a model that is not a local ONNX file.
   */
  runTensor(id: string, data: Float32Array, dims: readonly number[]): Promise<OnnxOutput> | undefined;
  /** Releases the sessions `runTensor` opened. */
  close(): Promise<void>;
}

export function servedModels(models: ModelProvider, table: RoutingTable): ServedModels {
  const taskOf = (id: string) => table.models.get(id)?.card.task;
  const graphs = new Map<string, Promise<OnnxModel>>();
  const graph = (id: string): Promise<OnnxModel> | undefined => {
    const model = table.models.get(id);
    if (!model?.path) return undefined;
    const path = model.path;
    let opened = graphs.get(id);
    if (!opened) {
      opened = import('../adapters/shared/onnx/onnx-session.js').then(({ openOnnxModel }) =>
        openOnnxModel(path, model.card),
      );
      opened.catch(() => graphs.delete(id));
      graphs.set(id, opened);
    }
    return opened;
  };
  return {
    ids: [...table.models.keys()],
    has: (id) => table.models.has(id),
    taskOf,
    cardOf: (id) => table.models.get(id)?.card,
    runTensor(id, data, dims) {
      return graph(id)?.then((model) => model.run(data, dims));
    },
    async close() {
      const opened = await Promise.allSettled(graphs.values());
      await Promise.all(
        opened.map((result) => (result.status === 'fulfilled' ? result.value.release() : undefined)),
      );
    },
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
