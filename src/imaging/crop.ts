/**
 * Region-of-interest cropping: pad a detection box for context, clamp it to the image and cut it
 * out of the decoded pixels.
 */

import type { Box, DecodedImage } from '../domain.js';
import { loadSharp } from './sharp-library.js';

/** Grows a box by `padding` of its size on each side, rounds outwards and clamps to the image. */
export function padBox(box: Box, padding: number, imageWidth: number, imageHeight: number): Box {
  const left = Math.min(imageWidth - 1, Math.max(0, Math.floor(box.x - box.width * padding)));
  const top = Math.min(imageHeight - 1, Math.max(0, Math.floor(box.y - box.height * padding)));
  const right = Math.min(imageWidth, Math.ceil(box.x + box.width * (1 + padding)));
  const bottom = Math.min(imageHeight, Math.ceil(box.y + box.height * (1 + padding)));
  return { x: left, y: top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) };
}

/** Copies the rows of `box` (integer, inside the image) out of the decoded pixels. */
export function cropImage(image: DecodedImage, box: Box): DecodedImage {
  const inside = box.x >= 0 && box.y >= 0 && box.width >= 1 && box.height >= 1;
  if (!inside || box.x + box.width > image.width || box.y + box.height > image.height) {
    throw new RangeError(
      `crop box ${JSON.stringify(box)} is not inside the ${image.width}x${image.height} image`,
    );
  }
  const rowBytes = box.width * 3;
  const pixels = Buffer.allocUnsafe(rowBytes * box.height);
  for (let row = 0; row < box.height; row++) {
    const start = ((box.y + row) * image.width + box.x) * 3;
    image.pixels.copy(pixels, row * rowBytes, start, start + rowBytes);
  }
  return { width: box.width, height: box.height, pixels };
}

/** JPEG bytes of a decoded image, for saving crops; output carries no metadata. */
export async function encodeJpeg(image: DecodedImage, quality = 90): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}
