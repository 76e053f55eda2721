/**
 * The Detector and Classifier contracts: ONNX Runtime now; SageMaker, Roboflow and KServe later.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { packageRoot } from '../../src/config.js';
import type { DecodedImage } from '../../src/domain.js';
import { decodeImage } from '../../src/imaging/decode-image.js';
import type { Classifier, Detector } from '../../src/ports.js';

async function sample(name: string): Promise<DecodedImage> {
  const bytes = await readFile(join(packageRoot, 'samples', name));
  return (await decodeImage(bytes, { maxPixels: 50e6 })).image;
}

const plainSkin = (): DecodedImage => {
  const width = 400;
  const height = 300;
  const pixels = Buffer.alloc(width * height * 3);
  for (let index = 0; index < pixels.length; index += 3) pixels.set([214, 170, 140], index);
  return { width, height, pixels };
};

export function detectorContract(adapterName: string, create: () => Promise<Detector>): void {
  describe(`Detector contract: ${adapterName}`, () => {
    let detector: Detector;
    let lesion: DecodedImage;
    before(async () => {
      detector = await create();
      lesion = await sample('localized-melanoma-back.jpg');
    });

    it('finds the lesion of a localized sample with boxes inside the image', async () => {
      const detections = await detector.detect(lesion);
      assert.ok(detections.length >= 1);
      for (const { box, confidence, label } of detections) {
        assert.ok(detector.card.labels.includes(label));
        assert.ok(confidence > 0 && confidence <= 1);
        assert.ok(box.x >= 0 && box.y >= 0 && box.width > 0 && box.height > 0);
        assert.ok(box.x + box.width <= lesion.width + 1e-6 && box.y + box.height <= lesion.height + 1e-6);
      }
    });

    it('finds nothing confident on plain skin', async () => {
      const detections = await detector.detect(plainSkin());
      assert.ok(
        detections.every((detection) => detection.confidence < 0.5),
        JSON.stringify(detections),
      );
    });

    it('gives the same boxes for the same image', async () => {
      assert.deepEqual(await detector.detect(lesion), await detector.detect(lesion));
    });

    it('does not start after the job was aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(detector.detect(lesion, { signal: controller.signal }));
    });
  });
}

export function classifierContract(
  adapterName: string,
  create: () => Promise<Classifier>,
  sampleName: string,
): void {
  describe(`Classifier contract: ${adapterName}`, () => {
    let classifier: Classifier;
    let image: DecodedImage;
    before(async () => {
      classifier = await create();
      image = await sample(sampleName);
    });

    it('ranks every card label by probability, summing to one', async () => {
      const labels = await classifier.classify(image);
      assert.deepEqual(labels.map((score) => score.label).sort(), [...classifier.card.labels].sort());
      const probabilities = labels.map((score) => score.probability);
      assert.deepEqual(
        probabilities,
        [...probabilities].sort((a, b) => b - a),
      );
      assert.ok(Math.abs(probabilities.reduce((sum, value) => sum + value, 0) - 1) < 1e-5);
    });

    it('gives the same ranking for the same image', async () => {
      assert.deepEqual(await classifier.classify(image), await classifier.classify(image));
    });

    it('accepts any image size and aspect ratio', async () => {
      const tall = { width: 7, height: 301, pixels: Buffer.alloc(7 * 301 * 3, 90) };
      assert.equal((await classifier.classify(tall)).length, classifier.card.labels.length);
    });

    it('does not start after the job was aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(classifier.classify(image, { signal: controller.signal }));
    });
  });
}
