/**
 * The ports of DDx Assist (DESIGN.md section 2): the only things the pipeline knows about the
 * outside world. Each has an embedded default under `adapters/<port>/` and, later, production
 * adapters beside it. Every port names itself (`name`) for logs and records.
 */
import type { ClassificationCard, DetectionCard } from './models/model-card.js';
import type { InferenceRecord, RecordStatus } from './record.js';

/** Options every external call accepts: the job's deadline travels as an AbortSignal. */
export interface CallOptions {
  signal?: AbortSignal;
  /** The record the call works for: remote models tag their request with it (SageMaker InferenceId). */
  recordId?: string;
}

// ---------------------------------------------------------------------------------------------
// BlobStore

export interface BlobHead {
  size: number;
  contentType?: string;
  etag?: string;
  versionId?: string;
  /** User metadata (S3 `x-amz-meta-*`, or the local sidecar JSON): untrusted, validated later. */
  metadata: Record<string, unknown>;
}

export interface PutOptions extends CallOptions {
  contentType: string;
  metadata?: Record<string, string>;
}

export interface GetOptions extends CallOptions {
  /** Refuse objects larger than this before reading them. */
  maxBytes: number;
}

export interface BlobStore {
  readonly name: string;
  /** The bucket (or folder) name that goes into record ids. */
  readonly bucket: string;
  head(key: string, options?: CallOptions): Promise<BlobHead>;
  get(key: string, options: GetOptions): Promise<Uint8Array>;
  put(key: string, body: Uint8Array, options: PutOptions): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// ResultStore

export interface ListOptions {
  status?: RecordStatus;
  limit?: number;
}

/** What a conditional write found: written, or another writer got there first. */
export type SaveOutcome = { written: true } | { written: false; existing: InferenceRecord };

export interface ResultStore {
  readonly name: string;
  /**
   * Writes the record if no record with its id exists, or if `replacing` is given and the stored
   * record still has that `updatedAt` (optimistic concurrency for re-running a retriable failure).
   * Patient identifiers are kept apart from the record and are never returned by `get`/`list`.
   */
  save(
    record: InferenceRecord,
    options?: { replacing?: string; patient?: PatientIdentifiers } & CallOptions,
  ): Promise<SaveOutcome>;
  get(id: string, options?: CallOptions): Promise<InferenceRecord | undefined>;
  /**
   * Claims a record id for one run for `leaseMs`, so two concurrent deliveries of the same object
   * do not both run the models. False while another run's claim is live; an expired claim (a run
   * that crashed) can be taken over.
   */
  claim(id: string, options: { owner: string; leaseMs: number } & CallOptions): Promise<boolean>;
  /** Gives a claim back once the record is stored. */
  release(id: string, owner: string, options?: CallOptions): Promise<void>;
  /** Newest first. */
  list(options?: ListOptions & CallOptions): Promise<InferenceRecord[]>;
  close?(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Images and models

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
}

export interface ModelIdentity {
  id: string;
  version: string;
}

export interface Detector {
  readonly name: string;
  readonly card: DetectionCard;
  detect(image: DecodedImage, options?: CallOptions): Promise<Detection[]>;
}

export interface Classifier {
  readonly name: string;
  readonly card: ClassificationCard;
  /** Labels ranked by probability, highest first; probabilities sum to 1. */
  classify(image: DecodedImage, options?: CallOptions): Promise<LabelScore[]>;
}

/** Creates each configured model once and hands out the same instance afterwards. */
export interface ModelProvider {
  detector(id: string): Promise<Detector>;
  classifier(id: string): Promise<Classifier>;
  close?(): Promise<void>;
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

export interface PromptSource {
  readonly name: string;
  get(name: string, options?: CallOptions): Promise<Prompt>;
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

export interface RecommendationResult {
  recommendation: Recommendation;
  provider: string;
  model: string;
  /** Token usage of an LLM call, when the provider reports it. */
  usage?: { inputTokens: number; outputTokens: number };
  /** Wall time of the provider call(s), retries and repair included. */
  latencyMs?: number;
}

export interface Recommender {
  readonly name: string;
  recommend(request: RecommendationRequest, options?: CallOptions): Promise<RecommendationResult>;
}

// ---------------------------------------------------------------------------------------------
// Clinical context

export type Extent = 'localized' | 'widespread' | 'unspecified';
export type Sex = 'female' | 'male' | 'other' | 'unknown';

/** The clinical context after validation. Free-text notes may carry identifiers: never log them. */
export interface ClinicalContext {
  extent: Extent;
  bodySite: string | null;
  ageYears: number | null;
  sex: Sex | null;
  specialty: string | null;
  durationDays: number | null;
  notes: string | null;
}

/** What may leave the service towards a model: an allow-list of derived fields. */
export interface DeidentifiedContext {
  extent: Extent;
  bodySite: string | null;
  /** Whole years; 90 and over reported as "90+" (HIPAA Safe Harbor). */
  age: string | null;
  sex: Sex | null;
  specialty: string | null;
  durationDays: number | null;
}

/** Identifiers that came with the upload: stored apart from the record, never logged or sent. */
export interface PatientIdentifiers {
  name?: string;
  patientId?: string;
  dateOfBirth?: string;
}
