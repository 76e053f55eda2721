/**
 * Step 5a: how far the findings can be trusted. The image's measurements (skin colour, blur,
 * exposure: pipeline/measure-image.ts, taken while the models ran) are judged, the crop and the
 * DICOM header checked, and the classifier's output scored
 * (out-of-distribution score against its card's threshold, calibrated probability, margin, the
 * malignancy rule, whether the knowledge base can act on it). Every gate that fails adds a reason;
 * the verdict follows (assessment/verdict.ts). Thresholds: models/assessment.json and the card.
 */
import { actionableGate } from '../assessment/actionable-gate.js';
import { type AssessmentThresholds, decisionFor } from '../assessment/assessment-thresholds.js';
import { blurGate } from '../assessment/blur-gate.js';
import { cropSizeGate } from '../assessment/crop-size-gate.js';
import { type DicomHeader, dicomGate } from '../assessment/dicom-gate.js';
import { exposureGates } from '../assessment/exposure-gate.js';
import { extentGuessGate } from '../assessment/extent-guess-gate.js';
import type { GateFinding } from '../assessment/gate-finding.js';
import type { ImageMeasures } from '../assessment/image-measures.js';
import { imageTypeGate } from '../assessment/image-type-gate.js';
import { lesionFoundGate } from '../assessment/lesion-found-gate.js';
import { malignancyRule } from '../assessment/malignancy-rule.js';
import { marginGate } from '../assessment/margin-gate.js';
import { outOfDistributionGate } from '../assessment/out-of-distribution-gate.js';
import { outOfDistributionScore } from '../assessment/out-of-distribution-score.js';
import { probabilityGate } from '../assessment/probability-gate.js';
import { skinGate } from '../assessment/skin-gate.js';
import { verdictOf } from '../assessment/verdict.js';
import type { ImageType } from '../domain.js';
import { PipelineStep } from '../errors.js';
import type { Assessment, RouteDecision } from '../record.js';
import type { Classified } from './classify.js';
import type { RegionToClassify } from './localize.js';
import type { JobContext } from './pipeline-deps.js';

/** What the assessment needs besides the findings: its thresholds and what the knowledge base covers. */
export interface AssessmentSettings {
  thresholds: AssessmentThresholds;
  /** The labels the knowledge base has an entry for. */
  actionableLabels: ReadonlySet<string>;
}

export interface AssessmentInputs {
  measures: ImageMeasures;
  region: RegionToClassify;
  classified: Classified;
  /** The DICOM header's modality and body part; null for other formats. */
  dicom: DicomHeader | null;
  /** The route taken: whether the image itself chose it. */
  route: RouteDecision | null;
  /** How the uploader says the image was taken. */
  imageType: ImageType | null;
}

export function assessStep(
  inputs: AssessmentInputs,
  settings: AssessmentSettings,
  job: JobContext,
): Promise<Assessment> {
  return job.step(PipelineStep.assess, async () => assess(inputs, settings));
}

export function assess(inputs: AssessmentInputs, settings: AssessmentSettings): Assessment {
  const { thresholds } = settings;
  const { classification, card, modelOutput } = inputs.classified;
  const { region } = inputs;
  const { skin, sharpness, clipped } = inputs.measures;
  const ood = outOfDistributionScore(modelOutput, card.outOfDistribution?.score ?? 'energy');
  const decision = decisionFor(thresholds, card.id);
  const labels = classification.labels;
  const [top, second] = labels;
  const croppedBox = region.localization?.roi?.paddedBox ?? null;
  const lesionFound = region.localization ? region.input === 'crop' : null;

  const findings: GateFinding[] = [
    dicomGate(inputs.dicom, thresholds.dicom),
    skinGate(skin.fraction, thresholds.image.minSkinFraction),
    blurGate(sharpness, thresholds.image.minLaplacianVariance),
    ...exposureGates(clipped, thresholds.image),
    cropSizeGate(croppedBox, thresholds.image.minCropSide),
    lesionFoundGate(lesionFound),
    extentGuessGate(inputs.route),
    imageTypeGate(inputs.imageType, card),
    outOfDistributionGate(ood, card.outOfDistribution),
    probabilityGate(top, decision.minProbability),
    marginGate(labels, decision.minMargin),
    malignancyRule(labels, thresholds.malignancyRule),
    actionableGate(top?.label, settings.actionableLabels),
  ].filter((finding): finding is GateFinding => finding !== null);

  const round = (value: number) => Math.round(value * 10_000) / 10_000;
  const scores: Record<string, number> = {
    skinFraction: round(skin.fraction),
    laplacianVariance: round(sharpness),
    overexposedFraction: round(clipped.over),
    underexposedFraction: round(clipped.under),
    ...(croppedBox && { cropSide: Math.min(croppedBox.width, croppedBox.height) }),
    ...(ood && { [ood.method === 'energy' ? 'energy' : 'maxProbabilityScore']: round(ood.score) }),
    ...(top && { topProbability: top.probability }),
    ...(top && second && { margin: round(top.probability - second.probability) }),
  };
  return verdictOf(findings, scores);
}
