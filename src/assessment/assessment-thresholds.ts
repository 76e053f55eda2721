/**
 * The assessment's stored thresholds (models/assessment.json, DDX_ASSESSMENT): fitted on images
 * the project makes (scripts/assessment/fit-assessment.ts), never on derm-eval, and refitted when
 * the models change. Each fitted value says what it was fitted on in `fits`. The classifier's own
 * temperature and out-of-distribution threshold live in its model card, not here.
 */
import { z } from 'zod';
import { readValidatedFile } from '../read-validated-file.js';

const fraction = z.number().min(0).max(1);

const decisionSchema = z.object({
  /** A top calibrated probability below this is a weak answer. */
  minProbability: fraction,
  /** A top-1 minus top-2 calibrated margin below this is a close call. */
  minMargin: fraction,
});

const assessmentThresholdsSchema = z.object({
  version: z.string().min(1),
  image: z.object({
    /** Below this share of skin-coloured pixels (skin-pixel-fraction.ts) the image is not of skin. */
    minSkinFraction: fraction,
    /** Below this variance of the Laplacian (laplacian-variance.ts) the image is too blurred. */
    minLaplacianVariance: z.number().nonnegative(),
    /** Above this share of burnt-out pixels the image is over-exposed. */
    maxOverexposedFraction: fraction,
    /** Above this share of crushed-black pixels the image is under-exposed. */
    maxUnderexposedFraction: fraction,
    /** A classified crop whose shorter side is below this (pixels of the upload) is too small to judge. */
    minCropSide: z.number().int().positive(),
  }),
  decision: decisionSchema,
  /** Per classifier id, where its fitted values differ from `decision`. */
  byClassifier: z.record(z.string(), decisionSchema.partial()).default({}),
  /**
   * The malignancy rule: a benign top label never makes a `confident` answer while one of these
   * labels has at least `minProbability` (calibrated) or the benign label leads it by less than
   * `minLead`.
   */
  malignancyRule: z.object({
    labels: z.array(z.string().min(1)).min(1),
    minProbability: fraction,
    minLead: fraction,
  }),
  dicom: z.object({
    /** Modalities that photograph skin (external camera, dermoscopy). */
    skinModalities: z.array(z.string().min(1)),
    /** Body Part Examined values no skin photograph has (an endoscopy frame stored as OT). */
    internalBodyParts: z.array(z.string().min(1)),
  }),
  /** How each value was fitted: data, method, and the figures at the chosen value. */
  fits: z.record(z.string(), z.unknown()).default({}),
});

export type AssessmentThresholds = z.infer<typeof assessmentThresholdsSchema>;
export type DecisionThresholds = z.infer<typeof decisionSchema>;

export function parseAssessmentThresholds(value: unknown): AssessmentThresholds {
  return assessmentThresholdsSchema.parse(value);
}

export function loadAssessmentThresholds(path: string): Promise<AssessmentThresholds> {
  return readValidatedFile(path, assessmentThresholdsSchema, 'assessment thresholds');
}

/** The decision thresholds for one classifier: its own fitted values over the shared ones. */
export function decisionFor(thresholds: AssessmentThresholds, classifierId: string): DecisionThresholds {
  return { ...thresholds.decision, ...thresholds.byClassifier[classifierId] };
}
