/**
 * The classical dermoscopy outline (imaging/lesion-outline.ts) behind the Detector port: the card
 * gives the thumbnail it works on (a stretched square, pixels 0..1) and its output is read like a
 * segmentation model's mask, so the record gets the same box, area and border measures. Its
 * confidence is Otsu's separability; the card's confidence threshold applies to it.
 */

import type { DecodedImage, Detection } from '../../domain.js';
import { outlineLesion } from '../../imaging/lesion-outline.js';
import { prepareModelInput } from '../../imaging/model-input.js';
import { decodeDetectorOutput } from '../../models/detector-output.js';
import type { DetectionCard } from '../../models/model-card.js';
import type { CallOptions, Detector } from '../../ports.js';

export function createLesionOutlineDetector(card: DetectionCard): Detector {
  if (
    card.output.format !== 'mask' ||
    card.input.width !== card.input.height ||
    card.input.layout !== 'NCHW'
  ) {
    throw new Error(`lesion outline ${card.id}: the card must give a square NCHW input and a mask output`);
  }
  return {
    name: 'lesion-outline',
    card,
    async detect(image: DecodedImage, options?: CallOptions): Promise<Detection[]> {
      options?.signal?.throwIfAborted();
      const tensor = await prepareModelInput(image, card.input);
      const size = card.input.width;
      const outline = outlineLesion(tensor.data, size);
      if (!outline || outline.separability < card.defaults.confidence) return [];
      const detections = decodeDetectorOutput(Float32Array.from(outline.mask), [1, 1, size, size], {
        card,
        letterbox: tensor.letterbox,
        image,
        confidence: 0,
        iou: card.defaults.iou,
      });
      return detections.slice(0, 1).map((detection) => ({ ...detection, confidence: outline.separability }));
    },
  };
}
