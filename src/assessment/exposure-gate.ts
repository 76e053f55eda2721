/** Out of scope when too much of the image is burnt out or crushed to black to carry detail. */
import type { ClippedFractions } from '../imaging/clipped-pixel-fraction.js';
import { type GateFinding, percent } from './gate-finding.js';

export function exposureGates(
  clipped: ClippedFractions,
  limits: { maxOverexposedFraction: number; maxUnderexposedFraction: number },
): GateFinding[] {
  const findings: GateFinding[] = [];
  if (clipped.over > limits.maxOverexposedFraction) {
    findings.push({
      severity: 'out-of-scope',
      code: 'OVEREXPOSED',
      message: `${percent(clipped.over)} of the image is burnt out to white (at most ${percent(limits.maxOverexposedFraction)}): retake it with less light or no flash.`,
    });
  }
  if (clipped.under > limits.maxUnderexposedFraction) {
    findings.push({
      severity: 'out-of-scope',
      code: 'UNDEREXPOSED',
      message: `${percent(clipped.under)} of the image is black (at most ${percent(limits.maxUnderexposedFraction)}): retake it with more light.`,
    });
  }
  return findings;
}
