/**
 * The share of pixels whose colour is a skin colour, by the YCbCr rule of Chai and Ngan (1999):
 * Cb in 77..127 and Cr in 133..173 hold skin of every tone, since skin differs mostly in
 * luminance, not in chrominance. Pixels crushed to black (a dermatoscope's dark rim, a photo's
 * shadows) are left out of the count: they carry no colour to judge.
 */
import type { DecodedImage } from '../domain.js';

const cbRange = [77, 127] as const;
const crRange = [133, 173] as const;
/** Below this luma a pixel's chrominance is noise. */
const minLuma = 20;

export interface SkinPixels {
  /** Skin-coloured pixels over the pixels bright enough to have a colour (0 when none are). */
  fraction: number;
  /** The pixels bright enough to judge, over all pixels. */
  judged: number;
}

export function skinPixelFraction(image: DecodedImage): SkinPixels {
  const { pixels } = image;
  const count = image.width * image.height;
  let judged = 0;
  let skin = 0;
  for (let index = 0; index < count; index++) {
    const offset = index * 3;
    const red = pixels[offset] ?? 0;
    const green = pixels[offset + 1] ?? 0;
    const blue = pixels[offset + 2] ?? 0;
    const luma = 0.299 * red + 0.587 * green + 0.114 * blue;
    if (luma < minLuma) continue;
    judged++;
    // ITU-R BT.601 full-range chrominance (JPEG's YCbCr).
    const cb = 128 - 0.168736 * red - 0.331264 * green + 0.5 * blue;
    const cr = 128 + 0.5 * red - 0.418688 * green - 0.081312 * blue;
    if (cb >= cbRange[0] && cb <= cbRange[1] && cr >= crRange[0] && cr <= crRange[1]) skin++;
  }
  return { fraction: judged === 0 ? 0 : skin / judged, judged: count === 0 ? 0 : judged / count };
}
