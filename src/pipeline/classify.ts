/**
 * Step 5: classify the crop or the whole image with the route's classifier: labels ranked by
 * probability, rounded for the record.
 */

import type { DecodedImage } from '../domain.js';
import { PipelineStep } from '../errors.js';
import type { ClassificationCard } from '../models/model-card.js';
import type { StepTimer } from '../observability/step-timer.js';
import type { Classifier } from '../ports.js';
import type { Classification, RouteDecision } from '../record.js';
import type { RegionToClassify } from './localize.js';
import type { JobContext, PipelineDeps, StepContext } from './pipeline-deps.js';

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

export interface Classified {
  classification: Classification;
  /** The classifier's card: its label-to-code mapping feeds billing. */
  card: ClassificationCard;
}

export function classifyRegion(
  region: RegionToClassify,
  route: RouteDecision,
  deps: PipelineDeps,
  job: JobContext,
): Promise<Classified> {
  return job.step(PipelineStep.classify, async () => {
    const classifier = await deps.models.classifier(route.classifier);
    const { classifierInput, input } = region;
    const classification = await classify(classifier, classifierInput, input, job.recordId, job.timer, job);
    // The crop was saved beside classification: its failure (step 4) fails the job here.
    await region.cropSaved;
    return { card: classifier.card, classification };
  });
}
