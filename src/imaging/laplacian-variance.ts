/**
 * Sharpness as the variance of the Laplacian (Pech-Pacheco et al., 2000): a focused image has
 * strong second derivatives at its edges, a blurred one has few. Measured on the grey levels of the
 * analysis thumbnail, so the value does not depend on the upload's resolution.
 */
import type { DecodedImage } from '../domain.js';
import { luminance } from './luminance.js';

/** `grey`: the image's luminance when the caller already has it. */
export function laplacianVariance(image: DecodedImage, grey = luminance(image)): number {
  const { width, height } = image;
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumOfSquares = 0;
  let count = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const at = y * width + x;
      // The 4-neighbour kernel [0 1 0; 1 -4 1; 0 1 0].
      const value =
        (grey[at - 1] ?? 0) +
        (grey[at + 1] ?? 0) +
        (grey[at - width] ?? 0) +
        (grey[at + width] ?? 0) -
        4 * (grey[at] ?? 0);
      sum += value;
      sumOfSquares += value * value;
      count++;
    }
  }
  const mean = sum / count;
  return sumOfSquares / count - mean * mean;
}
