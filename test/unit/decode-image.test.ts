import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { BadInputError } from '../../src/errors.js';
import { cropImage } from '../../src/imaging/crop.js';
import { decodeImage, decodeRegion } from '../../src/imaging/decode-image.js';
import {
  failureOf,
  noisyPixels,
  pixelAt,
  pngChunk,
  pngHeaderChunk,
  pngSignature,
  solidImage,
} from '../support/unit-helpers.js';

const limits = { maxPixels: 50e6 };

/** Asserts a BadInputError of the fetch-image step with `code`, and returns it. */
async function badInputOf(bytes: Uint8Array, code: string): Promise<BadInputError> {
  const error = await failureOf(() => decodeImage(bytes, limits));
  assert.ok(error instanceof BadInputError, `expected BadInputError, got ${String(error)}`);
  assert.equal(error.code, code);
  assert.equal(error.step, 'fetch-image');
  assert.equal(error.retriable, false);
  return error;
}

/** Asserts each channel of `actual` is within `tolerance` of `expected`. */
function assertColourNear(actual: readonly number[], expected: readonly number[], tolerance: number): void {
  for (const [channel, value] of expected.entries()) {
    const got = actual[channel] ?? Number.NaN;
    assert.ok(
      Math.abs(got - value) <= tolerance,
      `channel ${channel}: ${got} is not within ${tolerance} of ${value}`,
    );
  }
}

describe('decodeImage: refused input', () => {
  it('calls zero bytes EMPTY_OBJECT', async () => {
    await badInputOf(new Uint8Array(0), 'EMPTY_OBJECT');
  });

  it('calls a text file UNSUPPORTED_FORMAT naming "unknown"', async () => {
    const error = await badInputOf(Buffer.from('name,age\nJane,54\n'), 'UNSUPPORTED_FORMAT');
    assert.match(error.message, /unknown/);
  });

  it('names HEIC in the UNSUPPORTED_FORMAT message', async () => {
    const heic = Buffer.concat([
      Buffer.from([0, 0, 0, 0x18]),
      Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'),
    ]);
    const error = await badInputOf(heic, 'UNSUPPORTED_FORMAT');
    assert.match(error.message, /HEIC/);
  });

  it('calls the first half of a real noisy 400x300 JPEG CORRUPT_IMAGE', async () => {
    const jpeg = await sharp(noisyPixels(400, 300), { raw: { width: 400, height: 300, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer();
    const error = await badInputOf(jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'CORRUPT_IMAGE');
    assert.match(error.message, /jpeg/);
  });

  it('calls a JPEG signature followed by garbage CORRUPT_IMAGE', async () => {
    const garbage = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 0x41)]);
    await badInputOf(garbage, 'CORRUPT_IMAGE');
  });

  it('refuses a 20000 x 20000 PNG header (no image data) as IMAGE_TOO_LARGE before decoding', async () => {
    const header = Buffer.concat([pngSignature, pngHeaderChunk(20000, 20000)]);
    // The header is all there is: only a check of the header can name the size.
    const error = await badInputOf(header, 'IMAGE_TOO_LARGE');
    assert.match(error.message, /20000 x 20000/);
    assert.match(error.message, /50000000/);
  });

  it('refuses a 20000 x 20000 PNG bomb (header, one deflated row, IEND) as IMAGE_TOO_LARGE fast', async () => {
    const oneRow = deflateSync(Buffer.alloc(1 + 20000 * 3));
    const bomb = Buffer.concat([
      pngSignature,
      pngHeaderChunk(20000, 20000),
      pngChunk('IDAT', oneRow),
      pngChunk('IEND', Buffer.alloc(0)),
    ]);
    // One real row of 20000: decoding the rest would fail as corrupt, so the header decided.
    const error = await badInputOf(bomb, 'IMAGE_TOO_LARGE');
    assert.match(error.message, /20000 x 20000/);
  });

  it('accepts an image exactly at maxPixels and refuses one pixel more', async () => {
    const png = await solidImage(10, 10, { r: 1, g: 2, b: 3 }, 'png');
    const atLimit = await decodeImage(png, { maxPixels: 100 });
    assert.equal(atLimit.image.width * atLimit.image.height, 100);
    const error = await failureOf(() => decodeImage(png, { maxPixels: 99 }));
    assert.ok(error instanceof BadInputError);
    assert.equal(error.code, 'IMAGE_TOO_LARGE');
  });
});

