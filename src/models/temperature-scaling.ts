/**
 * Temperature scaling (Guo et al., 2017): the calibrated probabilities are softmax(z / T), with z
 * the model's logits and T the model card's fitted temperature. Only the logits' differences
 * matter, so log-probabilities stand in for them when a backend returns probabilities.
 */
import type { CalibratedLabelScore, LabelScore } from '../domain.js';
import { softmax } from './rank-labels.js';

/** Labels re-ranked by calibrated probability; each keeps the raw one. Without a temperature, T = 1. */
export function calibrateLabels(labels: readonly LabelScore[], temperature = 1): CalibratedLabelScore[] {
  const scores = labels.map((score) => logitOf(score) / temperature);
  const calibrated = softmax(scores);
  return labels
    .map((score, index) => ({
      label: score.label,
      probability: calibrated[index] ?? 0,
      rawProbability: score.probability,
    }))
    .sort((a, b) => b.probability - a.probability);
}

/** The logit, or the log-probability (a logit shifted by a constant shared by every label). */
export function logitOf(score: LabelScore): number {
  if (score.logit !== undefined) return score.logit;
  // A probability of 0 would give -Infinity; clamp to the smallest that a float32 softmax reports.
  return Math.log(Math.max(score.probability, 1e-12));
}
