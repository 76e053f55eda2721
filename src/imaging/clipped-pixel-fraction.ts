/**
 * Exposure as clipping: the share of pixels burnt out to white or crushed to black, where the
 * camera recorded no detail a model could read.
 */
import type { DecodedImage } from '../domain.js';
import { luminance } from './luminance.js';

/** Grey levels at or beyond these carry no detail (8-bit). */
const blackLevel = 8;
const whiteLevel = 247;

export interface ClippedFractions {
  /** Share of pixels at or above the white level. */
  over: number;
  /** Share of pixels at or below the black level. */
  under: number;
}

/** `grey`: the image's luminance when the caller already has it. */
export function clippedPixelFraction(image: DecodedImage, grey = luminance(image)): ClippedFractions {
  let over = 0;
  let under = 0;
  for (const value of grey) {
    if (value >= whiteLevel) over++;
    else if (value <= blackLevel) under++;
  }
  const count = Math.max(1, grey.length);
  return { over: over / count, under: under / count };
}