describe('decodeImage: normalised pixels', () => {
  it('decodes a JPEG to 3-channel 8-bit pixels of the right size and colour', async () => {
    const jpeg = await solidImage(40, 30, { r: 200, g: 30, b: 40 }, 'jpeg');
    const { image, format } = await decodeImage(jpeg, limits);
    assert.equal(format, 'jpeg');
    assert.equal(image.width, 40);
    assert.equal(image.height, 30);
    assert.equal(image.pixels.length, 40 * 30 * 3);
    assertColourNear(pixelAt(image, 20, 15), [200, 30, 40], 3);
  });

  it('applies EXIF orientation 6 (rotate 90 degrees clockwise): width and height swap', async () => {
    // Left half red, right half blue; after a clockwise quarter turn red is on top.
    const width = 40;
    const height = 20;
    const pixels = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const offset = (y * width + x) * 3;
        pixels.set(x < width / 2 ? [255, 0, 0] : [0, 0, 255], offset);
      }
    }
    const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    assert.equal((await sharp(jpeg).metadata()).orientation, 6, 'test image must carry orientation 6');

    const { image } = await decodeImage(jpeg, limits);
    assert.equal(image.width, 20);
    assert.equal(image.height, 40);
    assertColourNear(pixelAt(image, 10, 5), [255, 0, 0], 40);
    assertColourNear(pixelAt(image, 10, 34), [0, 0, 255], 40);
  });

  it('flattens an RGBA PNG onto white: a transparent pixel becomes 255,255,255', async () => {
    // 2x1: left opaque green, right fully transparent black.
    const rgba = Buffer.from([0, 255, 0, 255, 0, 0, 0, 0]);
    const png = await sharp(rgba, { raw: { width: 2, height: 1, channels: 4 } })
      .png()
      .toBuffer();
    assert.equal((await sharp(png).metadata()).channels, 4, 'test image must have alpha');

    const { image, format } = await decodeImage(png, limits);
    assert.equal(format, 'png');
    assert.equal(image.pixels.length, 2 * 3);
    assert.deepEqual(pixelAt(image, 0, 0), [0, 255, 0]);
    assert.deepEqual(pixelAt(image, 1, 0), [255, 255, 255]);
  });

  it('blends a half-transparent pixel with white', async () => {
    const rgba = Buffer.from([0, 0, 0, 128]);
    const png = await sharp(rgba, { raw: { width: 1, height: 1, channels: 4 } })
      .png()
      .toBuffer();
    const { image } = await decodeImage(png, limits);
    assertColourNear(pixelAt(image, 0, 0), [127, 127, 127], 2);
  });

  it('turns a 16-bit PNG into 8-bit 3-channel pixels with the same colour', async () => {
    const png16 = await sharp({
      create: { width: 4, height: 3, channels: 3, background: { r: 200, g: 30, b: 40 } },
    })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    assert.equal(png16[24], 16, 'test image must be 16 bits per sample');

    const { image } = await decodeImage(png16, limits);
    assert.equal(image.pixels.length, 4 * 3 * 3);
    assert.deepEqual(pixelAt(image, 3, 2), [200, 30, 40]);
  });

  it('turns a greyscale PNG into 3 equal channels', async () => {
    const grey = await sharp({
      create: { width: 5, height: 4, channels: 3, background: { r: 77, g: 77, b: 77 } },
    })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    assert.equal(grey[25], 0, 'test image must be PNG colour type 0 (greyscale)');

    const { image } = await decodeImage(grey, limits);
    assert.equal(image.width, 5);
    assert.equal(image.height, 4);
    assert.equal(image.pixels.length, 5 * 4 * 3);
    assert.deepEqual(pixelAt(image, 4, 3), [77, 77, 77]);
  });

  it('converts a CMYK JPEG to sRGB', async () => {
    const cmyk = await sharp({
      create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 30, b: 40 } },
    })
      .toColourspace('cmyk')
      .jpeg()
      .toBuffer();
    const header = await sharp(cmyk).metadata();
    assert.equal(header.space, 'cmyk', 'test image must be CMYK');
    assert.equal(header.channels, 4);

    const { image } = await decodeImage(cmyk, limits);
    assert.equal(image.pixels.length, 16 * 16 * 3);
    // CMYK round trips through an ICC profile, so allow a profile's worth of drift.
    assertColourNear(pixelAt(image, 8, 8), [200, 30, 40], 30);
  });

  it('decodes only the first frame of an animated GIF', async () => {
    const frame = (background: { r: number; g: number; b: number }) =>
      sharp({ create: { width: 40, height: 30, channels: 3, background } })
        .png()
        .toBuffer();
    const frames = await Promise.all([
      frame({ r: 255, g: 0, b: 0 }),
      frame({ r: 0, g: 0, b: 255 }),
      frame({ r: 0, g: 255, b: 0 }),
    ]);
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    assert.equal((await sharp(gif).metadata()).pages, 3, 'test image must have 3 frames');

    const { image, format } = await decodeImage(gif, limits);
    assert.equal(format, 'gif');
    assert.equal(image.width, 40);
    assert.equal(image.height, 30);
    assert.equal(image.pixels.length, 40 * 30 * 3);
    assertColourNear(pixelAt(image, 20, 15), [255, 0, 0], 10);
  });

  for (const format of ['webp', 'tiff', 'avif'] as const) {
    it(`decodes a ${format} and reports its format`, async () => {
      const bytes = await solidImage(24, 18, { r: 10, g: 120, b: 230 }, format);
      const { image, format: decodedFormat } = await decodeImage(bytes, limits);
      assert.equal(decodedFormat, format);
      assert.equal(image.width, 24);
      assert.equal(image.height, 18);
      assert.equal(image.pixels.length, 24 * 18 * 3);
      assertColourNear(pixelAt(image, 12, 9), [10, 120, 230], 12);
    });
  }
});

