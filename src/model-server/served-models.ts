/**
 * The models the server answers for: the routing table's models, created through the same
 * provider as the pipeline's, so a served model gives exactly the pipeline's local results. Each
 * answers under its id and under any other names it is given (remote-model-names.ts: the endpoint
 * and project names a deployed routing table calls it by).
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
  /** Every name a model answers to: the ids, then the other names. */
  readonly names: readonly string[];
  has(name: string): boolean;
  taskOf(name: string): 'classification' | 'detection' | undefined;
  cardOf(name: string): ModelCard | undefined;
  run(name: string, image: DecodedImage): Promise<ModelAnswer>;
  /**
   * The model's graph on a prepared tensor (the v2 protocol sends tensors, not images); undefined
   * for a model that is not a local ONNX file.
   */
  runTensor(name: string, data: Float32Array, dims: readonly number[]): Promise<OnnxOutput> | undefined;
  /** True for a local ONNX model, the kind `runTensor` can run. */
  servesTensors(name: string): boolean;
  /** Releases the sessions `runTensor` opened. */
  close(): Promise<void>;
}

/** @param otherNames name -> model id, for names besides the ids (an endpoint name, a project). */
export function servedModels(
  models: ModelProvider,
  table: RoutingTable,
  otherNames: ReadonlyMap<string, string> = new Map(),
): ServedModels {
  const idOf = (name: string) => (table.models.has(name) ? name : otherNames.get(name));
  const modelOf = (name: string) => {
    const id = idOf(name);
    return id === undefined ? undefined : table.models.get(id);
  };
  const taskOf = (name: string) => modelOf(name)?.card.task;
  const graphs = new Map<string, Promise<OnnxModel>>();
  const graph = (name: string): Promise<OnnxModel> | undefined => {
    const model = modelOf(name);
    if (!model?.path) return undefined;
    const path = model.path;
    let opened = graphs.get(model.id);
    if (!opened) {
      opened = import('../adapters/shared/onnx/onnx-session.js').then(({ openOnnxModel }) =>
        openOnnxModel(path, model.card),
      );
      opened.catch(() => graphs.delete(model.id));
      graphs.set(model.id, opened);
    }
    return opened;
  };
  const ids = [...table.models.keys()];
  return {
    ids,
    names: [...ids, ...[...otherNames.keys()].filter((name) => !table.models.has(name))],
    has: (name) => idOf(name) !== undefined,
    taskOf,
    cardOf: (name) => modelOf(name)?.card,
    servesTensors: (name) => Boolean(modelOf(name)?.path),
    runTensor(name, data, dims) {
      return graph(name)?.then((model) => model.run(data, dims));
    },
    async close() {
      const opened = await Promise.allSettled(graphs.values());
      await Promise.all(
        opened.map((result) => (result.status === 'fulfilled' ? result.value.release() : undefined)),
      );
    },
    async run(name, image) {
      const id = idOf(name) ?? name;
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
