/**
 * Rec. 601 luma (0..255) of each pixel of an 8-bit RGB image: the grey level the blur and
 * exposure measurements read.
 */
import type { DecodedImage } from '../domain.js';

export function luminance(image: DecodedImage): Float32Array {
  const count = image.width * image.height;
  const grey = new Float32Array(count);
  const { pixels } = image;
  for (let index = 0; index < count; index++) {
    const offset = index * 3;
    grey[index] =
      0.299 * (pixels[offset] ?? 0) + 0.587 * (pixels[offset + 1] ?? 0) + 0.114 * (pixels[offset + 2] ?? 0);
  }
  return grey;
}
