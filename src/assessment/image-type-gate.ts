/**
 * Uncertain when the uploader says how the image was taken and the classifier's card says it was
 * trained on other kinds of image: a model trained on clinical photos has never seen a
 * dermatoscope's view, so its ranking there is weak evidence however sure it sounds. A card that
 * does not say what it was trained on, or an upload that does not say what it is, is not judged.
 */
import type { ImageType } from '../domain.js';
import type { ClassificationCard } from '../models/model-card.js';
import type { GateFinding } from './gate-finding.js';

export function imageTypeGate(imageType: ImageType | null, card: ClassificationCard): GateFinding | null {
  const trainedOn = card.imageTypes;
  if (imageType === null || trainedOn === undefined || trainedOn.includes(imageType)) return null;
  return {
    severity: 'uncertain',
    code: 'IMAGE_TYPE_NOT_TRAINED',
    message: `This is a ${imageType} image and ${card.id} ${card.version} was trained on ${trainedOn.join(' and ')} images only: its ranking is weak evidence here.`,
  };
}
