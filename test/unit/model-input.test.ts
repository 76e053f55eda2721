import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Letterbox, prepareModelInput } from '../../src/imaging/model-input.js';
import type { ModelInput } from '../../src/models/model-card.js';
import { decodeYoloOutput } from '../../src/models/yolo-output.js';
import { modelInput } from '../support/model-cards.js';
import { coordinateImage, uniformImage } from '../support/unit-helpers.js';

/** The value of channel `channel` at input pixel (x, y), whatever the layout. */
function valueAt(data: Float32Array, input: ModelInput, x: number, y: number, channel: number): number {
  const index =
    input.layout === 'NCHW'
      ? channel * input.width * input.height + y * input.width + x
      : (y * input.width + x) * 3 + channel;
  const value = data[index];
  assert.ok(value !== undefined, `no value at ${x},${y},${channel}`);
  return value;
}

/**
 * Where the corners of the model input's image content land in the original image, as the detector
 * decoder maps them: a box from (left, top) to (right, bottom) in input pixels.
 */
function mapBack(
  letterbox: Letterbox,
  image: { width: number; height: number },
  inputBox: { left: number; top: number; right: number; bottom: number },
) {
  const width = inputBox.right - inputBox.left;
  const height = inputBox.bottom - inputBox.top;
  const output = new Float32Array([inputBox.left + width / 2, inputBox.top + height / 2, width, height, 0.9]);
  const [detection] = decodeYoloOutput(output, [1, 5, 1], {
    labels: ['lesion'],
    confidence: 0.5,
    iou: 0.5,
    letterbox,
    // Bounds far outside the image, so clamping cannot hide a wrong mapping.
    imageWidth: image.width * 10,
    imageHeight: image.height * 10,
  });
  assert.ok(detection, 'the box must survive decoding');
  return detection.box;
}

