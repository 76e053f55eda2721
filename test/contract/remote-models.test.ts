/**
 * The Detector and Classifier contracts, run against the remote adapters end to end: the demo
 * ONNX models served by `ddx serve-models` on loopback, reached through the real
 * `@aws-sdk/client-sagemaker-runtime` (SageMaker), over Roboflow's detect API (Roboflow) and over
 * the Open Inference Protocol v2 (KServe / Triton), with JSON tensors and with binary tensors.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createKServeClassifier } from '../../src/adapters/classifier/kserve.js';
import { createSageMakerClassifier } from '../../src/adapters/classifier/sagemaker.js';
import { createKServeDetector } from '../../src/adapters/detector/kserve.js';
import { createRoboflowDetector } from '../../src/adapters/detector/roboflow.js';
import { createSageMakerDetector } from '../../src/adapters/detector/sagemaker.js';
import { loadRoutingTable } from '../../src/clinical/routing-table.js';
import { routedModelProvider } from '../../src/compose.js';
import { packageRoot } from '../../src/config.js';
import { decodeImage } from '../../src/imaging/decode-image.js';
import { startModelServer } from '../../src/model-server/model-server.js';
import type { ClassificationCard, DetectionCard } from '../../src/models/model-card.js';
import { intersectionOverUnion } from '../../src/models/yolo-output.js';
import type { RetryPolicy } from '../../src/resilience/retry.js';
import { classifierContract, detectorContract } from './models.contract.js';

// Real inference on two shared cores: a generous attempt timeout, so load never reads as a fault
// (the fault behaviour itself is tested with tiny timeouts in remote-model-faults.test.ts).
const policy: RetryPolicy = { attempts: 2, timeoutMs: 15_000, baseDelayMs: 1, maxDelayMs: 5 };
const apiKey = 'contract-test-key';

const served = (async () => {
  const table = await loadRoutingTable(join(packageRoot, 'models', 'routes.yaml'));
  const models = routedModelProvider(table);
  const server = await startModelServer({ models, table, port: 0, host: '127.0.0.1', apiKey });
  return { table, models, server };
})();

const closers: (() => Promise<void>)[] = [];
after(async () => {
  const { models, server } = await served;
  await Promise.all(closers.map((close) => close()));
  await server.close();
  await models.close?.();
});

const sample = async (name: string) =>
  (await decodeImage(await readFile(join(packageRoot, 'samples', name)), { maxPixels: 50e6 })).image;

const sdkClientConfig = (url: string) => ({
  endpoint: url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'any-secret' },
});

async function detectionCard(id: string): Promise<DetectionCard> {
  const card = (await served).table.models.get(id)?.card;
  assert.ok(card?.task === 'detection', `${id} is a detector`);
  return card;
}

async function classificationCard(id: string): Promise<ClassificationCard> {
  const card = (await served).table.models.get(id)?.card;
  assert.ok(card?.task === 'classification', `${id} is a classifier`);
  return card;
}

detectorContract('SageMaker via the AWS SDK (lesion-detector)', async () => {
  const { server } = await served;
  const detector = createSageMakerDetector({
    endpoint: 'lesion-detector',
    card: await detectionCard('lesion-detector'),
    clientConfig: sdkClientConfig(server.url),
    policy,
  });
  closers.push(detector.close);
  return detector;
});

classifierContract(
  'SageMaker via the AWS SDK (lesion-classifier, application/x-image)',
  async () => {
    const { server } = await served;
    const classifier = createSageMakerClassifier({
      endpoint: 'lesion-classifier',
      card: await classificationCard('lesion-classifier'),
      clientConfig: sdkClientConfig(server.url),
      policy,
    });
    closers.push(classifier.close);
    return classifier;
  },
  'localized-nevus-forearm.jpg',
);

classifierContract(
  'SageMaker via the AWS SDK (rash-classifier, application/json)',
  async () => {
    const { server } = await served;
    const classifier = createSageMakerClassifier({
      endpoint: 'rash-classifier',
      card: await classificationCard('rash-classifier'),
      contentType: 'application/json',
      clientConfig: sdkClientConfig(server.url),
      policy,
    });
    closers.push(classifier.close);
    return classifier;
  },
  'widespread-urticaria-trunk.jpg',
);

detectorContract('Roboflow detect API (lesion-detector)', async () => {
  const { server } = await served;
  return createRoboflowDetector({
    apiUrl: server.url,
    apiKey,
    project: 'lesion-detector',
    version: 1,
    card: await detectionCard('lesion-detector'),
    policy,
  });
});

for (const binary of ['always', 'never'] as const) {
  const tensors = binary === 'always' ? 'binary tensors' : 'JSON tensors';
  detectorContract(`KServe v2, ${tensors} (lesion-detector)`, async () => {
    const { server } = await served;
    return createKServeDetector({
      url: server.url,
      model: 'lesion-detector',
      card: await detectionCard('lesion-detector'),
      binary,
      policy,
    });
  });
  classifierContract(
    `KServe v2, ${tensors} (lesion-classifier)`,
    async () => {
      const { server } = await served;
      return createKServeClassifier({
        url: server.url,
        model: 'lesion-classifier',
        version: '1.0.0',
        card: await classificationCard('lesion-classifier'),
        binary,
        policy,
      });
    },
    'localized-nevus-forearm.jpg',
  );
}

describe('remote adapters agree with the local ONNX models', () => {
  it('KServe v2 gives exactly the local boxes and probabilities (the same tensor reaches the same graph)', async () => {
    const { server, models } = await served;
    const image = await sample('localized-melanoma-back.jpg');
    const detector = createKServeDetector({
      url: server.url,
      model: 'lesion-detector',
      card: await detectionCard('lesion-detector'),
      policy,
    });
    assert.deepEqual(
      await detector.detect(image),
      await (await models.detector('lesion-detector')).detect(image),
    );
    const classifier = createKServeClassifier({
      url: server.url,
      model: 'rash-classifier',
      card: await classificationCard('rash-classifier'),
      policy,
    });
    const local = await (await models.classifier('rash-classifier')).classify(image);
    const remote = await classifier.classify(image);
    assert.deepEqual(
      remote.map((score) => score.label),
      local.map((score) => score.label),
    );
    for (const [index, score] of remote.entries()) {
      assert.ok(Math.abs(score.probability - (local[index]?.probability ?? -1)) < 1e-6);
    }
  });

  // Downscaled on the way out, so the agreement also proves the boxes are mapped back.
  const remoteDetectors = async () => {
    const { server } = await served;
    const card = await detectionCard('lesion-detector');
    const sageMaker = createSageMakerDetector({
      endpoint: 'lesion-detector',
      card,
      clientConfig: sdkClientConfig(server.url),
      policy,
      maxPayloadBytes: 12_000,
    });
    closers.push(sageMaker.close);
    const roboflow = createRoboflowDetector({
      apiUrl: server.url,
      apiKey,
      project: 'lesion-detector',
      version: 1,
      card,
      policy,
      maxSide: 360,
    });
    return { sageMaker, roboflow };
  };

  it('finds the lesion where the ONNX detector finds it, from a downscaled image', async () => {
    const image = await sample('localized-melanoma-back.jpg');
    const [local] = await (await (await served).models.detector('lesion-detector')).detect(image);
    assert.ok(local);
    for (const [name, detector] of Object.entries(await remoteDetectors())) {
      const [remote] = await detector.detect(image);
      assert.ok(remote, `${name} found nothing`);
      const overlap = intersectionOverUnion(remote.box, local.box);
      assert.ok(
        overlap > 0.8,
        `${name}: IoU ${overlap.toFixed(3)} ${JSON.stringify([remote.box, local.box])}`,
      );
    }
  });

  it('ranks the same top label as the ONNX classifier', async () => {
    const { models, server } = await served;
    for (const [id, sampleName] of [
      ['lesion-classifier', 'localized-nevus-forearm.jpg'],
      ['rash-classifier', 'widespread-urticaria-trunk.jpg'],
    ] as const) {
      const image = await sample(sampleName);
      const remote = createSageMakerClassifier({
        endpoint: id,
        card: await classificationCard(id),
        clientConfig: sdkClientConfig(server.url),
        policy,
      });
      closers.push(remote.close);
      const [remoteTop] = await remote.classify(image);
      const [localTop] = await (await models.classifier(id)).classify(image);
      assert.equal(remoteTop?.label, localTop?.label, id);
    }
  });
});
