/**
 * The classical dermoscopy outline (imaging/lesion-outline.ts) and its detector adapter, on drawn
 * dermoscopy-like images: a dark lesion on skin whose light falls off to one side, inside a
 * dermatoscope's black vignette, with hairs across it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLesionOutlineDetector } from '../../src/adapters/detector/lesion-outline.js';
import type { Box, DecodedImage } from '../../src/domain.js';
import { intersectionOverUnion } from '../../src/evaluation/eval-item.js';
import { outlineLesion } from '../../src/imaging/lesion-outline.js';
import { type DetectionCard, modelCardSchema } from '../../src/models/model-card.js';

interface Scene {
  width: number;
  height: number;
  /** The lesion, an ellipse, as fractions of the frame. */
  lesion: { cx: number; cy: number; rx: number; ry: number };
  /** Skin brightness at the left and right edges: the light's fall-off. */
  shading: [number, number];
  vignette: boolean;
}

/** RGB 0..255 interleaved, like a decoded image. */
function drawScene(scene: Scene): Buffer {
  const { width, height, lesion } = scene;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      const skin = scene.shading[0] + (scene.shading[1] - scene.shading[0]) * u;
      let rgb = [skin * 235, skin * 185, skin * 160];
      if (((u - lesion.cx) / lesion.rx) ** 2 + ((v - lesion.cy) / lesion.ry) ** 2 <= 1) {
        rgb = [110 * skin, 70 * skin, 50 * skin];
      }
      // Hairs: thin dark lines across the frame and the lesion.
      if (Math.abs(y - (0.3 * height + 0.5 * x)) < 1 || Math.abs(x - 0.7 * width + 0.2 * y) < 1) {
        rgb = [40, 30, 25];
      }
      if (scene.vignette && Math.hypot(u - 0.5, v - 0.5) > 0.52) rgb = [4, 4, 4];
      pixels.set(
        rgb.map((value) => Math.round(value)),
        (y * width + x) * 3,
      );
    }
  }
  return pixels;
}

function lesionBox(scene: Scene): Box {
  const { width, height, lesion } = scene;
  return {
    x: (lesion.cx - lesion.rx) * width,
    y: (lesion.cy - lesion.ry) * height,
    width: 2 * lesion.rx * width,
    height: 2 * lesion.ry * height,
  };
}

/** NCHW planes 0..1 of a square scene, as the outline reads them. */
function planes(pixels: Buffer, size: number): Float32Array {
  const out = new Float32Array(3 * size * size);
  for (let index = 0; index < size * size; index++) {
    for (let channel = 0; channel < 3; channel++) {
      out[channel * size * size + index] = (pixels[index * 3 + channel] ?? 0) / 255;
    }
  }
  return out;
}

function maskBox(mask: Uint8Array, size: number): Box {
  let [left, top, right, bottom] = [size, size, -1, -1];
  mask.forEach((value, index) => {
    if (value !== 1) return;
    const x = index % size;
    const y = Math.floor(index / size);
    [left, top, right, bottom] = [
      Math.min(left, x),
      Math.min(top, y),
      Math.max(right, x),
      Math.max(bottom, y),
    ];
  });
  return { x: left, y: top, width: right - left + 1, height: bottom - top + 1 };
}

const card = modelCardSchema.parse({
  id: 'lesion-outline',
  version: '1.0.0',
  task: 'detection',
  labels: ['lesion'],
  input: { name: 'rgb', width: 128, height: 128, layout: 'NCHW', resize: 'stretch' },
  output: { name: 'mask', format: 'mask', activation: 'probabilities' },
  defaults: { confidence: 0, iou: 0.45 },
}) as DetectionCard;

describe('outlineLesion', () => {
  it('outlines an off-centre lesion through hairs, a vignette and shading falling to one side', () => {
    const scene: Scene = {
      width: 128,
      height: 128,
      lesion: { cx: 0.58, cy: 0.44, rx: 0.2, ry: 0.14 },
      shading: [0.55, 0.95],
      vignette: true,
    };
    const outline = outlineLesion(planes(drawScene(scene), 128), 128);
    assert.ok(outline);
    const iou = intersectionOverUnion(maskBox(outline.mask, 128), lesionBox(scene));
    assert.ok(iou >= 0.8, `IoU ${iou.toFixed(3)} with the drawn lesion`);
    assert.ok(outline.separability > 0.5 && outline.separability <= 1);
  });

  it('returns null when the whole frame is the vignette', () => {
    assert.equal(outlineLesion(new Float32Array(3 * 32 * 32), 32), null);
  });
});

describe('the lesion outline detector', () => {
  it('gives one box in the original image, a stretched non-square frame', async () => {
    const scene: Scene = {
      width: 400,
      height: 300,
      lesion: { cx: 0.45, cy: 0.55, rx: 0.25, ry: 0.22 },
      shading: [0.9, 0.65],
      vignette: false,
    };
    const image: DecodedImage = { width: scene.width, height: scene.height, pixels: drawScene(scene) };
    const detections = await createLesionOutlineDetector(card).detect(image);
    assert.equal(detections.length, 1);
    const [detection] = detections;
    assert.ok(detection);
    assert.equal(detection.label, 'lesion');
    const iou = intersectionOverUnion(detection.box, lesionBox(scene));
    assert.ok(iou >= 0.8, `IoU ${iou.toFixed(3)} with the drawn lesion`);
    assert.ok(detection.mask, 'the record gets the mask measures');
  });

  it('refuses a card that does not describe a square mask', () => {
    const boxes = { ...card, output: { name: 'output0', format: 'yolov8' as const } };
    assert.throws(() => createLesionOutlineDetector(boxes), /square NCHW input and a mask output/);
  });
});
