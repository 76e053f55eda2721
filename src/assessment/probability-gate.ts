/** Uncertain when the top label's calibrated probability is low. */
import type { CalibratedLabelScore } from '../domain.js';
import { type GateFinding, percent } from './gate-finding.js';

export function probabilityGate(
  top: CalibratedLabelScore | undefined,
  minProbability: number,
): GateFinding | null {
  if (!top || top.probability >= minProbability) return null;
  return {
    severity: 'uncertain',
    code: 'LOW_PROBABILITY',
    message: `The top finding (${top.label}) has a calibrated probability of ${percent(top.probability)}, below ${percent(minProbability)}: weak evidence.`,
  };
}
