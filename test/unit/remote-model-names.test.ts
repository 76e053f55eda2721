/**
 * `ddx serve-models --names-from`: the deployed routing table's endpoint and project names map
 * onto the local models of the same ids.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadRoutingTable, type RoutingTable } from '../../src/clinical/routing-table.js';
import { packageRoot } from '../../src/config.js';
import { ConfigurationError } from '../../src/errors.js';
import { remoteModelNames } from '../../src/model-server/remote-model-names.js';
import { failureOf } from '../support/unit-helpers.js';

const models = join(packageRoot, 'models');

describe('remoteModelNames', () => {
  let local: RoutingTable;
  before(async () => {
    local = await loadRoutingTable(join(models, 'routes.yaml'));
  });

  it('gives each model of routes.lambda.yaml its SageMaker endpoint name', async () => {
    const deployed = await loadRoutingTable(join(models, 'routes.lambda.yaml'));
    assert.deepEqual(
      [...remoteModelNames(deployed, local)],
      [
        ['ddx-lesion-detector', 'lesion-detector'],
        ['ddx-lesion-classifier', 'lesion-classifier'],
        ['ddx-rash-classifier', 'rash-classifier'],
      ],
    );
  });

  it('takes Roboflow projects and multi-model target models, and refuses a model not served', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ddx-names-'));
    const card = (id: string) => join(models, `${id}.card.json`);
    const table = (entries: Record<string, unknown>) =>
      JSON.stringify({
        models: entries,
        routes: [{ name: 'all', detector: 'lesion-detector', classifier: 'lesion-classifier', prompt: 'p' }],
      });
    await writeFile(
      join(folder, 'mixed.json'),
      table({
        'lesion-detector': {
          kind: 'roboflow',
          project: 'skin-lesions',
          version: 3,
          card: card('lesion-detector'),
        },
        'lesion-classifier': {
          kind: 'sagemaker',
          endpoint: 'shared-endpoint',
          targetModel: 'derm-classifier.tar.gz',
          card: card('lesion-classifier'),
        },
      }),
    );
    const mixed = await loadRoutingTable(join(folder, 'mixed.json'));
    assert.deepEqual(
      [...remoteModelNames(mixed, local)],
      [
        ['skin-lesions', 'lesion-detector'],
        ['derm-classifier', 'lesion-classifier'],
      ],
    );

    await writeFile(
      join(folder, 'unknown.json'),
      JSON.stringify({
        models: {
          'lesion-detector': { kind: 'sagemaker', endpoint: 'a', card: card('lesion-detector') },
          'other-classifier': { kind: 'sagemaker', endpoint: 'b', card: card('lesion-classifier') },
        },
        routes: [{ name: 'all', detector: 'lesion-detector', classifier: 'other-classifier', prompt: 'p' }],
      }),
    );
    const failure = await failureOf(async () =>
      remoteModelNames(await loadRoutingTable(join(folder, 'unknown.json')), local),
    );
    assert.ok(failure instanceof ConfigurationError);
    assert.match(failure.message, /"other-classifier", which is not served here/);
  });
});
