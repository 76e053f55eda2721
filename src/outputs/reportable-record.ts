/**
 * What the output formats (FHIR, DICOM SR, PDF) and events read from a record. The shared record
 * contract adds `assessment`, `review`, calibrated labels with `rawLabels` and `calibration`, and a
 * `status` on every model identity; until those fields land in record.ts they are optional here.
 * An absent one is reported as absent ("not assessed", "status not stated"), never guessed.
 */
import type { LabelScore, ModelIdentity, ModelStatus } from '../domain.js';
import type { Classification, InferenceRecord, Localization, Review, ReviewState } from '../record.js';

export type { ModelStatus };

export type Verdict = 'confident' | 'uncertain' | 'out-of-scope';

export interface Assessment {
  verdict: Verdict;
  reasons: { code: string; message: string }[];
  scores: Record<string, number>;
}

export type { Review, ReviewState } from '../record.js';

export type StatedModel = ModelIdentity & { status?: ModelStatus };

export type ReportableClassification = Omit<
  Classification,
  'model' | 'labels' | 'calibration' | 'modelNotice'
> & {
  model: StatedModel;
  /** Calibrated; records since the assessment keep each label's raw probability beside it. */
  labels: (LabelScore & { rawProbability?: number })[];
  /** The model's own probabilities, before calibration, as a separate list (older shape). */
  rawLabels?: LabelScore[];
  calibration?: { method: 'temperature'; temperature: number } | null;
  modelNotice?: string | null;
};

export type ReportableLocalization = Omit<Localization, 'detector'> & { detector: StatedModel };

export type ReportableRecord = Omit<InferenceRecord, 'classification' | 'localization'> & {
  classification: ReportableClassification | null;
  localization: ReportableLocalization | null;
  assessment?: Assessment | null;
  review?: Review | null;
};

/** The review state the outputs report: a record nobody has reviewed is preliminary. */
export function reviewStateOf(record: ReportableRecord): ReviewState {
  return record.review?.state ?? 'preliminary';
}

/** Only a model that says it is validated is reported as validated. */
export function isValidatedModel(model: StatedModel): boolean {
  return model.status === 'validated';
}

/** "melanocytic-nevus" -> "Melanocytic nevus": how a label reads in a report. */
export function labelDisplay(label: string): string {
  const words = label.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** 0.7234 -> "72%", 0.004 -> "<1%", 0.996 -> ">99%": no false precision. */
export function percent(probability: number): string {
  if (probability > 0 && probability < 0.01) return '<1%';
  if (probability < 1 && probability > 0.99) return '>99%';
  return `${Math.round(probability * 100)}%`;
}

/** The raw (uncalibrated) probability of a label, when the record keeps it. */
export function rawProbabilityOf(classification: ReportableClassification, label: string): number | null {
  const own = classification.labels.find((entry) => entry.label === label)?.rawProbability;
  return own ?? classification.rawLabels?.find((entry) => entry.label === label)?.probability ?? null;
}
