/**
 * Greyscale DICOM samples to 8-bit RGB: stored value (Bits Stored, sign) -> modality rescale
 * (slope, intercept) -> VOI window, the linear function of PS3.3 C.11.2.1.2.1, with the file's
 * first window or, without one, the frame's own minimum and maximum -> MONOCHROME1 inverted ->
 * the grey level copied into R, G and B.
 */
import type { ImagePixelModule } from './image-pixel-module.js';

/** Raw sample word -> stored value: the bits above Bits Stored dropped, two's complement if signed. */
export function storedValueReader(module: ImagePixelModule): (raw: number) => number {
  const mask = module.bitsStored >= 32 ? 0xffffffff : 2 ** module.bitsStored - 1;
  const signBit = 2 ** (module.bitsStored - 1);
  const range = 2 ** module.bitsStored;
  if (module.pixelRepresentation === 0) return (raw) => raw & mask;
  return (raw) => {
    const value = raw & mask;
    return value >= signBit ? value - range : value;
  };
}

export function greyToRgb(samples: Uint8Array | Uint16Array, module: ImagePixelModule): Buffer {
  const pixels = module.rows * module.columns;
  const stored = storedValueReader(module);
  const { rescaleSlope: slope, rescaleIntercept: intercept } = module;
  const modality = (index: number) => stored(samples[index] ?? 0) * slope + intercept;

  let lower: number;
  let upper: number;
  if (module.window) {
    // y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255, clamped below c - 0.5 - (w-1)/2 and above c - 0.5 + (w-1)/2.
    const { center, width } = module.window;
    lower = center - 0.5 - (width - 1) / 2;
    upper = center - 0.5 + (width - 1) / 2;
  } else {
    lower = Number.POSITIVE_INFINITY;
    upper = Number.NEGATIVE_INFINITY;
    for (let index = 0; index < pixels; index++) {
      const value = modality(index);
      if (value < lower) lower = value;
      if (value > upper) upper = value;
    }
  }
  const span = upper - lower;
  const invert = module.photometric === 'MONOCHROME1';
  const rgb = Buffer.alloc(pixels * 3);
  for (let index = 0; index < pixels; index++) {
    const value = modality(index);
    // A window of width 1 (span 0) is a threshold; a flat frame stays black.
    let level = span > 0 ? Math.round(((value - lower) / span) * 255) : value > lower ? 255 : 0;
    level = Math.min(Math.max(level, 0), 255);
    if (invert) level = 255 - level;
    rgb[index * 3] = level;
    rgb[index * 3 + 1] = level;
    rgb[index * 3 + 2] = level;
  }
  return rgb;
}
