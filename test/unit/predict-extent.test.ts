/**
 * Routing without metadata (issue 10 item 4): the extent the image suggests, from an extent model
 * when the routing table names one, otherwise from the rule on the detector's best region, and the
 * routing table's `predictedExtent` condition that uses it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RoutingTable, selectRoute } from '../../src/clinical/routing-table.js';
import type { ClinicalContext } from '../../src/domain.js';
import { StepTimer } from '../../src/observability/step-timer.js';
import type { JobContext } from '../../src/pipeline/pipeline-deps.js';
import { predictExtent } from '../../src/pipeline/predict-extent.js';
import {
  classifierCard,
  createFakeModels,
  createPipelineFixture,
  routingTable,
} from '../support/pipeline-fixture.js';

const image = { width: 4, height: 4, pixels: Buffer.alloc(48) };
const context: ClinicalContext = {
  extent: 'unspecified',
  bodySite: null,
  ageYears: null,
  sex: null,
  specialty: null,
  durationDays: null,
  notes: null,
};
const table: RoutingTable = {
  ...routingTable,
  extentPrediction: { detector: 'fake-detector', localizedMinConfidence: 0.75 },
  routes: [
    {
      name: 'guessed-rash',
      when: { extent: 'unspecified', predictedExtent: 'widespread' },
      classifier: 'fake-classifier',
      prompt: 'p',
    },
    ...routingTable.routes,
  ],
};

function jobContext(): JobContext {
  return {
    recordId: 'rec_1',
    sourceKey: 'k',
    timer: new StepTimer(),
    signal: new AbortController().signal,
    logger: createPipelineFixture().deps.logger,
    step: (_name, work) => work(),
  };
}

describe('predicted extent', () => {
  it('is widespread when the detector finds no region at the threshold, and says so', async () => {
    const models = createFakeModels();
    models.detections = [{ box: { x: 0, y: 0, width: 2, height: 2 }, confidence: 0.6, label: 'lesion' }];
    const { deps } = createPipelineFixture({ models });
    const predicted = await predictExtent(image, table, deps, jobContext());
    assert.deepEqual(predicted && { extent: predicted.extent, by: predicted.by }, {
      extent: 'widespread',
      by: 'rule',
    });
    assert.match(predicted?.reason ?? '', /most confident region is 60%, below 75%/);
    const route = selectRoute(table, context, predicted);
    assert.equal(route.name, 'guessed-rash');
    assert.equal(route.extent, 'widespread');
    assert.match(route.reason, /the image decided: widespread/);
    assert.equal(route.predictedExtent?.by, 'rule');
  });

  it('is localized when one region convinces the detector: the unspecified route applies', async () => {
    const models = createFakeModels();
    models.detections = [{ box: { x: 0, y: 0, width: 2, height: 2 }, confidence: 0.9, label: 'lesion' }];
    const { deps } = createPipelineFixture({ models });
    const predicted = await predictExtent(image, table, deps, jobContext());
    assert.equal(predicted?.extent, 'localized');
    assert.equal(selectRoute(table, context, predicted).name, 'unspecified-extent');
  });

  it('comes from the extent model when the table names one', async () => {
    const models = createFakeModels();
    const extentCard = { ...classifierCard, id: 'extent-classifier', labels: ['localized', 'widespread'] };
    const real = models.classifier.bind(models);
    models.classifier = async (id) => {
      const classifier = await real(id);
      return id === 'extent-classifier'
        ? {
            ...classifier,
            card: extentCard,
            classify: async () => [{ label: 'widespread', probability: 0.93 }],
          }
        : classifier;
    };
    const { deps } = createPipelineFixture({ models });
    const withModel: RoutingTable = {
      ...table,
      extentPrediction: {
        detector: 'fake-detector',
        localizedMinConfidence: 0.75,
        model: 'extent-classifier',
      },
    };
    const predicted = await predictExtent(image, withModel, deps, jobContext());
    assert.deepEqual(predicted, {
      extent: 'widespread',
      by: 'model',
      reason: 'extent-classifier 0.2.0 gave widespread 93%',
    });
  });
});
