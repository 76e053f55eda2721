/**
 * The malignancy rule (issue 10): a benign top label is never a `confident` answer while a
 * malignant-capable label (melanoma, basal cell carcinoma) is still in play: its calibrated
 * probability is at least `minProbability`, or the benign label leads it by less than `minLead`.
 * Missing a cancer costs far more than a second look at a mole.
 */
import type { CalibratedLabelScore } from '../domain.js';
import { type GateFinding, percent } from './gate-finding.js';

export interface MalignancyRule {
  labels: readonly string[];
  minProbability: number;
  minLead: number;
}

export function malignancyRule(
  labels: readonly CalibratedLabelScore[],
  rule: MalignancyRule,
): GateFinding | null {
  const [top] = labels;
  if (!top || rule.labels.includes(top.label)) return null;
  const malignant = labels.filter((score) => rule.labels.includes(score.label));
  const [strongest] = [...malignant].sort((a, b) => b.probability - a.probability);
  if (!strongest) return null;
  const lead = top.probability - strongest.probability;
  if (strongest.probability < rule.minProbability && lead >= rule.minLead) return null;
  return {
    severity: 'uncertain',
    code: 'MALIGNANCY_NOT_EXCLUDED',
    message: `${strongest.label} is not ruled out: ${percent(strongest.probability)} (rule: a benign answer is confident only when every malignant-capable label is below ${percent(rule.minProbability)} and ${percent(rule.minLead)} or more behind it; ${top.label} leads by ${percent(lead)}). Examine or refer before treating as benign.`,
  };
}
