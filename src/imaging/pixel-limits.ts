/**
 * The size limits every decoder enforces from a header, before any pixel is decoded: the largest
 * image (decompression bombs) and the smallest one a model can diagnose from.
 */
import { BadInputError, InputErrorCode, PipelineStep } from '../errors.js';
import type { DecodeBudget } from './decode-budget.js';

export interface DecodeLimits {
  /** Largest accepted width x height, checked from the header. */
  maxPixels: number;
  /** Smallest accepted shorter side: fewer pixels carry nothing a model can diagnose from. */
  minSide?: number;
  /** Time, memory and structure limits of the decode itself; `defaultDecodeBudget` when absent. */
  budget?: DecodeBudget;
  /**
   * Longest side of the decoded image: a larger JPEG is shrunk while it is decoded (libvips
   * shrink-on-load), never decoded in full; the result says the image's own size (`original`).
   */
  maxSide?: number;
}

export function assertWithinPixelLimit(width: number, height: number, limits: DecodeLimits): void {
  if (width * height > limits.maxPixels) {
    throw new BadInputError(
      `the image claims ${width} x ${height} pixels, over the limit of ${limits.maxPixels} (possible decompression bomb)`,
      InputErrorCode.imageTooLarge,
      PipelineStep.fetchImage,
    );
  }
}

export function assertLargeEnough(width: number, height: number, limits: DecodeLimits): void {
  if (limits.minSide !== undefined && Math.min(width, height) < limits.minSide) {
    throw new BadInputError(
      `the image is ${width} x ${height} pixels: too small to diagnose from (the shorter side must be at least ${limits.minSide})`,
      InputErrorCode.imageTooSmall,
      PipelineStep.fetchImage,
    );
  }
}
