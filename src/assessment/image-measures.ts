/**
 * What the quality and in-scope gates read from the image itself: skin colour, sharpness and
 * clipping, all on the analysis thumbnail. They need neither the detector nor the classifier, so
 * the pipeline measures them while the models run (pipeline/measure-image.ts).
 */
import type { DecodedImage } from '../domain.js';
import { analysisThumbnail } from '../imaging/analysis-thumbnail.js';
import { type ClippedFractions, clippedPixelFraction } from '../imaging/clipped-pixel-fraction.js';
import { laplacianVariance } from '../imaging/laplacian-variance.js';
import { luminance } from '../imaging/luminance.js';
import { type SkinPixels, skinPixelFraction } from '../imaging/skin-pixel-fraction.js';

export interface ImageMeasures {
  skin: SkinPixels;
  /** Variance of the Laplacian of the thumbnail's grey levels. */
  sharpness: number;
  clipped: ClippedFractions;
}

export async function measureImage(image: DecodedImage): Promise<ImageMeasures> {
  const thumbnail = await analysisThumbnail(image);
  // One grey-level pass serves both the blur and the exposure measurement.
  const grey = luminance(thumbnail);
  return {
    skin: skinPixelFraction(thumbnail),
    sharpness: laplacianVariance(thumbnail, grey),
    clipped: clippedPixelFraction(thumbnail, grey),
  };
}
