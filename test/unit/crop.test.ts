import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import type { Box } from '../../src/domain.js';
import { cropImage, encodeJpeg, padBox } from '../../src/imaging/crop.js';
import { coordinateImage, noisyPixels, pixelAt } from '../support/unit-helpers.js';

function assertIntegerBoxInside(box: Box, imageWidth: number, imageHeight: number): void {
  for (const value of [box.x, box.y, box.width, box.height])
    assert.ok(Number.isInteger(value), `${value} in ${JSON.stringify(box)}`);
  assert.ok(box.x >= 0 && box.y >= 0, `starts inside: ${JSON.stringify(box)}`);
  assert.ok(box.width >= 1 && box.height >= 1, `not empty: ${JSON.stringify(box)}`);
  assert.ok(box.x + box.width <= imageWidth, `ends inside horizontally: ${JSON.stringify(box)}`);
  assert.ok(box.y + box.height <= imageHeight, `ends inside vertically: ${JSON.stringify(box)}`);
}

describe('padBox', () => {
  const cases: [
    behaviour: string,
    box: Box,
    padding: number,
    imageWidth: number,
    imageHeight: number,
    expected: Box,
  ][] = [
    [
      'grows a box by the padding fraction of its size on each side',
      { x: 10, y: 20, width: 10, height: 20 },
      0.1,
      100,
      100,
      { x: 9, y: 18, width: 12, height: 24 },
    ],
    [
      'leaves an integer box unchanged with zero padding',
      { x: 5, y: 6, width: 7, height: 8 },
      0,
      100,
      100,
      { x: 5, y: 6, width: 7, height: 8 },
    ],
    [
      'rounds a fractional detector box outwards to whole pixels',
      { x: 10.4, y: 5.6, width: 20.2, height: 10.1 },
      0,
      100,
      100,
      { x: 10, y: 5, width: 21, height: 11 },
    ],
    [
      'clamps at the left and top edges',
      { x: 2, y: 1, width: 10, height: 10 },
      0.5,
      100,
      100,
      { x: 0, y: 0, width: 17, height: 16 },
    ],
    [
      'clamps at the right and bottom edges',
      { x: 45, y: 35, width: 5, height: 5 },
      0.5,
      50,
      40,
      { x: 42, y: 32, width: 8, height: 8 },
    ],
    [
      'clamps at all four edges to exactly the image',
      { x: 10, y: 10, width: 80, height: 60 },
      0.5,
      100,
      80,
      { x: 0, y: 0, width: 100, height: 80 },
    ],
  ];
  for (const [behaviour, box, padding, imageWidth, imageHeight, expected] of cases) {
    it(behaviour, () => {
      assert.deepEqual(padBox(box, padding, imageWidth, imageHeight), expected);
    });
  }

  it('keeps fractional padding results integer and inside the image', () => {
    const padded = padBox({ x: 33.3, y: 12.7, width: 17.9, height: 41.3 }, 0.15, 60, 50);
    assertIntegerBoxInside(padded, 60, 50);
    assert.deepEqual(padded, { x: 30, y: 6, width: 24, height: 44 });
  });

  it('keeps a thin box on the last column inside the image', () => {
    const padded = padBox({ x: 99.5, y: 10, width: 0.5, height: 5 }, 0.1, 100, 100);
    assertIntegerBoxInside(padded, 100, 100);
    assert.equal(padded.x, 99);
  });

  it('keeps a box that starts on the right and bottom edges inside the image', () => {
    // A hosted detector can report a box touching the border; the crop must still be in the image.
    const padded = padBox({ x: 100, y: 80, width: 4, height: 4 }, 0, 100, 80);
    assertIntegerBoxInside(padded, 100, 80);
  });
});

describe('cropImage', () => {
  const image = coordinateImage(20, 15);

  it('copies exactly the pixels of the box', () => {
    const box = { x: 3, y: 4, width: 5, height: 6 };
    const crop = cropImage(image, box);
    assert.equal(crop.width, 5);
    assert.equal(crop.height, 6);
    assert.equal(crop.pixels.length, 5 * 6 * 3);
    for (let y = 0; y < box.height; y++) {
      for (let x = 0; x < box.width; x++) {
        assert.deepEqual(pixelAt(crop, x, y), [box.x + x, box.y + y, 7], `crop pixel ${x},${y}`);
      }
    }
  });

  it('copies the bottom-right corner pixel-exactly', () => {
    const crop = cropImage(image, { x: 17, y: 12, width: 3, height: 3 });
    assert.deepEqual(pixelAt(crop, 0, 0), [17, 12, 7]);
    assert.deepEqual(pixelAt(crop, 2, 2), [19, 14, 7]);
  });

  it('returns the whole image for a full-size box', () => {
    const crop = cropImage(image, { x: 0, y: 0, width: 20, height: 15 });
    assert.deepEqual(crop.pixels, image.pixels);
  });

  it('copies a single pixel', () => {
    const crop = cropImage(image, { x: 11, y: 9, width: 1, height: 1 });
    assert.deepEqual(Array.from(crop.pixels), [11, 9, 7]);
  });

  it('does not share memory with the source image', () => {
    const source = coordinateImage(4, 4);
    const crop = cropImage(source, { x: 0, y: 0, width: 2, height: 2 });
    source.pixels.fill(0);
    assert.deepEqual(pixelAt(crop, 1, 1), [1, 1, 7]);
  });
});

describe('encodeJpeg', () => {
  it('returns a JPEG of the same size without EXIF', async () => {
    const image = { width: 32, height: 24, pixels: noisyPixels(32, 24) };
    const jpeg = await encodeJpeg(image);
    assert.deepEqual(Array.from(jpeg.subarray(0, 3)), [0xff, 0xd8, 0xff]);
    const header = await sharp(jpeg).metadata();
    assert.equal(header.format, 'jpeg');
    assert.equal(header.width, 32);
    assert.equal(header.height, 24);
    assert.equal(header.exif, undefined);
    assert.equal(header.icc, undefined);
    assert.equal(jpeg.indexOf('Exif\0\0', 0, 'latin1'), -1, 'no APP1 Exif segment');
  });

  it('keeps the colours of a crop', async () => {
    const pixels = Buffer.alloc(16 * 16 * 3);
    for (let offset = 0; offset < pixels.length; offset += 3) pixels.set([30, 160, 220], offset);
    const jpeg = await encodeJpeg({ width: 16, height: 16, pixels });
    const { data } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    const centre = (8 * 16 + 8) * 3;
    const decoded = [data[centre] ?? -1, data[centre + 1] ?? -1, data[centre + 2] ?? -1];
    for (const [channel, expected] of [30, 160, 220].entries()) {
      assert.ok(
        Math.abs((decoded[channel] ?? -1) - expected) <= 3,
        `channel ${channel}: ${decoded[channel]}`,
      );
    }
  });

  it('uses the quality given: lower quality gives fewer bytes', async () => {
    const image = { width: 64, height: 64, pixels: noisyPixels(64, 64, 3) };
    const low = await encodeJpeg(image, 20);
    const high = await encodeJpeg(image, 95);
    assert.ok(low.length < high.length, `${low.length} should be below ${high.length}`);
  });
});
