/** Out of scope when the classified lesion crop is too few pixels across to judge. */
import type { Box } from '../domain.js';
import type { GateFinding } from './gate-finding.js';

export function cropSizeGate(croppedBox: Box | null, minCropSide: number): GateFinding | null {
  if (!croppedBox) return null;
  const side = Math.min(croppedBox.width, croppedBox.height);
  if (side >= minCropSide) return null;
  return {
    severity: 'out-of-scope',
    code: 'CROP_TOO_SMALL',
    message: `The lesion crop is ${Math.round(side)} pixels across (at least ${minCropSide} needed): retake a closer photograph of the lesion.`,
  };
}
