/**
 * The image the quality and in-scope gates measure: shrunk so its longer side is at most 256
 * pixels. Blur, exposure and skin measurements then mean the same on a 640 px dermoscopy image
 * and a 4000 px phone photo, and cost the same few milliseconds.
 */

import type { DecodedImage } from '../domain.js';
import { loadSharp } from './sharp-library.js';

export const analysisSide = 256;

export async function analysisThumbnail(image: DecodedImage): Promise<DecodedImage> {
  if (Math.max(image.width, image.height) <= analysisSide) return image;
  const sharp = await loadSharp();
  const { data, info } = await sharp(image.pixels, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(analysisSide, analysisSide, { fit: 'inside', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, pixels: data };
}
