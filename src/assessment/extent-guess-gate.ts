/**
 * Uncertain when nobody said the eruption was widespread and only the rule on the detector's
 * output sent the image to the rash classifier: that rule reads "no single lesion stands out",
 * which a poorly detected lesion also gives, and a lesion read as a rash pattern is the costly
 * error (a melanoma answered "urticaria"). A stated extent, or an extent model, is not guessed;
 * nor is a prediction the route did not follow (a dermoscopy route takes the image as one lesion).
 */
import type { RouteDecision } from '../record.js';
import type { GateFinding } from './gate-finding.js';

export function extentGuessGate(route: RouteDecision | null): GateFinding | null {
  const predicted = route?.predictedExtent;
  if (route?.extent !== 'widespread' || predicted?.extent !== 'widespread' || predicted.by !== 'rule') {
    return null;
  }
  return {
    severity: 'uncertain',
    code: 'EXTENT_GUESSED',
    message: `No extent was given and the image was read as a widespread eruption only because ${predicted.reason}: if this is a single lesion, upload it again with extent "localized".`,
  };
}
