/**
 * The Detector and Classifier contracts on models exported the usual ways
 * (test/fixtures/models/, made by make_fixtures.py): a real Ultralytics YOLOv8 export as a raw head
 * and with NMS inside, a lesion-mask model, a torchvision and a Hugging Face-style classifier,
 * locally on ONNX Runtime and, for the end-to-end export and torchvision, over KServe v2.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createKServeClassifier } from '../../src/adapters/classifier/kserve.js';
import { createKServeDetector } from '../../src/adapters/detector/kserve.js';
import { loadRoutingTable } from '../../src/clinical/routing-table.js';
import { routedModelProvider } from '../../src/compose.js';
import { packageRoot } from '../../src/config.js';
import { decodeImage } from '../../src/imaging/decode-image.js';
import { startModelServer } from '../../src/model-server/model-server.js';
import { intersectionOverUnion } from '../../src/models/yolo-output.js';
import { classifierContract, detectorContract } from './models.contract.js';

const served = (async () => {
  const table = await loadRoutingTable(join(packageRoot, 'test', 'fixtures', 'models', 'routes.yaml'));
  const models = routedModelProvider(table);
  const server = await startModelServer({ models, table, port: 0, host: '127.0.0.1' });
  return { table, models, server };
})();
after(async () => {
  const { models, server } = await served;
  await server.close();
  await models.close?.();
});
const policy = { attempts: 2, timeoutMs: 15_000, baseDelayMs: 1, maxDelayMs: 5 };

detectorContract('ONNX Runtime, Ultralytics YOLOv8 export (raw head)', async () =>
  (await served).models.detector('ultralytics-detector'),
);
detectorContract('ONNX Runtime, Ultralytics YOLOv8 export (nms=True, [1, 300, 6])', async () =>
  (await served).models.detector('ultralytics-detector-nms'),
);
detectorContract('ONNX Runtime, lesion mask (fixed-weight segmenter)', async () =>
  (await served).models.detector('lesion-segmenter'),
);
classifierContract(
  'ONNX Runtime, torchvision export',
  async () => (await served).models.classifier('torchvision-classifier'),
  'localized-nevus-forearm.jpg',
);
classifierContract(
  'ONNX Runtime, Hugging Face-style export (pixel_values)',
  async () => (await served).models.classifier('hf-rash-classifier'),
  'widespread-urticaria-trunk.jpg',
);
detectorContract('KServe v2, Ultralytics nms=True export', async () => {
  const { server, models } = await served;
  const { card } = await models.detector('ultralytics-detector-nms');
  return createKServeDetector({ url: server.url, model: 'ultralytics-detector-nms', card, policy });
});
classifierContract(
  'KServe v2, torchvision export',
  async () => {
    const { server, models } = await served;
    const { card } = await models.classifier('torchvision-classifier');
    return createKServeClassifier({ url: server.url, model: 'torchvision-classifier', card, policy });
  },
  'localized-nevus-forearm.jpg',
);

describe('Ultralytics exports', () => {
  it('the raw head (NMS here) and the nms=True graph find the same lesion', async () => {
    const { models } = await served;
    const image = (
      await decodeImage(await readFile(join(packageRoot, 'samples', 'localized-melanoma-back.jpg')), {
        maxPixels: 5e7,
      })
    ).image;
    const [raw] = await (await models.detector('ultralytics-detector')).detect(image);
    const [end2end] = await (await models.detector('ultralytics-detector-nms')).detect(image);
    assert.ok(raw && end2end);
    assert.ok(intersectionOverUnion(raw.box, end2end.box) > 0.9, JSON.stringify([raw, end2end]));
    assert.ok(Math.abs(raw.confidence - end2end.confidence) < 1e-3);
  });
});
