/**
 * Small helpers shared by the unit tests: real image bytes made with sharp, hand-built PNG chunks
 * and a way to catch an expected failure so its fields can be asserted one by one.
 */
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import type { ClinicalContext, DecodedImage } from '../../src/domain.js';

export type Rgb = { r: number; g: number; b: number };

/** The error a promise or function fails with; fails the test when it does not fail. */
export async function failureOf(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  assert.fail('expected the call to fail, but it succeeded');
}

/** A uniform RGB image encoded by sharp as `format`. */
export function solidImage(
  width: number,
  height: number,
  background: Rgb,
  format: 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'avif',
): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } })
    .toFormat(format)
    .toBuffer();
}

/** Deterministic pseudo-random RGB pixels: compress badly, so a truncated JPEG loses real data. */
export function noisyPixels(width: number, height: number, seed = 1): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  let state = seed;
  for (let index = 0; index < pixels.length; index++) {
    state = (state * 1103515245 + 12345) >>> 0;
    pixels[index] = state >>> 24;
  }
  return pixels;
}

/** A decoded image whose pixel (x, y) is (x, y, 7): every copied pixel says where it came from. */
export function coordinateImage(width: number, height: number): DecodedImage {
  assert.ok(width <= 256 && height <= 256, 'coordinates must fit in a byte');
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 3;
      pixels[offset] = x;
      pixels[offset + 1] = y;
      pixels[offset + 2] = 7;
    }
  }
  return { width, height, pixels };
}

/** A uniform decoded image. */
export function uniformImage(width: number, height: number, colour: Rgb): DecodedImage {
  const pixels = Buffer.alloc(width * height * 3);
  for (let offset = 0; offset < pixels.length; offset += 3) {
    pixels[offset] = colour.r;
    pixels[offset + 1] = colour.g;
    pixels[offset + 2] = colour.b;
  }
  return { width, height, pixels };
}

/** The RGB triple at (x, y) of a decoded image. */
export function pixelAt(image: DecodedImage, x: number, y: number): [number, number, number] {
  const offset = (y * image.width + x) * 3;
  const { pixels } = image;
  return [pixels[offset] ?? -1, pixels[offset + 1] ?? -1, pixels[offset + 2] ?? -1];
}

export const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk: length, type, data and the CRC-32 of type + data. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(typeAndData) >>> 0);
  return Buffer.concat([length, typeAndData, checksum]);
}

/** An IHDR chunk for an 8-bit RGB image of the given size. */
export function pngHeaderChunk(width: number, height: number): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data[8] = 8; // bit depth
  data[9] = 2; // colour type: truecolour
  return pngChunk('IHDR', data);
}

/** A clinical context with nothing known, and `overrides` on top. */
export function clinicalContext(overrides: Partial<ClinicalContext> = {}): ClinicalContext {
  return {
    extent: 'unspecified',
    bodySite: null,
    ageYears: null,
    sex: null,
    specialty: null,
    durationDays: null,
    notes: null,
    imageType: null,
    ...overrides,
  };
}
