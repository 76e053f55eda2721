/**
 * The names a deployed routing table (models/routes.lambda.yaml) calls its models by: SageMaker
 * endpoint names (and the target model of a multi-model endpoint), Roboflow projects and KServe
 * model names. Given to
 * `ddx serve-models --names-from`, the local models answer under those names too, so the deployed
 * table runs unchanged against this machine (`AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`,
 * `ROBOFLOW_API_URL`).
 */
import type { RoutingTable } from '../clinical/routing-table.js';
import { ConfigurationError } from '../errors.js';
import type { ModelConfig } from '../models/model-entry.js';
import { modelIdFromTargetModel } from './served-models.js';

/** name -> model id, for every remote model of `remote` that `served` has under the same id. */
export function remoteModelNames(remote: RoutingTable, served: RoutingTable): Map<string, string> {
  const names = new Map<string, string>();
  for (const [id, model] of remote.models) {
    if (!served.models.has(id)) {
      throw new ConfigurationError(
        `${remote.source} routes to model "${id}", which is not served here (serving ${[...served.models.keys()].join(', ')})`,
      );
    }
    for (const name of namesOf(model.config)) {
      if (name === id) continue;
      const taken = names.get(name) ?? (served.models.has(name) ? name : undefined);
      if (taken !== undefined && taken !== id) {
        throw new ConfigurationError(
          `${remote.source} calls model "${id}" ${name}, a name "${taken}" answers to`,
        );
      }
      names.set(name, id);
    }
  }
  return names;
}

/** A multi-model endpoint is shared, and each request names its model (X-Amzn-SageMaker-Target-Model). */
function namesOf(config: ModelConfig): string[] {
  switch (config.kind) {
    case 'sagemaker':
      return [config.targetModel ? modelIdFromTargetModel(config.targetModel) : config.endpoint];
    case 'roboflow':
      return [config.project];
    case 'kserve':
      return [config.model];
    case 'onnx':
    case 'lesion-outline':
      return [];
  }
}
