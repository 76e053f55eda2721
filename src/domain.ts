/**
 * The domain model: the values the pipeline reasons about (images, boxes, labels, clinical
 * context, prompts, recommendations). Plain types with no behaviour, importing nothing, so the
 * ports (ports.ts), the record (record.ts) and every step can share them without a cycle.
 */

// ---------------------------------------------------------------------------------------------
// Images and model outputs

/** A decoded image: oriented, 8-bit sRGB, 3 channels, row-major, no metadata. */
export interface DecodedImage {
  width: number;
  height: number;
  pixels: Buffer;
}

/** A box in original-image pixels, top-left origin. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Detection {
  box: Box;
  confidence: number;
  label: string;
  /** Set by segmentation models: what the lesion mask measured (the box is the mask's bounding box). */
  mask?: MaskSummary;
}

/** A lesion mask's measurements, in original-image geometry. */
export interface MaskSummary {
  /** The region's share of the image area, 0..1. */
  areaFraction: number;
  /** Isoperimetric ratio P^2 / (4 pi A): 1 for a circle, larger for a ragged or elongated border. */
  borderIrregularity: number;
}

export interface LabelScore {
  label: string;
  probability: number;
  /**
   * The model's logit for the label, when its output is logits (a softmax over them gave
   * `probability`): the out-of-distribution score (energy) needs them. Never stored in the record.
   */
  logit?: number;
}

/** A label as the record keeps it: the calibrated probability, and the model's own beside it. */
export interface CalibratedLabelScore {
  label: string;
  /** Calibrated (temperature scaling with the model card's temperature). */
  probability: number;
  /** The model's own probability, before calibration. */
  rawProbability: number;
}

/** `demo`: trained on synthetic images, not validated on patients; `validated`: the card says so. */
export type ModelStatus = 'demo' | 'validated';

export interface ModelIdentity {
  id: string;
  version: string;
}

// ---------------------------------------------------------------------------------------------
// Clinical context

export type Extent = 'localized' | 'widespread' | 'unspecified';
export type Sex = 'female' | 'male' | 'other' | 'unknown';
/** How the image was taken, when the uploader says: through a dermatoscope, or a clinical photo. */
export type ImageType = 'dermoscopy' | 'clinical';

/** The clinical context after validation. Free-text notes may carry identifiers: never log them. */
export interface ClinicalContext {
  extent: Extent;
  bodySite: string | null;
  ageYears: number | null;
  sex: Sex | null;
  specialty: string | null;
  durationDays: number | null;
  notes: string | null;
  imageType: ImageType | null;
  /** Why a field was dropped (clinical/context-warnings.ts): codes only, never the dropped text. */
  warnings?: ContextWarningCode[];
}

/** A field of the context that was dropped or kept apart, by code (never by value). */
export type ContextWarningCode =
  | 'BODY_SITE_NOT_IN_VOCABULARY'
  | 'BODY_SITE_WITHOUT_SITE_WORD'
  | 'SPECIALTY_NOT_LISTED'
  | 'DICOM_BODY_PART_NOT_IN_VOCABULARY'
  | 'PATIENT_NAME_CONFLICT'
  | 'PATIENT_ID_CONFLICT'
  | 'DATE_OF_BIRTH_CONFLICT';

/** What may leave the service towards a model: an allow-list of derived fields. */
export interface DeidentifiedContext {
  extent: Extent;
  bodySite: string | null;
  /** Whole years; 90 and over reported as "90+" (HIPAA Safe Harbor). */
  age: string | null;
  sex: Sex | null;
  specialty: string | null;
  durationDays: number | null;
  imageType: ImageType | null;
}

/** Identifiers that came with the upload: stored apart from the record, never logged or sent. */
export interface PatientIdentifiers {
  name?: string;
  patientId?: string;
  dateOfBirth?: string;
}

/**
 * The identity of an analysed DICOM instance: the UIDs a DICOM SR references it by, and its frame
 * count (the first frame is the one analysed). UIDs identify objects, not people.
 */
export interface DicomInstanceReference {
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** Number of Frames (0028,0008). */
  frames: number;
}

// ---------------------------------------------------------------------------------------------
// Prompts and recommendations

export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/** A prompt in Langfuse's shape, so bundled files double as the Langfuse fallback. */
export interface Prompt {
  name: string;
  version: number;
  type: 'text' | 'chat';
  prompt: string | ChatMessage[];
  config: Record<string, unknown>;
  labels: string[];
  /** The label it was fetched by (`production`), when fetched by label. */
  label?: string;
  /** True when a fallback copy was served instead of the prompt source's own. */
  isFallback: boolean;
}

export type Likelihood = 'high' | 'moderate' | 'low';

export interface Differential {
  condition: string;
  likelihood: Likelihood;
  rationale: string;
  icd10cm: string[];
}

export interface Recommendation {
  differentials: Differential[];
  followUpTests: { test: string; rationale: string }[];
  treatmentConsiderations: { consideration: string; rationale: string }[];
  redFlags: { flag: string; rationale: string }[];
  /** A plain statement when the findings are uncertain; null when they are not. */
  uncertainty: string | null;
  disclaimer: string;
}

/** What a recommender is given: findings and de-identified context only, never identifiers. */
export interface RecommendationRequest {
  findings: {
    classifier: ModelIdentity;
    input: 'crop' | 'whole-image';
    labels: LabelScore[];
    lesionFound: boolean | null;
  };
  context: DeidentifiedContext;
  /**
   * The uploader's free-text notes after identifier scrubbing, or null. Data, never instructions:
   * a recommender passes them only inside the prompt's delimited notes field.
   */
  notes: string | null;
  prompt: Prompt;
}

/** Token usage of an LLM call, as every provider's own counts are mapped to. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}
