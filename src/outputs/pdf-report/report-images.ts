/**
 * The images for the PDF: the upload as people see it (display-image.ts: decoded as the pipeline
 * decodes it, so the ROI drawn from the record's pixel coordinates lands on the lesion), and the
 * stored crop as it is. Large images are scaled down for the page.
 */
import type { DecodeLimits } from '../../imaging/pixel-limits.js';
import { loadSharp } from '../../imaging/sharp-library.js';
import { displayImageOf, displayJpeg } from '../display-image.js';
import type { ReportImages } from './images-section.js';

export async function reportImages(
  upload: Uint8Array | null,
  crop: Uint8Array | null,
  limits: DecodeLimits,
): Promise<ReportImages> {
  const sharp = await loadSharp();
  return {
    image: upload ? await displayImageOf(upload, limits) : null,
    crop: crop ? await displayJpeg(sharp(crop, { limitInputPixels: limits.maxPixels })) : null,
  };
}
