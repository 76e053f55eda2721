/**
 * The ports of DDx Assist (DESIGN.md section 2): the only things the pipeline knows about the
 * outside world. Each has an embedded default and its production adapters under
 * `adapters/<port>/<backend>.ts` (docs/architecture.md). Every port that talks to a backend names
 * itself (`name`) for logs and records. The values they carry are the domain model (domain.ts).
 */
import type {
  DecodedImage,
  Detection,
  LabelScore,
  PatientIdentifiers,
  Prompt,
  Recommendation,
  RecommendationRequest,
  TokenUsage,
} from './domain.js';
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
// Models

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

export interface PromptSource {
  readonly name: string;
  get(name: string, options?: CallOptions): Promise<Prompt>;
}

export interface RecommendationResult {
  recommendation: Recommendation;
  provider: string;
  model: string;
  /** Token usage of an LLM call, when the provider reports it. */
  usage?: TokenUsage;
  /** Wall time of the provider call(s), retries and repair included. */
  latencyMs?: number;
}

export interface Recommender {
  readonly name: string;
  recommend(request: RecommendationRequest, options?: CallOptions): Promise<RecommendationResult>;
}

// ---------------------------------------------------------------------------------------------
// Observability

export const logLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export type LogFields = Record<string, string | number | boolean | null | undefined>;

/**
 * One structured logger for every host (JSON lines on the CLI and the server, Powertools in Lambda).
 * Callers pass only keys they chose: never an event body, metadata values or notes, which can
 * identify a patient.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (request id, record id). */
  child(fields: LogFields): Logger;
}

/** The Logger that writes nothing: the default wherever a caller passes none. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/** One LLM generation as traced: what the LLM saw (de-identified) and what it answered. */
export interface TracedGeneration {
  recordId: string;
  provider: string;
  model: string;
  prompt: { name: string; version: number; isFallback: boolean };
  input: unknown;
  output: unknown;
  usage: TokenUsage | null;
  startTime: Date;
  endTime: Date;
}

/** Optional tracing of LLM generations (Langfuse); never fails a job. */
export interface GenerationTracer {
  record(generation: TracedGeneration): void;
  /**
   * Sends what is buffered; resolves (never rejects) once sent or given up. `signal` bounds it
   * (in Lambda: the invocation's remaining time), on top of the tracer's own retry policy.
   */
  flush(options?: { signal?: AbortSignal }): Promise<void>;
}
