/**
 * Every response shape the SageMaker adapters accept, mapped to ranked labels or to top-left
 * boxes in original-image pixels, and the shapes they refuse as INVALID_MODEL_OUTPUT.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  detectionsFromCentreBoxes,
  roboflowPrediction,
} from '../../src/adapters/shared/roboflow/roboflow-response.js';
import {
  type DetectorResponseContext,
  parseClassifierResponse,
  parseDetectorResponse,
} from '../../src/adapters/shared/sagemaker/parse-response.js';
import type { LabelScore } from '../../src/domain.js';
import { DependencyError } from '../../src/errors.js';
import { prepareModelInput } from '../../src/imaging/model-input.js';
import { type ClassificationCard, type DetectionCard, modelCardSchema } from '../../src/models/model-card.js';
import { softmax } from '../../src/models/rank-labels.js';
import { decodeYoloOutput } from '../../src/models/yolo-output.js';
import { failureOf, uniformImage } from '../support/unit-helpers.js';

const source = 'SageMaker InvokeEndpoint test';
const labels = ['melanoma', 'nevus', 'seborrheic-keratosis'];

function classificationCard(activation: 'logits' | 'probabilities'): ClassificationCard {
  const card = modelCardSchema.parse({
    id: 'lesion-classifier',
    version: '1',
    task: 'classification',
    labels,
    input: { name: 'input', width: 32, height: 32, layout: 'NCHW' },
    output: { name: 'output', activation },
  });
  assert.equal(card.task, 'classification');
  return card;
}

function detectionCard(resize: 'letterbox' | 'stretch' = 'letterbox'): DetectionCard {
  const card = modelCardSchema.parse({
    id: 'lesion-detector',
    version: '1',
    task: 'detection',
    labels: ['lesion', 'scar'],
    input: { name: 'images', width: 64, height: 64, layout: 'NCHW', resize },
    output: { name: 'output0', format: 'yolov8' },
  });
  assert.equal(card.task, 'detection');
  return card;
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const byLabel = (scores: LabelScore[]) =>
  Object.fromEntries(scores.map((score) => [score.label, score.probability]));

async function assertInvalidOutput(action: () => unknown): Promise<DependencyError> {
  const error = await failureOf(action);
  assert.ok(error instanceof DependencyError, String(error));
  assert.equal(error.code, 'INVALID_MODEL_OUTPUT');
  assert.equal(error.retriable, false);
  return error;
}

describe('SageMaker classifier responses', () => {
  const probabilitiesCard = classificationCard('probabilities');
  const logitsCard = classificationCard('logits');

  it('reads { predictions: [{ label, score }] } and ranks it', () => {
    const ranked = parseClassifierResponse(
      json({
        predictions: [
          { label: 'nevus', score: 0.2 },
          { label: 'melanoma', score: 0.7 },
          { label: 'seborrheic-keratosis', score: 0.1 },
        ],
      }),
      probabilitiesCard,
      source,
    );
    assert.deepEqual(
      ranked.map((score) => score.label),
      ['melanoma', 'nevus', 'seborrheic-keratosis'],
    );
    assert.ok(Math.abs((byLabel(ranked).melanoma ?? 0) - 0.7) < 1e-12);
  });

  it('reads { label, probability } entries and a bare Hugging Face array alike', () => {
    const entries = [
      { label: 'melanoma', probability: 0.1 },
      { label: 'nevus', probability: 0.6 },
      { label: 'seborrheic-keratosis', probability: 0.3 },
    ];
    const wrapped = parseClassifierResponse(json({ predictions: entries }), logitsCard, source);
    const bare = parseClassifierResponse(
      json(entries.map(({ label, probability }) => ({ label, score: probability }))),
      logitsCard,
      source,
    );
    assert.deepEqual(wrapped, bare);
    // Named scores are probabilities whatever the card's activation: no softmax on top.
    assert.ok(Math.abs((byLabel(wrapped).nevus ?? 0) - 0.6) < 1e-12);
  });

  it('gives the labels a top-k answer left out an even share of the rest', () => {
    const ranked = parseClassifierResponse(
      json([{ label: 'melanoma', score: 0.5 }]),
      probabilitiesCard,
      source,
    );
    const probabilities = byLabel(ranked);
    assert.equal(ranked.length, 3);
    assert.ok(Math.abs((probabilities.nevus ?? 0) - 0.25) < 1e-12);
    assert.ok(Math.abs((probabilities['seborrheic-keratosis'] ?? 0) - 0.25) < 1e-12);
  });

  it('reads { probabilities }, { scores }, a bare array and TF Serving rows in card label order', () => {
    const values = [0.2, 0.5, 0.3];
    for (const body of [{ probabilities: values }, { scores: values }, values, { predictions: [values] }]) {
      const ranked = parseClassifierResponse(json(body), probabilitiesCard, source);
      assert.deepEqual(
        ranked.map((score) => score.label),
        ['nevus', 'seborrheic-keratosis', 'melanoma'],
        JSON.stringify(body),
      );
      assert.ok(Math.abs((byLabel(ranked).nevus ?? 0) - 0.5) < 1e-12);
    }
  });

  it('applies a softmax only when the card says logits', () => {
    const logits = [2, -1, 0.5];
    const expected = softmax(logits);
    for (const body of [{ scores: logits }, logits, { predictions: [logits] }]) {
      const probabilities = byLabel(parseClassifierResponse(json(body), logitsCard, source));
      labels.forEach((label, index) => {
        assert.ok(Math.abs((probabilities[label] ?? 0) - (expected[index] ?? 0)) < 1e-12);
      });
    }
  });

  it('refuses logits from an endpoint whose card says probabilities', async () => {
    const error = await assertInvalidOutput(() =>
      parseClassifierResponse(json([2, -1, 0.5]), probabilitiesCard, source),
    );
    assert.match(error.message, /card says probabilities/);
  });

  it('refuses unknown shapes, unknown or repeated labels, wrong lengths and non-JSON bodies', async () => {
    const invalid: [string, Uint8Array][] = [
      ['not JSON', new TextEncoder().encode('<html>502 Bad Gateway</html>')],
      ['an empty object', json({})],
      ['no predictions', json({ predictions: [] })],
      ['a label outside the card', json({ predictions: [{ label: 'psoriasis', score: 1 }] })],
      [
        'a repeated label',
        json({
          predictions: [
            { label: 'nevus', score: 0.5 },
            { label: 'nevus', score: 0.5 },
          ],
        }),
      ],
      ['a score above 1', json({ predictions: [{ label: 'nevus', score: 3 }] })],
      ['an entry without a score', json({ predictions: [{ label: 'nevus' }] })],
      ['too few scores', json({ probabilities: [0.5, 0.5] })],
      [
        'two TF Serving rows',
        json({
          predictions: [
            [1, 0, 0],
            [0, 1, 0],
          ],
        }),
      ],
      ['strings', json(['0.2', '0.5', '0.3'])],
    ];
    for (const [name, body] of invalid) {
      await assertInvalidOutput(() => parseClassifierResponse(body, probabilitiesCard, source)).catch(
        (error) => {
          assert.fail(`${name}: ${error}`);
        },
      );
    }
  });
});

describe('SageMaker detector responses', () => {
  const card = detectionCard();
  const context = (overrides: Partial<DetectorResponseContext> = {}): DetectorResponseContext => ({
    card,
    sent: { width: 640, height: 480 },
    original: { width: 1280, height: 960 },
    confidence: 0.25,
    iou: 0.45,
    ...overrides,
  });

  it('maps Roboflow-style centre boxes in the sent image to top-left boxes in the original', () => {
    const detections = parseDetectorResponse(
      json({
        image: { width: 640, height: 480 },
        predictions: [
          {
            x: 100,
            y: 50,
            width: 40,
            height: 20,
            confidence: 0.6,
            class: 'lesion',
            class_id: 0,
            detection_id: 'a',
          },
          { x: 300, y: 200, width: 10, height: 10, confidence: 0.9, class: 'scar' },
        ],
      }),
      context(),
      source,
    );
    assert.deepEqual(detections, [
      { box: { x: 590, y: 390, width: 20, height: 20 }, confidence: 0.9, label: 'scar' },
      { box: { x: 160, y: 80, width: 80, height: 40 }, confidence: 0.6, label: 'lesion' },
    ]);
  });

  it("uses the answer's own image size as the frame of its pixels when it gives one", () => {
    const [detection] = parseDetectorResponse(
      json({
        image: { width: 320, height: 240 },
        predictions: [{ x: 50, y: 25, width: 20, height: 10, confidence: 0.6, class: 'lesion' }],
      }),
      context(),
      source,
    );
    assert.deepEqual(detection?.box, { x: 160, y: 80, width: 80, height: 40 });
  });

  it('drops detections below the threshold and clamps boxes to the image', () => {
    const detections = parseDetectorResponse(
      json({
        predictions: [
          { x: 10, y: 10, width: 40, height: 40, confidence: 0.9, class: 'lesion' },
          { x: 300, y: 200, width: 50, height: 50, confidence: 0.1, class: 'lesion' },
        ],
      }),
      context({ original: { width: 640, height: 480 } }),
      source,
    );
    assert.deepEqual(detections, [
      { box: { x: 0, y: 0, width: 30, height: 30 }, confidence: 0.9, label: 'lesion' },
    ]);
  });

  it('reads YOLO-style corner boxes with class indices, suppressing overlaps', () => {
    const detections = parseDetectorResponse(
      json({
        boxes: [
          [10, 20, 110, 70, 0.8, 1],
          [12, 22, 112, 72, 0.7, 1],
          [400, 300, 420, 330, 0.5, 0],
        ],
      }),
      context(),
      source,
    );
    assert.deepEqual(detections, [
      { box: { x: 20, y: 40, width: 200, height: 100 }, confidence: 0.8, label: 'scar' },
      { box: { x: 800, y: 600, width: 40, height: 60 }, confidence: 0.5, label: 'lesion' },
    ]);
  });

  for (const resize of ['letterbox', 'stretch'] as const) {
    it(`decodes a raw YOLOv8 head exactly as the ONNX adapter does (${resize})`, async () => {
      const resizeCard = detectionCard(resize);
      const sent = uniformImage(400, 300, { r: 200, g: 150, b: 120 });
      const { letterbox } = await prepareModelInput(sent, resizeCard.input);
      // Two anchors: a confident lesion and a weak scar, in the model's 64 x 64 input pixels.
      const head = [
        [32, 10],
        [30, 12],
        [16, 8],
        [12, 8],
        [0.9, 0.05],
        [0.02, 0.1],
      ];
      const expected = decodeYoloOutput(Float32Array.from(head.flat()), [1, 6, 2], {
        labels: resizeCard.labels,
        confidence: 0.25,
        iou: 0.45,
        letterbox,
        imageWidth: 400,
        imageHeight: 300,
      });
      assert.equal(expected.length, 1);

      const sameSize = parseDetectorResponse(
        json([head]),
        context({ card: resizeCard, sent, original: sent }),
        source,
      );
      assert.deepEqual(sameSize, expected);

      const [doubled] = parseDetectorResponse(
        json([head]),
        context({ card: resizeCard, sent, original: { width: 800, height: 600 } }),
        source,
      );
      const [single] = expected;
      assert.ok(doubled && single);
      assert.ok(Math.abs(doubled.box.x - single.box.x * 2) < 1e-9);
      assert.ok(Math.abs(doubled.box.height - single.box.height * 2) < 1e-9);
    });
  }

  it('refuses unknown shapes, classes outside the card and malformed YOLO heads', async () => {
    const invalid: [string, unknown][] = [
      ['a string', 'lesion'],
      ['a classifier answer', { predictions: [{ label: 'lesion', score: 1 }] }],
      [
        'a non-numeric centre',
        { predictions: [{ x: 'a', y: 1, width: 1, height: 1, confidence: 1, class: 'lesion' }] },
      ],
      [
        'a class outside the card',
        { predictions: [{ x: 5, y: 5, width: 4, height: 4, confidence: 0.9, class: 'tattoo' }] },
      ],
      ['a short corner box', { boxes: [[1, 2, 3]] }],
      ['a class index outside the card', { boxes: [[1, 2, 30, 40, 0.9, 7]] }],
      ['a head with the wrong row count', [[[1], [2], [3], [4], [0.9]]]],
      ['a ragged head', [[[1, 2], [2], [3, 3], [4, 4], [0.9, 0.9], [0.1, 0.1]]]],
      [
        'a batch of two',
        [
          [[1], [2], [3], [4], [0.9], [0.1]],
          [[1], [2], [3], [4], [0.9], [0.1]],
        ],
      ],
    ];
    for (const [name, body] of invalid) {
      await assertInvalidOutput(() => parseDetectorResponse(json(body), context(), source)).catch((error) => {
        assert.fail(`${name}: ${error}`);
      });
    }
  });
});

describe('Roboflow centre boxes', () => {
  it('round-trip: a served top-left box comes back unchanged', () => {
    const detection = {
      box: { x: 12.5, y: 40, width: 100, height: 60.25 },
      confidence: 0.77,
      label: 'lesion',
    };
    const wire = roboflowPrediction(detection, 0, 'id-1');
    assert.deepEqual({ x: wire.x, y: wire.y, class_id: wire.class_id }, { x: 62.5, y: 70.125, class_id: 0 });
    const [back] = detectionsFromCentreBoxes([wire], {
      scaleX: 1,
      scaleY: 1,
      imageWidth: 400,
      imageHeight: 300,
      labels: ['lesion'],
      confidence: 0,
    });
    assert.deepEqual(back, detection);
  });
});
