import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Letterbox } from '../../src/imaging/model-input.js';
import {
  decodeYoloOutput,
  intersectionOverUnion,
  nonMaximumSuppression,
  type YoloDecodeOptions,
} from '../../src/models/yolo-output.js';

interface Anchor {
  centreX: number;
  centreY: number;
  width: number;
  height: number;
  scores: number[];
}

/** A YOLOv8 output `[1, 4 + classes, anchors]`: one row per box field or class, one column per anchor. */
function yoloOutput(anchors: Anchor[], classCount: number): { data: Float32Array; dims: number[] } {
  const rows = 4 + classCount;
  const data = new Float32Array(rows * anchors.length);
  for (const [column, anchor] of anchors.entries()) {
    const values = [anchor.centreX, anchor.centreY, anchor.width, anchor.height, ...anchor.scores];
    assert.equal(values.length, rows, 'one score per class');
    for (const [row, value] of values.entries()) data[row * anchors.length + column] = value;
  }
  return { data, dims: [1, rows, anchors.length] };
}

/** The input-to-original mapping of one letterboxed image: original = (input - pad) / scale. */
const letterbox = (scale: number, padX: number, padY: number): Letterbox => ({
  scaleX: scale,
  scaleY: scale,
  padX,
  padY,
});

const labels = ['nevus', 'melanoma'] as const;
const identity: YoloDecodeOptions = {
  labels,
  confidence: 0.25,
  iou: 0.45,
  letterbox: letterbox(1, 0, 0),
  imageWidth: 640,
  imageHeight: 640,
};

/** Decodes one two-class anchor from a letterboxed input of an image of the given size. */
function decodeOneAnchor(anchor: Anchor, mapping: Letterbox, imageWidth: number, imageHeight: number) {
  const { data, dims } = yoloOutput([anchor], 2);
  return decodeYoloOutput(data, dims, { ...identity, letterbox: mapping, imageWidth, imageHeight });
}

