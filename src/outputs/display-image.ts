/**
 * An upload as people see it: decoded exactly as the pipeline decodes it (oriented, DICOM
 * windowed), re-encoded as a JPEG of at most 1200 px a side. The record's pixel coordinates then
 * land on the lesion whatever the upload's format; the PDF report and the workspace's viewer
 * (`GET /v1/records/:id/preview.jpg`) both show this, since no browser shows DICOM or JPEG 2000.
 */
import type { Sharp } from 'sharp';
import { decodeImage } from '../imaging/decode-image.js';
import type { DecodeLimits } from '../imaging/pixel-limits.js';
import { loadSharp } from '../imaging/sharp-library.js';

export interface DisplayImage {
  /** JPEG bytes. */
  bytes: Uint8Array;
  width: number;
  height: number;
}

const maxSide = 1200;

export async function displayJpeg(input: Sharp): Promise<DisplayImage> {
  const { data, info } = await input
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 85 })
    .toBuffer({ resolveWithObject: true });
  return { bytes: new Uint8Array(data), width: info.width, height: info.height };
}

export async function displayImageOf(upload: Uint8Array, limits: DecodeLimits): Promise<DisplayImage> {
  const { image } = await decodeImage(upload, { ...limits, maxSide });
  const sharp = await loadSharp();
  return displayJpeg(sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } }));
}
