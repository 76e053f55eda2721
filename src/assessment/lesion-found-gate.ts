/** Uncertain when a route with a detector found no lesion and the whole image was classified. */
import type { GateFinding } from './gate-finding.js';

export function lesionFoundGate(lesionFound: boolean | null): GateFinding | null {
  if (lesionFound !== false) return null;
  return {
    severity: 'uncertain',
    code: 'NO_LESION_FOUND',
    message:
      'No lesion was detected, so the whole image was classified: check the framing and retake the photograph centred on the lesion.',
  };
}