describe('decodeYoloOutput', () => {
  it('keeps boxes at or above the confidence threshold and drops the rest', () => {
    const { data, dims } = yoloOutput(
      [
        { centreX: 100, centreY: 100, width: 20, height: 20, scores: [0.25, 0.1] },
        { centreX: 300, centreY: 300, width: 20, height: 20, scores: [0.2, 0.24] },
        { centreX: 500, centreY: 500, width: 20, height: 20, scores: [0.1, 0.6] },
      ],
      2,
    );
    const detections = decodeYoloOutput(data, dims, identity);
    assert.deepEqual(detections, [
      { box: { x: 490, y: 490, width: 20, height: 20 }, confidence: Math.fround(0.6), label: 'melanoma' },
      { box: { x: 90, y: 90, width: 20, height: 20 }, confidence: 0.25, label: 'nevus' },
    ]);
  });

  it('picks the class with the highest score for each anchor', () => {
    const { data, dims } = yoloOutput(
      [{ centreX: 50, centreY: 60, width: 10, height: 20, scores: [0.3, 0.8] }],
      2,
    );
    const [detection] = decodeYoloOutput(data, dims, identity);
    assert.ok(detection);
    assert.equal(detection.label, 'melanoma');
    assert.equal(detection.confidence, Math.fround(0.8));
    assert.deepEqual(detection.box, { x: 45, y: 50, width: 10, height: 20 });
  });

  it('suppresses an overlapping box of the same class and keeps an overlapping box of another class', () => {
    const { data, dims } = yoloOutput(
      [
        { centreX: 100, centreY: 100, width: 50, height: 40, scores: [0.9, 0.1] },
        { centreX: 102, centreY: 101, width: 50, height: 40, scores: [0.8, 0.05] },
        { centreX: 101, centreY: 100, width: 50, height: 40, scores: [0.1, 0.7] },
      ],
      2,
    );
    const detections = decodeYoloOutput(data, dims, identity);
    assert.deepEqual(
      detections.map((detection) => [detection.label, detection.confidence, detection.box.x]),
      [
        ['nevus', Math.fround(0.9), 75],
        ['melanoma', Math.fround(0.7), 76],
      ],
    );
  });

  it('keeps two same-class boxes whose overlap is below the IoU threshold, most confident first', () => {
    // IoU of these two boxes is 1/3.
    const { data, dims } = yoloOutput(
      [
        { centreX: 105, centreY: 5, width: 10, height: 10, scores: [0.5, 0] },
        { centreX: 110, centreY: 5, width: 10, height: 10, scores: [0.9, 0] },
      ],
      2,
    );
    assert.deepEqual(
      decodeYoloOutput(data, dims, { ...identity, iou: 0.34 }).map((detection) => detection.box.x),
      [105, 100],
    );
    assert.deepEqual(
      decodeYoloOutput(data, dims, { ...identity, iou: 0.33 }).map((detection) => detection.box.x),
      [105],
    );
  });

  it('maps a letterboxed box back to original-image pixels', () => {
    // A 1280x640 image letterboxed into 640x640: scale 0.5, 160 rows of padding on top.
    const [detection] = decodeOneAnchor(
      { centreX: 320, centreY: 320, width: 100, height: 50, scores: [0.9, 0] },
      letterbox(0.5, 0, 160),
      1280,
      640,
    );
    assert.ok(detection);
    // left (320 - 50 - 0) / 0.5 = 540, top (320 - 25 - 160) / 0.5 = 270, 100 / 0.5 = 200, 50 / 0.5 = 100
    assert.deepEqual(detection.box, { x: 540, y: 270, width: 200, height: 100 });
  });

  it('maps a box with horizontal padding back to original-image pixels', () => {
    // A 300x400 image letterboxed into 640x640: scale 1.6, 80 columns of padding on the left.
    const [detection] = decodeOneAnchor(
      { centreX: 240, centreY: 160, width: 32, height: 64, scores: [0, 0.5] },
      letterbox(1.6, 80, 0),
      300,
      400,
    );
    assert.ok(detection);
    // left (240 - 16 - 80) / 1.6 = 90, top (160 - 32) / 1.6 = 80, 32 / 1.6 = 20, 64 / 1.6 = 40
    assert.ok(Math.abs(detection.box.x - 90) < 1e-9);
    assert.ok(Math.abs(detection.box.y - 80) < 1e-9);
    assert.ok(Math.abs(detection.box.width - 20) < 1e-9);
    assert.ok(Math.abs(detection.box.height - 40) < 1e-9);
  });

  it('clamps a box that crosses the image border to the image', () => {
    const [detection] = decodeOneAnchor(
      { centreX: 630, centreY: 170, width: 40, height: 40, scores: [0.9, 0] },
      letterbox(0.5, 0, 160),
      1280,
      640,
    );
    assert.ok(detection);
    // left 610 / 0.5 = 1220, right 650 / 0.5 = 1300 -> 1280; top (150 - 160) / 0.5 -> 0, bottom 30 / 0.5 = 60
    assert.deepEqual(detection.box, { x: 1220, y: 0, width: 60, height: 60 });
  });

  it('drops a box that lies wholly in the letterbox padding', () => {
    const detections = decodeOneAnchor(
      { centreX: 320, centreY: 50, width: 100, height: 20, scores: [0.9, 0] },
      letterbox(0.5, 0, 160),
      1280,
      640,
    );
    assert.deepEqual(detections, []);
  });

  it('returns at most maxDetections, the most confident', () => {
    const anchors = [0.3, 0.9, 0.5, 0.7].map((score, index) => ({
      centreX: 50 + index * 100,
      centreY: 50,
      width: 20,
      height: 20,
      scores: [score, 0],
    }));
    const { data, dims } = yoloOutput(anchors, 2);
    const detections = decodeYoloOutput(data, dims, { ...identity, maxDetections: 2 });
    assert.deepEqual(
      detections.map((detection) => detection.confidence),
      [Math.fround(0.9), Math.fround(0.7)],
    );
  });

  it('returns nothing for an output with no anchors', () => {
    assert.deepEqual(decodeYoloOutput(new Float32Array(0), [1, 6, 0], identity), []);
  });

  it('throws when the class rows do not match the labels', () => {
    const { data } = yoloOutput([{ centreX: 1, centreY: 1, width: 1, height: 1, scores: [0.9, 0.1, 0] }], 3);
    assert.throws(
      () => decodeYoloOutput(data, [1, 7, 1], identity),
      /expected detector output \[1, 6, anchors\], got \[1, 7, 1\]/,
    );
  });

  it('throws for a batch of two', () => {
    assert.throws(() => decodeYoloOutput(new Float32Array(12), [2, 6, 1], identity), /got \[2, 6, 1\]/);
  });

  it('throws for two-dimensional output', () => {
    assert.throws(() => decodeYoloOutput(new Float32Array(6), [6, 1], identity), /got \[6, 1\]/);
  });

  it('throws for transposed output [1, anchors, 4 + classes]', () => {
    const { data } = yoloOutput(
      Array.from({ length: 3 }, () => ({ centreX: 1, centreY: 1, width: 1, height: 1, scores: [0.9, 0.1] })),
      2,
    );
    assert.throws(() => decodeYoloOutput(data, [1, 3, 6], identity), /expected detector output/);
  });

  it('throws when the data is shorter than its dims say', () => {
    // A truncated tensor must not read as "no lesion found".
    assert.throws(() => decodeYoloOutput(new Float32Array(6 * 2), [1, 6, 4], identity));
  });
});

