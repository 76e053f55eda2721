/**
 * Safe decoding of untrusted image bytes: the container is recognised first, the pixel count is
 * checked from the header before any pixel is decoded (decompression bombs), EXIF orientation is
 * applied, alpha is flattened and every colour space (CMYK, 16-bit, greyscale) becomes 8-bit sRGB.
 * With `maxSide`, a large photo is shrunk while it decodes, and a full-resolution crop is decoded
 * from its bytes afterwards (`decodeRegion`): the full image is never held in memory.
 * DICOM goes to its own decoder (imaging/dicom), loaded only when a DICOM file arrives.
 */
import type { Metadata, Sharp } from 'sharp';
import type { Box, DecodedImage } from '../domain.js';
import { BadInputError, InputErrorCode, PipelineStep } from '../errors.js';
import { claimedDimensions } from './claimed-dimensions.js';
import {
  assertJpegScansWithinBudget,
  defaultDecodeBudget,
  imageTooComplex,
  isSharpTimeout,
  sharpTimeoutSeconds,
} from './decode-budget.js';
import type { DicomFacts } from './dicom/decode-dicom.js';
import { type SupportedFormat, sniffImageFormat } from './image-format.js';
import { assertLargeEnough, assertWithinPixelLimit, type DecodeLimits } from './pixel-limits.js';
import { loadSharp, type SharpConstructor } from './sharp-library.js';

export type { DecodeLimits } from './pixel-limits.js';

export interface DecodeResult {
  image: DecodedImage;
  /** The image's own size, upright: `image` is smaller when `maxSide` shrank it on load. */
  original: { width: number; height: number };
  format: SupportedFormat;
  /** DICOM only: the transfer syntax, and the context and patient identifiers from the tags. */
  dicom?: DicomFacts;
}

const step = PipelineStep.fetchImage;

export async function decodeImage(bytes: Uint8Array, limits: DecodeLimits): Promise<DecodeResult> {
  if (bytes.length === 0)
    throw new BadInputError('the object is empty (0 bytes)', InputErrorCode.emptyObject, step);

  const sniffed = sniffImageFormat(bytes);
  if (!sniffed.supported) {
    throw new BadInputError(
      `unsupported image format: ${sniffed.format} (${sniffed.hint})`,
      InputErrorCode.unsupportedFormat,
      step,
    );
  }

  if (sniffed.format === 'dicom') {
    const { decodeDicom } = await import('./dicom/decode-dicom.js');
    const dicom = await decodeDicom(bytes, limits);
    return {
      ...dicom,
      original: { width: dicom.image.width, height: dicom.image.height },
      format: sniffed.format,
    };
  }

  const claimed = claimedDimensions(bytes, sniffed.format);
  if (claimed) assertWithinPixelLimit(claimed.width, claimed.height, limits);

  const sharp = await loadSharp();
  let header: Metadata;
  try {
    // limitInputPixels is off here on purpose: reading the header is cheap and lets the error
    // name the claimed size instead of sharp's generic message.
    header = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new BadInputError(
      `the ${sniffed.format} image cannot be read: ${firstLine(error)}`,
      InputErrorCode.corruptImage,
      step,
      error,
    );
  }
  const width = header.width ?? 0;
  const height = header.pageHeight ?? header.height ?? 0;
  if (width <= 0 || height <= 0) {
    throw new BadInputError(
      `the ${sniffed.format} image has no dimensions`,
      InputErrorCode.corruptImage,
      step,
    );
  }
  assertWithinPixelLimit(width, height, limits);
  assertLargeEnough(width, height, limits);
  const budget = limits.budget ?? defaultDecodeBudget;
  if (sniffed.format === 'jpeg') assertJpegScansWithinBudget(bytes, budget);

  // EXIF orientations 5 to 8 turn the image a quarter: upright, its sides swap.
  const original = (header.orientation ?? 1) >= 5 ? { width: height, height: width } : { width, height };
  const shrink = limits.maxSide !== undefined && Math.max(original.width, original.height) > limits.maxSide;
  try {
    const upright = safeDecoder(sharp, bytes, limits).autoOrient();
    const sized = shrink
      ? upright.resize({ width: limits.maxSide, height: limits.maxSide, fit: 'inside' })
      : upright;
    const image = await toSrgbPixels(sized);
    return {
      image,
      original: shrink ? original : { width: image.width, height: image.height },
      format: sniffed.format,
    };
  } catch (error) {
    if (isSharpTimeout(error)) {
      throw imageTooComplex(`the decode did not finish within its ${budget.timeoutMs} ms budget`, error);
    }
    throw new BadInputError(
      `the ${sniffed.format} image is truncated or corrupt: ${firstLine(error)}`,
      InputErrorCode.corruptImage,
      step,
      error,
    );
  }
}

/**
 * The pixels of `box` (integer, in upright full-resolution pixels) decoded from the image's bytes
 * with the same safe settings: a crop at full resolution from an image decoded shrunk. JPEG rows
 * below the box are never decoded, and nothing but the box is held.
 */
export async function decodeRegion(bytes: Uint8Array, box: Box, limits: DecodeLimits): Promise<DecodedImage> {
  const sharp = await loadSharp();
  try {
    return await toSrgbPixels(
      safeDecoder(sharp, bytes, limits)
        .autoOrient()
        .extract({ left: box.x, top: box.y, width: box.width, height: box.height }),
    );
  } catch (error) {
    if (isSharpTimeout(error)) {
      const { timeoutMs } = limits.budget ?? defaultDecodeBudget;
      throw imageTooComplex(`the crop's decode did not finish within its ${timeoutMs} ms budget`, error);
    }
    throw new BadInputError(
      `the image is truncated or corrupt: ${firstLine(error)}`,
      InputErrorCode.corruptImage,
      step,
      error,
    );
  }
}

function safeDecoder(sharp: SharpConstructor, bytes: Uint8Array, limits: DecodeLimits): Sharp {
  return (
    sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'error', pages: 1 })
      // libvips runs off the event loop already; the timeout bounds how long a worker thread is held.
      .timeout({ seconds: sharpTimeoutSeconds(limits.budget ?? defaultDecodeBudget) })
  );
}

/** Alpha flattened on white, any colour space as 8-bit sRGB, three channels. */
async function toSrgbPixels(pipeline: Sharp): Promise<DecodedImage> {
  const { data, info } = await pipeline
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
  return { width: info.width, height: info.height, pixels: data };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() || 'unknown decoder error';
}
