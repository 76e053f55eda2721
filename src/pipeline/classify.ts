/**
 * Step 5: classify the crop or the whole image with the route's classifier: labels ranked by
 * calibrated probability (temperature scaling with the card's temperature), the raw probability
 * kept beside each, rounded for the record. The model's own output (with logits) goes on to the
 * assessment, which scores how familiar the input looked to the model.
 */
import type { DecodedImage, LabelScore } from '../domain.js';
import { PipelineStep } from '../errors.js';
import type { ClassificationCard } from '../models/model-card.js';
import { modelNotice } from '../models/model-notice.js';
import { calibrateLabels } from '../models/temperature-scaling.js';
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
): Promise<{ classification: Classification; modelOutput: LabelScore[] }> {
  const { card } = classifier;
  const modelOutput = await timer.measure('classify.inference', () =>
    classifier.classify(image, { signal: step.signal, recordId }),
  );
  const round = (value: number) => Math.round(value * 10_000) / 10_000;
  const calibration = card.calibration
    ? { method: card.calibration.method, temperature: card.calibration.temperature }
    : null;
  return {
    classification: {
      model: { id: card.id, version: card.version, status: card.status },
      input,
      labels: calibrateLabels(modelOutput, calibration?.temperature).map((score) => ({
        label: score.label,
        probability: round(score.probability),
        rawProbability: round(score.rawProbability),
      })),
      calibration,
      modelNotice: modelNotice(card),
    },
    modelOutput,
  };
}

export interface Classified {
  classification: Classification;
  /** The classifier's own scores (logits where it gives them), for the assessment only. */
  modelOutput: LabelScore[];
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
    const classified = await classify(classifier, classifierInput, input, job.recordId, job.timer, job);
    // The crop was saved beside classification: its failure (step 4) fails the job here.
    await region.cropSaved;
    return { card: classifier.card, ...classified };
  });
}
