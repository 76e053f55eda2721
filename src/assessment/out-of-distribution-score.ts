/**
 * How unfamiliar an input looked to the classifier. `energy` (Liu et al., 2020) is
 * -log sum exp(logits): inputs like the training data get large logits, so a low (very negative)
 * energy; unfamiliar inputs get a higher one. Backends that return only probabilities get the
 * maximum-softmax-probability baseline (Hendrycks and Gimpel, 2017) as 1 - max p. Higher is
 * less familiar for both.
 */
import type { LabelScore } from '../domain.js';

export type OutOfDistributionMethod = 'energy' | 'max-probability';

export function outOfDistributionScore(
  modelOutput: readonly LabelScore[],
  method: OutOfDistributionMethod,
): { method: OutOfDistributionMethod; score: number } | null {
  if (modelOutput.length === 0) return null;
  const logits = modelOutput.map((score) => score.logit);
  if (method === 'energy' && logits.every((logit) => logit !== undefined)) {
    const values = logits as number[];
    const max = Math.max(...values);
    const logSumExp = max + Math.log(values.reduce((sum, value) => sum + Math.exp(value - max), 0));
    return { method: 'energy', score: -logSumExp };
  }
  const top = Math.max(...modelOutput.map((score) => score.probability));
  return { method: 'max-probability', score: 1 - top };
}