describe('prepareModelInput: geometry', () => {
  it('stretches to the input size with no padding', async () => {
    const input = modelInput({ resize: 'stretch', width: 32, height: 16 });
    const tensor = await prepareModelInput(uniformImage(50, 70, { r: 1, g: 2, b: 3 }), input);
    assert.deepEqual(tensor.dims, [1, 3, 16, 32]);
    assert.equal(tensor.data.length, 3 * 16 * 32);
    assert.equal(tensor.letterbox.padX, 0);
    assert.equal(tensor.letterbox.padY, 0);
  });

  it('letterboxes a wide 200x100 image into 64x64: scale 0.32, padY 16', async () => {
    const tensor = await prepareModelInput(
      uniformImage(200, 100, { r: 0, g: 0, b: 0 }),
      modelInput({ resize: 'letterbox' }),
    );
    assert.equal(tensor.letterbox.scaleX, 0.32);
    assert.equal(tensor.letterbox.scaleY, 0.32);
    assert.equal(tensor.letterbox.padX, 0);
    assert.equal(tensor.letterbox.padY, 16);
    assert.deepEqual(tensor.dims, [1, 3, 64, 64]);
  });

  it('letterboxes a tall 100x200 image into 64x64: scale 0.32, padX 16', async () => {
    const tensor = await prepareModelInput(
      uniformImage(100, 200, { r: 0, g: 0, b: 0 }),
      modelInput({ resize: 'letterbox' }),
    );
    assert.equal(tensor.letterbox.scaleX, 0.32);
    assert.equal(tensor.letterbox.scaleY, 0.32);
    assert.equal(tensor.letterbox.padX, 16);
    assert.equal(tensor.letterbox.padY, 0);
  });

  it('puts the odd pixel of padding at the bottom: 300x100 into 64x64 gives padY 21', async () => {
    const input = modelInput({ resize: 'letterbox', scale: 1, padValue: 50 });
    const tensor = await prepareModelInput(uniformImage(300, 100, { r: 200, g: 200, b: 200 }), input);
    // 300x100 scales to 64x21: 43 rows of padding, 21 above and 22 below.
    assert.equal(tensor.letterbox.padX, 0);
    assert.equal(tensor.letterbox.padY, 21);
    assert.equal(valueAt(tensor.data, input, 10, 20, 0), 50);
    assert.equal(valueAt(tensor.data, input, 10, 21, 0), 200);
    assert.equal(valueAt(tensor.data, input, 10, 41, 0), 200);
    assert.equal(valueAt(tensor.data, input, 10, 42, 0), 50);
  });

  it('fills the padding with the pad value and the content with the image', async () => {
    const input = modelInput({ resize: 'letterbox', scale: 1, padValue: 114 });
    const tensor = await prepareModelInput(uniformImage(200, 100, { r: 10, g: 20, b: 30 }), input);
    for (const y of [0, 15, 48, 63]) {
      for (const channel of [0, 1, 2])
        assert.equal(valueAt(tensor.data, input, 32, y, channel), 114, `pad row ${y}`);
    }
    for (const y of [16, 32, 47]) {
      assert.deepEqual(
        [0, 1, 2].map((channel) => valueAt(tensor.data, input, 32, y, channel)),
        [10, 20, 30],
        `content row ${y}`,
      );
    }
  });

  it('fills the side padding of a tall image with the pad value', async () => {
    const input = modelInput({ resize: 'letterbox', scale: 1, padValue: 0, layout: 'NHWC' });
    const tensor = await prepareModelInput(uniformImage(100, 200, { r: 250, g: 250, b: 250 }), input);
    assert.equal(valueAt(tensor.data, input, 0, 32, 1), 0);
    assert.equal(valueAt(tensor.data, input, 15, 32, 1), 0);
    assert.equal(valueAt(tensor.data, input, 16, 32, 1), 250);
    assert.equal(valueAt(tensor.data, input, 47, 32, 1), 250);
    assert.equal(valueAt(tensor.data, input, 48, 32, 1), 0);
    assert.equal(valueAt(tensor.data, input, 63, 32, 1), 0);
  });

  // 1000x100 scales to 64x6 (6.4 rounded) and 100x1000 to 6x64: the long axis must still map
  // back onto the whole image, within one input pixel.
  for (const [shape, image, content] of [
    ['wide', { width: 1000, height: 100 }, { width: 64, height: 6 }],
    ['tall', { width: 100, height: 1000 }, { width: 6, height: 64 }],
  ] as const) {
    it(`maps the letterboxed content of a ${shape} image back onto the whole image`, async () => {
      const tensor = await prepareModelInput(
        uniformImage(image.width, image.height, { r: 0, g: 0, b: 0 }),
        modelInput({ resize: 'letterbox' }),
      );
      const { padX, padY } = tensor.letterbox;
      const box = mapBack(tensor.letterbox, image, {
        left: padX,
        top: padY,
        right: padX + content.width,
        bottom: padY + content.height,
      });
      const inputPixel = Math.max(image.width, image.height) / 64;
      const where = `${JSON.stringify(box)} (letterbox ${JSON.stringify(tensor.letterbox)})`;
      assert.ok(Math.abs(box.x) <= inputPixel && Math.abs(box.y) <= inputPixel, where);
      assert.ok(Math.abs(box.x + box.width - image.width) <= inputPixel, where);
      assert.ok(Math.abs(box.y + box.height - image.height) <= inputPixel, where);
    });
  }

  it('maps a stretched input back onto the whole image', async () => {
    const image = { width: 200, height: 100 };
    const tensor = await prepareModelInput(
      uniformImage(image.width, image.height, { r: 0, g: 0, b: 0 }),
      modelInput({ resize: 'stretch' }),
    );
    const box = mapBack(tensor.letterbox, image, { left: 0, top: 0, right: 64, bottom: 64 });
    assert.deepEqual(
      box,
      { x: 0, y: 0, width: 200, height: 100 },
      `the full 64x64 input must map to the full 200x100 image (letterbox ${JSON.stringify(tensor.letterbox)})`,
    );
  });
});

