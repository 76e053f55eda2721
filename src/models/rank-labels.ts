/**
 * Turns a classifier's raw output row into labels ranked by probability.
 */
import type { LabelScore } from '../domain.js';

export function softmax(values: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let index = 0; index < values.length; index++) max = Math.max(max, values[index] ?? -Infinity);
  const exponentials = Array.from({ length: values.length }, (_, index) =>
    Math.exp((values[index] ?? 0) - max),
  );
  const sum = exponentials.reduce((total, value) => total + value, 0);
  return exponentials.map((value) => value / sum);
}

export function rankLabels(
  scores: ArrayLike<number>,
  labels: readonly string[],
  activation: 'logits' | 'probabilities',
): LabelScore[] {
  if (scores.length !== labels.length) {
    throw new Error(`the model returned ${scores.length} scores for ${labels.length} labels`);
  }
  const probabilities = activation === 'logits' ? softmax(scores) : Array.from(scores);
  if (probabilities.some((probability) => !Number.isFinite(probability))) {
    throw new Error('the model returned a non-finite score');
  }
  return labels
    .map((label, index) => ({
      label,
      probability: probabilities[index] ?? 0,
      // Kept for the out-of-distribution score (energy), which needs logits, not probabilities.
      ...(activation === 'logits' && { logit: scores[index] ?? 0 }),
    }))
    .sort((a, b) => b.probability - a.probability);
}
