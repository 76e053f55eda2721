/**
 * The JPEG a remote model is sent: the decoded image re-encoded (no metadata leaves the service),
 * downscaled with its aspect ratio kept to what the model uses: just covering the model card's
 * input size (the model resizes to it anyway, so more pixels only cost encoding and upload time;
 * a 12 MP photo goes out as ~50 KiB instead of ~3.7 MiB), or the routing table's `maxSide`, and
 * under the API's caps (Roboflow's side, SageMaker's 6 MB body). At that size one encoding fits;
 * the byte cap only re-encodes an image that still does not. Boxes come back in the sent image's
 * pixels, so the sizes are returned for mapping them to the original image.
 */

import type { DecodedImage } from '../domain.js';
import { encodeJpeg } from './crop.js';
import { loadSharp } from './sharp-library.js';

export interface PayloadLimits {
  /** Longest side of the sent image; larger images are downscaled. */
  maxSide?: number;
  /** The model's input size: the image is downscaled only as far as it still covers it. */
  modelInput?: { width: number; height: number };
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
  const scale = payloadScale(image, limits);
  let width = Math.max(1, Math.round(image.width * scale));
  let height = Math.max(1, Math.round(image.height * scale));
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

/** The largest downscale that keeps the image at least as large as the model input, within `maxSide`. */
function payloadScale(image: DecodedImage, limits: PayloadLimits): number {
  const { maxSide, modelInput } = limits;
  const sideScale = maxSide ? maxSide / Math.max(image.width, image.height) : 1;
  const coverScale = modelInput
    ? Math.max(modelInput.width / image.width, modelInput.height / image.height)
    : 1;
  return Math.min(1, sideScale, coverScale);
}

/** How a remote model's payload is sized: the routing table's `maxSide` when set, else the card's input. */
export function payloadSize(
  card: { input: { width: number; height: number } },
  maxSide: number | undefined,
): Pick<PayloadLimits, 'maxSide' | 'modelInput'> {
  return maxSide === undefined ? { modelInput: card.input } : { maxSide };
}

async function encodeScaled(image: DecodedImage, width: number, height: number): Promise<Buffer> {
  if (width === image.width && height === image.height) return encodeJpeg(image, quality);
  const sharp = await loadSharp();
  return sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .jpeg({ quality })
    .toBuffer();
}
