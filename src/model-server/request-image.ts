/**
 * The image of a model-server request: the body read under the 6 MB limit SageMaker enforces,
 * taken from raw image bytes, `{ "image": base64 }` JSON or Roboflow's base64 form body, and
 * decoded with the same safe decoder as uploads (format sniffed, pixel count capped).
 */
import { z } from 'zod';
import type { DecodedImage } from '../domain.js';
import { BadInputError } from '../errors.js';
import { decodeImage } from '../imaging/decode-image.js';
import { RequestProblem } from './read-body.js';

export const maxRequestBytes = 6 * 1024 * 1024;
const maxImagePixels = 50_000_000;

const jsonImageSchema = z.object({ image: z.string().min(1) });

/** Image bytes from a SageMaker-style body: raw image bytes, or `{ "image": base64 }` JSON. */
export function imageBytesFromBody(body: Buffer, contentType: string | undefined): Buffer {
  const mediaType = (contentType ?? 'application/x-image').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'application/json') {
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new RequestProblem(400, 'the JSON body cannot be parsed');
    }
    const parsed = jsonImageSchema.safeParse(json);
    if (!parsed.success) throw new RequestProblem(400, 'the JSON body must be { "image": "<base64>" }');
    return bytesFromBase64(parsed.data.image);
  }
  if (mediaType === 'application/x-image' || mediaType.startsWith('image/')) return body;
  throw new RequestProblem(
    415,
    `content type ${mediaType} is not accepted: send application/x-image, image/jpeg, image/png or application/json`,
  );
}

/**
 * Base64 as Roboflow clients send it: the raw text of a form-urlencoded body (`curl -d @-`), maybe
 * percent-encoded, with the line breaks of the `base64` tool. Node's decoder skips junk instead of
 * failing, so the alphabet is checked first.
 */
export function bytesFromBase64(text: string): Buffer {
  let compact = text.replace(/\s+/g, '');
  if (compact.includes('%')) {
    try {
      compact = decodeURIComponent(compact);
    } catch {
      throw new RequestProblem(400, 'the body is not valid percent-encoded base64');
    }
  }
  if (compact.startsWith('image=')) compact = compact.slice('image='.length);
  if (compact.length === 0 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) {
    throw new RequestProblem(400, 'the body is not base64');
  }
  return Buffer.from(compact, 'base64');
}

export async function decodeRequestImage(bytes: Buffer): Promise<DecodedImage> {
  try {
    return (await decodeImage(bytes, { maxPixels: maxImagePixels })).image;
  } catch (error) {
    if (error instanceof BadInputError) throw new RequestProblem(400, error.message);
    throw error;
  }
}
