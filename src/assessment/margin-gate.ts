/** Uncertain when the top two labels are close. */
import type { CalibratedLabelScore } from '../domain.js';
import { type GateFinding, percent } from './gate-finding.js';

export function marginGate(labels: readonly CalibratedLabelScore[], minMargin: number): GateFinding | null {
  const [top, second] = labels;
  if (!top || !second) return null;
  const margin = top.probability - second.probability;
  if (margin >= minMargin) return null;
  return {
    severity: 'uncertain',
    code: 'CLOSE_CALL',
    message: `${top.label} (${percent(top.probability)}) and ${second.label} (${percent(second.probability)}) are ${percent(margin)} apart, less than ${percent(minMargin)}: both must be considered.`,
  };
}
