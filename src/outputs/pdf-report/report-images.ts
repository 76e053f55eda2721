/**
 * The images for the PDF: the upload decoded exactly as the pipeline decodes it (oriented, DICOM
 * windowed) and re-encoded as a JPEG, so the ROI drawn from the record's pixel coordinates lands
 * on the lesion; and the stored crop as it is. Large images are scaled down for the page.
 */
import type { Sharp } from 'sharp';
import { decodeImage } from '../../imaging/decode-image.js';
import type { DecodeLimits } from '../../imaging/pixel-limits.js';
import { loadSharp } from '../../imaging/sharp-library.js';
import type { ReportImage, ReportImages } from './images-section.js';

const maxSide = 1200;

async function asJpeg(input: Sharp): Promise<ReportImage> {
  const { data, info } = await input
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 85 })
    .toBuffer({ resolveWithObject: true });
  return { bytes: new Uint8Array(data), width: info.width, height: info.height };
}

export async function reportImages(
  upload: Uint8Array | null,
  crop: Uint8Array | null,
  limits: DecodeLimits,
): Promise<ReportImages> {
  const sharp = await loadSharp();
  let image: ReportImage | null = null;
  if (upload) {
    const decoded = await decodeImage(upload, limits);
    image = await asJpeg(
      sharp(decoded.image.pixels, {
        raw: { width: decoded.image.width, height: decoded.image.height, channels: 3 },
      }),
    );
  }
  return { image, crop: crop ? await asJpeg(sharp(crop, { limitInputPixels: limits.maxPixels })) : null };
}
