/**
 * The one result record per source object (DESIGN.md section 4). Built from the domain model
 * (domain.ts) and the error vocabulary (errors.ts, which imports nothing); the ports import this
 * file, never the other way round.
 */
import { createHash } from 'node:crypto';
import type {
  Box,
  CalibratedLabelScore,
  ContextWarningCode,
  DeidentifiedContext,
  Detection,
  DicomInstanceReference,
  Extent,
  MaskSummary,
  ModelIdentity,
  ModelStatus,
  Recommendation,
  TokenUsage,
} from './domain.js';
import { type ErrorCode, type PipelineStep, ServiceErrorCode } from './errors.js';

export const RecordStatus = { succeeded: 'succeeded', degraded: 'degraded', failed: 'failed' } as const;
export type RecordStatus = (typeof RecordStatus)[keyof typeof RecordStatus];

export type Trigger = 'cli' | 'batch' | 'http' | 's3' | 'sqs' | 'eventbridge' | 'bench';

export interface SourceObject {
  bucket: string;
  /** Decoded key (never URL-encoded). */
  key: string;
  versionId?: string;
  etag?: string;
}

export interface ErrorBody {
  code: ErrorCode;
  step: PipelineStep;
  message: string;
  retriable: boolean;
}

export interface RouteDecision {
  name: string;
  extent: Extent;
  detector: string | null;
  classifier: string;
  prompt: string;
  /** Why this route was chosen, in words a reviewer understands. */
  reason: string;
  /** What the image suggested when the context gave no extent (routing table `extentPrediction`). */
  predictedExtent?: { extent: 'localized' | 'widespread'; by: 'rule' | 'model'; reason: string };
}

/** A model as the record names it: its card's id, version and status. */
export type StatedModel = ModelIdentity & { status: ModelStatus };

export interface Localization {
  detector: StatedModel;
  detections: Detection[];
  /** The region that was classified; null when nothing was found and the whole image was used. */
  roi: { box: Box; paddedBox: Box; confidence: number; label: string; mask?: MaskSummary } | null;
  cropKey: string | null;
  note: string;
}

export interface Classification {
  model: StatedModel;
  input: 'crop' | 'whole-image';
  /** Ranked by calibrated probability; each keeps the model's raw probability. */
  labels: CalibratedLabelScore[];
  /** How the probabilities were calibrated; null when the card states no calibration. */
  calibration: { method: 'temperature'; temperature: number } | null;
  /** Said next to the finding: what kind of model made it (a demo model says it is one). */
  modelNotice: string | null;
}

export const Verdict = {
  confident: 'confident',
  uncertain: 'uncertain',
  outOfScope: 'out-of-scope',
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** How far the findings can be trusted (pipeline/assess.ts), and why. */
export interface Assessment {
  verdict: Verdict;
  reasons: { code: string; message: string }[];
  /** The measured signals the gates compared with their thresholds (skinFraction, energy...). */
  scores: Record<string, number>;
  /** What the clinician should do next (retake, refer); absent when the answer is confident. */
  action?: string;
}

export interface BillingSuggestion {
  system: 'ICD-10-CM' | 'CPT';
  code: string;
  description: string;
  billable: boolean;
  /** Where the code came from: the model card's label mapping, the knowledge base or the LLM. */
  sources: string[];
  /** The finding or differential the code documents. */
  reason: string;
}

export interface Billing {
  /** What this encounter may be billed with (ICD-10-CM Section IV.H: the highest certainty reached). */
  suggestions: BillingSuggestion[];
  /** The differentials' codes: for reference, not for billing (a suspected condition is not coded). */
  reference?: BillingSuggestion[];
  /** Which Section IV.H rule chose the suggestions. */
  basis?: string;
  /** Codes proposed by a source but not in the code table: dropped, reported here. */
  dropped: { code: string; source: string; reason: string }[];
  codeTableVersion: string;
  /** The user-supplied CPT mapping used, or null: no CPT code is suggested without one. */
  cptMappingVersion: string | null;
}

export interface RecommendationRecord extends Recommendation {
  /**
   * What the system itself states (the assessment's reasons, a demo model): kept verbatim
   * whatever the recommender wrote, and at the head of `uncertainty`. A recommender can add, never remove.
   */
  systemStatements: string[];
  provider: string;
  model: string;
  prompt: { name: string; version: number; label: string | null; isFallback: boolean };
  usage: TokenUsage | null;
  latencyMs: number | null;
}

export type ReviewState = 'preliminary' | 'final' | 'rejected';

/**
 * A clinician's review (POST /v1/records/:id/review): beside the AI output, which it never
 * changes. A record without one reads as preliminary.
 */
export interface Review {
  state: ReviewState;
  /** The principal who reviewed (`token:<name>`, `oidc:<subject>`). */
  reviewer: string;
  at: string;
  diagnosis: string | null;
  codes: string[];
  comment: string | null;
}

export interface InferenceRecord {
  id: string;
  schemaVersion: 1;
  status: RecordStatus;
  source: SourceObject;
  requestId: string;
  trigger: Trigger;
  inputSha256: string | null;
  image: { format: string; width: number; height: number; bytes: number } | null;
  /**
   * The analysed DICOM instance's UIDs (DICOM inputs with them; null otherwise), for the DICOM SR
   * that references it. Records stored before this field existed lack it.
   */
  dicom?: DicomInstanceReference | null;
  /** The de-identified clinical context; identifiers and notes are not part of the record. */
  context:
    | (DeidentifiedContext & {
        notesProvided: boolean;
        notesRedactions: Record<string, number> | null;
        /** Fields dropped or kept apart, by code (never the text): absent when none. */
        warnings?: ContextWarningCode[];
      })
    | null;
  route: RouteDecision | null;
  localization: Localization | null;
  classification: Classification | null;
  /** Records stored before the assessment existed lack it. */
  assessment?: Assessment | null;
  recommendation: RecommendationRecord | null;
  billing: Billing | null;
  error: ErrorBody | null;
  /** Milliseconds per step (`localize`) and per sub-step (`localize.inference`), plus `total`. */
  timings: Record<string, number>;
  /** Absent until a clinician reviews the record (src/web/review/). */
  review?: Review | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * A stable id for a source object: the same object (same version or content) always maps to the
 * same record, so redelivered events find the earlier result instead of doing the work again.
 */
export function recordIdFor(source: SourceObject): string {
  const revision = source.versionId ?? source.etag ?? '';
  const digest = createHash('sha256')
    .update(`${source.bucket}\n${source.key}\n${revision}`)
    .digest('hex')
    .slice(0, 32);
  return `rec_${digest}`;
}

/**
 * A record is final unless it failed in a way that another attempt may fix: a retriable failure,
 * or the service's own configuration (a missing region), which is fixed without the upload changing.
 */
export function isFinal(record: InferenceRecord): boolean {
  if (record.status !== RecordStatus.failed) return true;
  return record.error?.retriable !== true && record.error?.code !== ServiceErrorCode.invalidConfiguration;
}
