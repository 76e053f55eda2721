/**
 * Bring your own model, through the real `ddx` binary: a real Ultralytics YOLOv8 export, a
 * torchvision classifier, a Hugging Face-style classifier and a lesion-mask model
 * (test/fixtures/models/, made by make_fixtures.py) routed by a routing table with no code change,
 * and `ddx models check` explaining deliberately mis-described cards.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { packageRoot } from '../../src/config.js';
import type { InferenceRecord } from '../../src/record.js';
import { createDataDir, runCli } from '../support/cli.js';

const fixtures = join(packageRoot, 'test', 'fixtures', 'models');
const samples = join(packageRoot, 'samples');

describe('ddx run with brought-in models (test/fixtures/models/routes.yaml)', () => {
  let dataDir: string;
  let environment: Record<string, string>;
  before(async () => {
    dataDir = await createDataDir();
    environment = { DDX_DATA_DIR: dataDir, DDX_ROUTES: join(fixtures, 'routes.yaml') };
  });

  const run = async (sample: string, metadata: Record<string, unknown>) => {
    const metaPath = join(dataDir, `${sample}.meta.json`);
    await writeFile(metaPath, JSON.stringify(metadata));
    const result = await runCli(['run', join(samples, sample), '--meta', metaPath, '--json'], environment);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as InferenceRecord;
  };

  it('detects with the Ultralytics export (names and imgsz from its metadata) and classifies with torchvision', async () => {
    const record = await run('localized-melanoma-back.jpg', { extent: 'localized', bodySite: 'back' });
    assert.equal(record.status, 'succeeded');
    assert.equal(record.route?.name, 'localized-ultralytics');
    // A card that does not say it was validated is a demo's.
    assert.deepEqual(record.localization?.detector, {
      id: 'yolov8-tiny-lesion',
      version: '0.1.0',
      status: 'demo',
    });
    assert.ok(record.localization?.roi, 'the YOLO export found the lesion');
    assert.equal(record.localization.roi.label, 'lesion');
    assert.equal(record.classification?.model.id, 'torchvision-shufflenet-lesion');
    assert.equal(record.classification?.input, 'crop');
    assert.equal(record.classification?.labels.length, 5);
  });

  it('classifies a rash with the Hugging Face-style export (pixel_values, mean/std 0.5)', async () => {
    const record = await run('widespread-urticaria-trunk.jpg', { extent: 'widespread' });
    assert.equal(record.status, 'succeeded');
    assert.equal(record.classification?.model.id, 'hf-style-rash');
    assert.equal(record.classification?.labels.length, 4);
  });

  it("localizes with a lesion mask: the ROI is the mask's box, area and border irregularity recorded", async () => {
    const record = await run('localized-nevus-forearm.jpg', { bodySite: 'forearm' });
    assert.equal(record.route?.name, 'unspecified-segmented');
    const roi = record.localization?.roi;
    assert.ok(roi?.mask, JSON.stringify(record.localization));
    assert.ok(roi.mask.areaFraction > 0 && roi.mask.areaFraction < 0.5);
    assert.ok(roi.mask.borderIrregularity >= 1);
    assert.match(record.localization?.note ?? '', /largest masked/);
  });
});

describe('ddx models check', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await createDataDir();
  });

  const check = async (model: string, card?: unknown) => {
    const args = ['models', 'check', join(fixtures, model)];
    if (card) {
      const cardPath = join(dataDir, `${model}.wrong.card.json`);
      await writeFile(cardPath, JSON.stringify(card));
      args.push('--card', cardPath);
    }
    return runCli(args, { DDX_DATA_DIR: dataDir });
  };

  it('explains every mistake of a mis-described torchvision classifier card', async () => {
    const result = await check('torchvision-shufflenet-lesion.onnx', {
      id: 'wrong',
      version: '1',
      task: 'classification',
      labels: ['nevus', 'melanoma', 'keratosis', 'carcinoma'],
      input: { name: 'images', width: 224, height: 224, layout: 'NHWC' },
      output: { name: 'output', activation: 'probabilities' },
    });
    assert.equal(result.code, 2, result.stderr);
    for (const expected of [
      /names input "images", the model's input is "input"/,
      /layout: the card says NHWC, but the input \[batch, 3, 128, 128\] has its 3 colour channels second/,
      /input size: the card says 224 x 224, the model takes 128 x 128/,
      /label count: the card lists 4 labels, the model outputs 5 scores/,
      /softmax: the card says the model outputs probabilities, but its scores are logits/,
      /normalisation: the card gives no mean or std, but torchvision and timm classifiers expect ImageNet/,
    ]) {
      assert.match(result.stdout, expected);
    }
    assert.match(result.stdout, /A card that fits the model/);
  });

  it('explains a mis-described Ultralytics card and reads names, imgsz and stride from the export', async () => {
    const result = await check('yolov8-tiny-lesion-nms.onnx', {
      id: 'wrong',
      version: '1',
      task: 'detection',
      labels: ['lesion', 'pen mark', 'ruler'],
      input: {
        name: 'images',
        width: 128,
        height: 128,
        layout: 'NCHW',
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
        resize: 'stretch',
      },
      output: { name: 'output0', format: 'yolov8' },
    });
    assert.equal(result.code, 2, result.stderr);
    for (const expected of [
      /author\s+Ultralytics/,
      /label count: the card lists 3 labels, the Ultralytics export has 1 classes \(lesion\)/,
      /output format: the card says yolov8, the model's output \[1, 300, 6\] is end-to-end boxes/,
      /resize: Ultralytics models are trained on letterboxed images/,
      /normalisation: Ultralytics models take RGB scaled to 0..1 with no mean or std/,
    ]) {
      assert.match(result.stdout, expected);
    }
  });

  it('prints a card to start from for an Ultralytics export without one, and confirms a fitting card', async () => {
    const bare = await runCli(['models', 'check', join(fixtures, 'yolo11-tiny-untrained.onnx'), '--json'], {
      DDX_DATA_DIR: dataDir,
    });
    assert.equal(bare.code, 0, bare.stderr);
    const report = JSON.parse(bare.stdout) as {
      starterCard: { labels: string[]; input: Record<string, unknown>; output: Record<string, unknown> };
    };
    assert.deepEqual(report.starterCard.labels, ['lesion']);
    assert.deepEqual([report.starterCard.input.width, report.starterCard.input.resize], [128, 'letterbox']);
    assert.equal(report.starterCard.output.format, 'yolov8');

    const fitting = await check('yolov8-tiny-lesion.onnx');
    assert.equal(fitting.code, 0, fitting.stdout);
    assert.match(fitting.stdout, /the card fits the model: no problem found/);
    assert.match(fitting.stdout, /taken from the model: .*labels \(1 Ultralytics names\)/);
  });
});
