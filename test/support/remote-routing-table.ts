/**
 * The local routing table with every model called remotely, on `ddx serve-models`: classifiers as
 * SageMaker endpoints of the same name, detectors through Roboflow's detect API at
 * `roboflowApiUrl`, or as SageMaker endpoints too without it. The routes stay exactly as the local
 * table parsed them, so only the transport to the models changes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RoutingTable } from '../../src/clinical/routing-table.js';

export async function writeRemoteRoutingTable(
  table: RoutingTable,
  directory: string,
  roboflowApiUrl?: string,
): Promise<string> {
  await mkdir(join(directory, 'cards'), { recursive: true });
  const models: Record<string, unknown> = {};
  for (const [id, model] of table.models) {
    const card = `cards/${id}.card.json`;
    await writeFile(join(directory, card), JSON.stringify(model.card, null, 2));
    models[id] =
      model.card.task === 'detection' && roboflowApiUrl
        ? { kind: 'roboflow', project: id, version: 1, apiUrl: roboflowApiUrl, card }
        : { kind: 'sagemaker', endpoint: id, card };
  }
  const path = join(directory, 'routes.yaml');
  // JSON is YAML.
  const { routes, extentPrediction } = table;
  await writeFile(path, JSON.stringify({ models, routes, extentPrediction }, null, 2));
  return path;
}