describe('prepareModelInput: layout and normalisation', () => {
  // Same-size stretch: every input pixel is the image pixel, so positions can be checked exactly.
  const image = coordinateImage(4, 3);

  it('writes NCHW as three planes: pixel (2, 1) = (2, 1, 7)', async () => {
    const input = modelInput({ width: 4, height: 3, scale: 1, layout: 'NCHW' });
    const tensor = await prepareModelInput(image, input);
    assert.deepEqual(tensor.dims, [1, 3, 3, 4]);
    const plane = 4 * 3;
    const pixel = 1 * 4 + 2;
    assert.deepEqual(
      [tensor.data[pixel], tensor.data[plane + pixel], tensor.data[2 * plane + pixel]],
      [2, 1, 7],
    );
  });

  it('writes NHWC as interleaved pixels: pixel (2, 1) = (2, 1, 7)', async () => {
    const input = modelInput({ width: 4, height: 3, scale: 1, layout: 'NHWC' });
    const tensor = await prepareModelInput(image, input);
    assert.deepEqual(tensor.dims, [1, 3, 4, 3]);
    const pixel = 1 * 4 + 2;
    assert.deepEqual(Array.from(tensor.data.subarray(pixel * 3, pixel * 3 + 3)), [2, 1, 7]);
  });

  it('keeps every pixel of a same-size stretch in place', async () => {
    const input = modelInput({ width: 4, height: 3, scale: 1, layout: 'NHWC' });
    const tensor = await prepareModelInput(image, input);
    assert.deepEqual(Array.from(tensor.data), Array.from(image.pixels));
  });

  it('normalises exactly: (pixel / scale - mean) / std per channel', async () => {
    const input = modelInput({ width: 8, height: 8, scale: 2, mean: [1, 2, 4], std: [0.5, 2, 4] });
    const tensor = await prepareModelInput(uniformImage(16, 16, { r: 10, g: 20, b: 40 }), input);
    const plane = 64;
    // (10/2 - 1)/0.5 = 8, (20/2 - 2)/2 = 4, (40/2 - 4)/4 = 4
    assert.deepEqual(Array.from(new Set(tensor.data.subarray(0, plane))), [8]);
    assert.deepEqual(Array.from(new Set(tensor.data.subarray(plane, 2 * plane))), [4]);
    assert.deepEqual(Array.from(new Set(tensor.data.subarray(2 * plane, 3 * plane))), [4]);
  });

  it('normalises with ImageNet mean and std to the float32 of the exact value', async () => {
    const mean: [number, number, number] = [0.485, 0.456, 0.406];
    const std: [number, number, number] = [0.229, 0.224, 0.225];
    const colour = { r: 255, g: 128, b: 0 };
    const input = modelInput({ width: 8, height: 8, layout: 'NHWC', mean, std });
    const tensor = await prepareModelInput(uniformImage(8, 8, colour), input);
    const expected = [colour.r, colour.g, colour.b].map((value, channel) => {
      return (value / 255 - (mean[channel] ?? 0)) / (std[channel] ?? 1);
    });
    for (let pixel = 0; pixel < 64; pixel++) {
      for (const [channel, value] of expected.entries()) {
        const actual = tensor.data[pixel * 3 + channel] ?? Number.NaN;
        assert.ok(
          Math.abs(actual - value) < 1e-6,
          `pixel ${pixel} channel ${channel}: ${actual} vs ${value}`,
        );
      }
    }
    assert.ok(Math.abs((tensor.data[0] ?? 0) - 2.2489083) < 1e-6);
  });

  it('maps 0..255 to 0..1 with the default scale', async () => {
    const input = modelInput({ width: 2, height: 2, layout: 'NHWC' });
    const tensor = await prepareModelInput(uniformImage(2, 2, { r: 255, g: 0, b: 51 }), input);
    assert.deepEqual(Array.from(tensor.data.subarray(0, 3)), [1, 0, Math.fround(0.2)]);
  });
});
