/**
 * Real export formats, decoded without a runtime: ONNX metadata_props and graph shapes, the
 * Python literals Ultralytics writes there, cards completed from them, end-to-end box outputs
 * and lesion masks (box, area, border irregularity).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../src/config.js';
import { completeCardFromModel } from '../../src/models/complete-card.js';
import { decodeMaskOutput } from '../../src/models/mask-output.js';
import { modelCardSchema } from '../../src/models/model-card.js';
import { type OnnxModelInfo, readOnnxModelInfo } from '../../src/models/onnx-metadata.js';
import { parsePythonLiteral } from '../../src/models/python-literal.js';
import { readUltralyticsMetadata } from '../../src/models/ultralytics-metadata.js';
import { decodeYoloEnd2EndOutput } from '../../src/models/yolo-output.js';

const noLetterbox = { scaleX: 1, scaleY: 1, padX: 0, padY: 0 };

describe('parsePythonLiteral', () => {
  it('reads what str() of Ultralytics metadata gives', () => {
    assert.deepEqual(parsePythonLiteral("{0: 'lesion', 1: \"it's\", 2: 'caf\\xe9'}"), {
      '0': 'lesion',
      '1': "it's",
      '2': 'café',
    });
    assert.deepEqual(parsePythonLiteral('[640, 480]'), [640, 480]);
    assert.deepEqual(
      parsePythonLiteral("{'batch': 1, 'half': False, 'nms': True, 'conf': None, 'x': -1.5e-3}"),
      {
        batch: 1,
        half: false,
        nms: true,
        conf: null,
        x: -0.0015,
      },
    );
    assert.deepEqual(parsePythonLiteral('(1, 2,)'), [1, 2]);
  });

  it('refuses anything that is not a literal', () => {
    for (const text of ["__import__('os')", '{0: }', "'open", '[1, 2] extra', '{[1]: 2}']) {
      assert.throws(() => parsePythonLiteral(text), /not a Python literal/, text);
    }
  });
});

describe('readUltralyticsMetadata', () => {
  const exported = {
    author: 'Ultralytics',
    version: '8.4.50',
    task: 'detect',
    stride: '32',
    imgsz: '[128, 160]',
    names: "{0: 'lesion', 1: 'pen mark'}",
    args: "{'batch': 1, 'half': False, 'dynamic': False, 'nms': True}",
    end2end: 'False',
  };

  it('reads names in class order, the input size (height, width), stride and NMS', () => {
    assert.deepEqual(readUltralyticsMetadata(exported), {
      version: '8.4.50',
      task: 'detect',
      names: ['lesion', 'pen mark'],
      imgsz: { height: 128, width: 160 },
      stride: 32,
      boxesOut: true,
    });
    assert.equal(
      readUltralyticsMetadata({ ...exported, args: "{'nms': False}", end2end: 'True' })?.boxesOut,
      true,
    );
    assert.equal(readUltralyticsMetadata({ ...exported, args: "{'nms': False}" })?.boxesOut, false);
  });

  it('is null for other exporters and explains unreadable metadata', () => {
    assert.equal(readUltralyticsMetadata({ producer: 'pytorch' }), null);
    assert.throws(() => readUltralyticsMetadata({ ...exported, names: "{0: 'a', 2: 'b'}" }), /0, 1, 2/);
    assert.throws(() => readUltralyticsMetadata({ ...exported, stride: 'big' }), /"stride" cannot be read/);
  });
});

describe('readOnnxModelInfo', () => {
  it('reads the graph input and output of the demo detector with their shapes', async () => {
    const info = await readOnnxModelInfo(join(packageRoot, 'models', 'lesion-detector.onnx'));
    assert.equal(info.producerName, 'pytorch');
    assert.equal(info.opsetVersion, 13);
    assert.deepEqual(info.inputs, [{ name: 'images', type: 'float32', shape: ['batch', 3, 320, 320] }]);
    assert.deepEqual(info.outputs, [{ name: 'output0', type: 'float32', shape: ['batch', 5, 2100] }]);
  });

  it('refuses a file that is not an ONNX model', async () => {
    await assert.rejects(readOnnxModelInfo(join(packageRoot, 'samples', 'localized-melanoma-back.jpg')));
  });
});

describe('completeCardFromModel', () => {
  const ultralyticsModel: OnnxModelInfo = {
    irVersion: 8,
    producerName: 'pytorch',
    producerVersion: '1.13.0',
    opsetVersion: 13,
    metadata: {
      author: 'Ultralytics',
      task: 'detect',
      stride: '32',
      imgsz: '[128, 128]',
      names: "{0: 'lesion'}",
      args: "{'nms': False}",
    },
    inputs: [{ name: 'images', type: 'float32', shape: [1, 3, 'height', 'width'] }],
    outputs: [{ name: 'output0', type: 'float32', shape: [1, 5, 'anchors'] }],
  };

  it('fills names, imgsz, layout, letterbox and format from an Ultralytics export', () => {
    const { card, filled } = completeCardFromModel(
      { id: 'yolo', version: '1', task: 'detection' },
      ultralyticsModel,
    );
    const parsed = modelCardSchema.parse(card);
    assert.equal(parsed.task, 'detection');
    assert.deepEqual(parsed.labels, ['lesion']);
    assert.deepEqual(
      [parsed.input.name, parsed.input.width, parsed.input.height, parsed.input.layout, parsed.input.resize],
      ['images', 128, 128, 'NCHW', 'letterbox'],
    );
    assert.deepEqual(parsed.output, { name: 'output0', format: 'yolov8' });
    assert.ok(filled.some((field) => field.startsWith('labels')));
  });

  it('keeps what the card states and reads the end-to-end format', () => {
    const model = { ...ultralyticsModel, metadata: { ...ultralyticsModel.metadata, args: "{'nms': True}" } };
    const { card } = completeCardFromModel(
      {
        id: 'yolo',
        version: '1',
        task: 'detection',
        labels: ['spot'],
        input: { width: 96, height: 96, resize: 'stretch' },
      },
      model,
    );
    const parsed = modelCardSchema.parse(card);
    assert.deepEqual(parsed.labels, ['spot']);
    assert.deepEqual([parsed.input.width, parsed.input.resize], [96, 'stretch']);
    assert.ok(parsed.task === 'detection');
    assert.equal(parsed.output.format, 'yolo-end2end');
  });

  it('reads an NHWC input size from a fixed shape', () => {
    const model: OnnxModelInfo = {
      ...ultralyticsModel,
      metadata: {},
      inputs: [{ name: 'input_1', type: 'float32', shape: ['N', 224, 224, 3] }],
      outputs: [{ name: 'probs', type: 'float32', shape: ['N', 3] }],
    };
    const { card } = completeCardFromModel(
      {
        id: 'keras',
        version: '1',
        task: 'classification',
        labels: ['a', 'b', 'c'],
        output: { activation: 'probabilities' },
      },
      model,
    );
    const parsed = modelCardSchema.parse(card);
    assert.deepEqual(
      [parsed.input.name, parsed.input.layout, parsed.input.width, parsed.output.name],
      ['input_1', 'NHWC', 224, 'probs'],
    );
  });
});

describe('decodeYoloEnd2EndOutput', () => {
  it('maps [1, N, 6] rows to boxes, drops rows under the threshold and padding rows', () => {
    const rows = Float32Array.from([10, 20, 50, 60, 0.9, 0, 0, 0, 0, 0, 0, 0, 5, 5, 9, 9, 0.1, 0]);
    const detections = decodeYoloEnd2EndOutput(rows, [1, 3, 6], {
      labels: ['lesion'],
      confidence: 0.25,
      letterbox: { scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 10 },
      imageWidth: 200,
      imageHeight: 200,
    });
    assert.deepEqual(detections, [
      { box: { x: 20, y: 20, width: 80, height: 80 }, confidence: Math.fround(0.9), label: 'lesion' },
    ]);
    assert.throws(
      () =>
        decodeYoloEnd2EndOutput(Float32Array.from([0, 0, 9, 9, 0.9, 3]), [1, 1, 6], {
          labels: ['lesion'],
          confidence: 0.25,
          letterbox: noLetterbox,
          imageWidth: 9,
          imageHeight: 9,
        }),
      /class index 3/,
    );
  });
});

describe('decodeMaskOutput', () => {
  const size = 100;
  const mask = (inside: (x: number, y: number) => boolean) => {
    const data = new Float32Array(size * size);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) data[y * size + x] = inside(x + 0.5, y + 0.5) ? 8 : -8;
    return data;
  };
  const decode = (data: Float32Array, letterbox = noLetterbox, width = size, height = size) =>
    decodeMaskOutput(data, [1, 1, size, size], {
      label: 'lesion',
      activation: 'logits',
      threshold: 0.5,
      letterbox,
      imageWidth: width,
      imageHeight: height,
    });

  it('gives a disc its bounding box, its area and a border irregularity near 1', () => {
    const [disc, ...rest] = decode(mask((x, y) => (x - 40) ** 2 + (y - 50) ** 2 < 20 ** 2));
    assert.equal(rest.length, 0);
    assert.ok(disc?.mask);
    assert.deepEqual(disc.box, { x: 20, y: 30, width: 40, height: 40 });
    assert.ok(
      Math.abs(disc.mask.areaFraction - (Math.PI * 400) / 10_000) < 0.01,
      String(disc.mask.areaFraction),
    );
    assert.ok(disc.mask.borderIrregularity < 1.15, String(disc.mask.borderIrregularity));
    assert.ok(disc.confidence > 0.99);
  });

  it('scores a ragged border higher than a smooth one', () => {
    const star = (x: number, y: number) => {
      const angle = Math.atan2(y - 50, x - 50);
      return Math.hypot(x - 50, y - 50) < 25 + 12 * Math.sin(9 * angle);
    };
    const [ragged] = decode(mask(star));
    assert.ok((ragged?.mask?.borderIrregularity ?? 0) > 1.8, String(ragged?.mask?.borderIrregularity));
  });

  it('measures in original pixels: a circle stretched into a square input stays a circle', () => {
    // A 200 x 100 image stretched to the 100 x 100 input: an ellipse in the mask is a circle in the image.
    const [circle] = decode(
      mask((x, y) => ((x - 50) / 20) ** 2 + ((y - 50) / 40) ** 2 < 1),
      { scaleX: 0.5, scaleY: 1, padX: 0, padY: 0 },
      200,
      100,
    );
    assert.ok(
      circle?.mask && circle.mask.borderIrregularity < 1.15,
      String(circle?.mask?.borderIrregularity),
    );
    assert.deepEqual(circle.box, { x: 60, y: 10, width: 80, height: 80 });
  });

  it('ignores the letterbox padding, specks and finds nothing on clear skin', () => {
    const padded = decode(
      mask((_x, y) => y < 20),
      { scaleX: 1, scaleY: 0.6, padX: 0, padY: 20 },
      100,
      100,
    );
    assert.equal(padded.length, 0);
    assert.equal(decode(mask((x, y) => x < 2 && y < 2)).length, 0);
    assert.equal(decode(mask(() => false)).length, 0);
    assert.throws(() => decode(new Float32Array(10)), /holds 10 values/);
  });
});
