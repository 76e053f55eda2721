/**
 * The JPEG a remote model is sent: the decoded image re-encoded (no metadata leaves the service),
 * downscaled with its aspect ratio kept when the API caps the image side (Roboflow) or the body
 * size (SageMaker's 6 MB). Boxes come back in the sent image's pixels, so the sizes are returned
 * for mapping them to the original image.
 */
import sharp from 'sharp';
import type { DecodedImage } from '../domain.js';
import { encodeJpeg } from './crop.js';

export interface PayloadLimits {
  /** Longest side of the sent image; larger images are downscaled. */
  maxSide?: number;
  /** Largest encoded size in bytes (after any base64 expansion, see `base64`). */
  maxBytes?: number;
  /** The JPEG travels as base64, which is 4/3 of its size: the byte limit applies to that. */
  base64?: boolean;
}

export interface ImagePayload {
  jpeg: Buffer;
  width: number;
  height: number;
}

const quality = 90;
/** Each shrink aims a little below the limit, so a retry rarely needs a third encoding. */
const shrinkMargin = 0.9;
const maxEncodings = 6;

export async function encodeImagePayload(
  image: DecodedImage,
  limits: PayloadLimits = {},
): Promise<ImagePayload> {
  const sideScale = limits.maxSide ? Math.min(1, limits.maxSide / Math.max(image.width, image.height)) : 1;
  let width = Math.max(1, Math.round(image.width * sideScale));
  let height = Math.max(1, Math.round(image.height * sideScale));
  for (let encoding = 1; ; encoding++) {
    const jpeg = await encodeScaled(image, width, height);
    const size = limits.base64 ? Math.ceil(jpeg.length / 3) * 4 : jpeg.length;
    if (limits.maxBytes === undefined || size <= limits.maxBytes) return { jpeg, width, height };
    if (encoding === maxEncodings || (width === 1 && height === 1)) {
      throw new Error(`the image does not fit in ${limits.maxBytes} bytes even at ${width} x ${height}`);
    }
    // JPEG size grows roughly with the pixel count: shrink both sides by the square root.
    const factor = Math.sqrt(limits.maxBytes / size) * shrinkMargin;
    width = Math.max(1, Math.floor(width * factor));
    height = Math.max(1, Math.floor(height * factor));
  }
}

function encodeScaled(image: DecodedImage, width: number, height: number): Promise<Buffer> {
  if (width === image.width && height === image.height) return encodeJpeg(image, quality);
  return sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .jpeg({ quality })
    .toBuffer();
}