describe('intersectionOverUnion', () => {
  const square = { x: 0, y: 0, width: 10, height: 10 };

  it('is 1 for identical boxes', () => {
    assert.equal(intersectionOverUnion(square, { ...square }), 1);
  });

  it('is 0 for disjoint boxes', () => {
    assert.equal(intersectionOverUnion(square, { x: 20, y: 20, width: 5, height: 5 }), 0);
  });

  it('is 0 for boxes that only share an edge', () => {
    assert.equal(intersectionOverUnion(square, { x: 10, y: 0, width: 10, height: 10 }), 0);
  });

  it('is 1/3 for two equal boxes overlapping by half', () => {
    assert.equal(intersectionOverUnion(square, { x: 5, y: 0, width: 10, height: 10 }), 50 / 150);
  });

  it('is the area ratio for a box inside another', () => {
    assert.equal(intersectionOverUnion(square, { x: 2, y: 3, width: 5, height: 5 }), 0.25);
  });

  it('is 1/7 for a quarter-overlapping corner', () => {
    assert.equal(intersectionOverUnion(square, { x: 5, y: 5, width: 10, height: 10 }), 25 / 175);
  });

  it('is symmetric', () => {
    const other = { x: 3, y: 4, width: 12, height: 7 };
    assert.equal(intersectionOverUnion(square, other), intersectionOverUnion(other, square));
  });
});

describe('nonMaximumSuppression', () => {
  it('keeps the most confident of overlapping same-label boxes and sorts by confidence', () => {
    const kept = nonMaximumSuppression(
      [
        { box: { x: 0, y: 0, width: 10, height: 10 }, confidence: 0.6, label: 'nevus' },
        { box: { x: 1, y: 0, width: 10, height: 10 }, confidence: 0.8, label: 'nevus' },
        { box: { x: 50, y: 50, width: 10, height: 10 }, confidence: 0.7, label: 'nevus' },
      ],
      0.5,
    );
    assert.deepEqual(
      kept.map((detection) => [detection.confidence, detection.box.x]),
      [
        [0.8, 1],
        [0.7, 50],
      ],
    );
  });
});
