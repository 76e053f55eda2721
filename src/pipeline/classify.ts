/**
 * Step 5: classify the crop or the whole image with the route's classifier.
 */

import type { DecodedImage } from '../domain.js';
import type { StepTimer } from '../observability/step-timer.js';
import type { Classifier } from '../ports.js';
import type { Classification } from '../record.js';
import type { StepContext } from './pipeline-deps.js';

export async function classify(
  classifier: Classifier,
  image: DecodedImage,
  input: 'crop' | 'whole-image',
  recordId: string,
  timer: StepTimer,
  step: StepContext,
): Promise<Classification> {
  const labels = await timer.measure('classify.inference', () =>
    classifier.classify(image, { signal: step.signal, recordId }),
  );
  return {
    model: { id: classifier.card.id, version: classifier.card.version },
    input,
    labels: labels.map((score) => ({
      label: score.label,
      probability: Math.round(score.probability * 10_000) / 10_000,
    })),
  };
}
