import { join } from 'node:path';
import { after } from 'node:test';
import { loadRoutingTable } from '../../src/clinical/routing-table.js';
import { routedModelProvider } from '../../src/compose.js';
import { packageRoot } from '../../src/config.js';
import { classifierContract, detectorContract } from './models.contract.js';

const models = loadRoutingTable(join(packageRoot, 'models', 'routes.yaml')).then(routedModelProvider);
after(async () => (await models).close?.());

detectorContract('ONNX Runtime (lesion-detector)', async () => (await models).detector('lesion-detector'));
classifierContract(
  'ONNX Runtime (lesion-classifier)',
  async () => (await models).classifier('lesion-classifier'),
  'localized-nevus-forearm.jpg',
);
classifierContract(
  'ONNX Runtime (rash-classifier)',
  async () => (await models).classifier('rash-classifier'),
  'widespread-urticaria-trunk.jpg',
);
