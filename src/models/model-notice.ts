/**
 * What the record, the CLI and the HTTP answer say next to a model's finding about the model
 * itself: a demo model says it is one, in plain words (issue 10 item 3).
 */
import type { ModelCard } from './model-card.js';

export function modelNotice(card: ModelCard): string | null {
  if (card.status === 'validated') return null;
  const trained = card.trainingData
    ? `trained on ${card.trainingData.source} images`
    : 'training data not stated';
  return `Demo model (${card.id} ${card.version}; ${trained}), not validated on patients: this finding is not clinical evidence.`;
}
