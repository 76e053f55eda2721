/** Uncertain when the classifier's out-of-distribution score is past its card's fitted threshold. */
import { decimal, type GateFinding } from './gate-finding.js';
import type { OutOfDistributionMethod } from './out-of-distribution-score.js';

export function outOfDistributionGate(
  measured: { method: OutOfDistributionMethod; score: number } | null,
  cardThreshold: { score: OutOfDistributionMethod; threshold: number } | undefined,
): GateFinding | null {
  if (!measured || !cardThreshold || measured.method !== cardThreshold.score) return null;
  if (measured.score <= cardThreshold.threshold) return null;
  return {
    severity: 'uncertain',
    code: 'OUT_OF_DISTRIBUTION',
    message: `The image is unlike the classifier's training data (${measured.method} score ${decimal(measured.score)} above its threshold ${decimal(cardThreshold.threshold)}): the ranking may be meaningless.`,
  };
}