describe('decodeImage with maxSide, and decodeRegion', () => {
  /** An EXIF-rotated JPEG (orientation 6): stored 400 x 200, left half red, right half blue; upright 200 x 400, red on top. */
  async function rotatedJpeg(): Promise<Buffer> {
    const [width, height] = [400, 200];
    const pixels = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++)
        pixels.set(x < width / 2 ? [255, 0, 0] : [0, 0, 255], (y * width + x) * 3);
    }
    return sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
  }

  it('shrinks a larger image on load, upright, and reports its own size', async () => {
    const { image, original } = await decodeImage(await rotatedJpeg(), { ...limits, maxSide: 100 });
    assert.deepEqual([image.width, image.height], [50, 100]);
    assert.deepEqual(original, { width: 200, height: 400 });
    assertColourNear(pixelAt(image, 25, 10), [255, 0, 0], 40);
    assertColourNear(pixelAt(image, 25, 90), [0, 0, 255], 40);
  });

  it('leaves an image within maxSide at its own size', async () => {
    const { image, original } = await decodeImage(await rotatedJpeg(), { ...limits, maxSide: 400 });
    assert.deepEqual([image.width, image.height], [200, 400]);
    assert.deepEqual(original, { width: 200, height: 400 });
  });

  it('decodes a region in upright full-resolution pixels, as cut from the whole decode', async () => {
    const jpeg = await rotatedJpeg();
    const box = { x: 20, y: 150, width: 100, height: 100 };
    const region = await decodeRegion(jpeg, box, limits);
    const whole = cropImage((await decodeImage(jpeg, limits)).image, box);
    assert.deepEqual([region.width, region.height], [100, 100]);
    assert.deepEqual(region.pixels, whole.pixels);
    // The box straddles the colour change at upright y = 200.
    assertColourNear(pixelAt(region, 50, 10), [255, 0, 0], 40);
    assertColourNear(pixelAt(region, 50, 90), [0, 0, 255], 40);
  });
});
