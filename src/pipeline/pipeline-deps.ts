/**
 * What `runInference` needs (the ports, the validated clinical configuration and the limits), what
 * it is given (a Job) and what it answers (an InferenceOutcome), and what each step is handed (a
 * StepContext, or the whole JobContext). The composition root (compose.ts) builds the deps once
 * per process; tests build them from fakes.
 */

import type { CptMapping } from '../clinical/cpt-mapping.js';
import type { Icd10CmTable } from '../clinical/icd10cm-table.js';
import type { RoutingTable } from '../clinical/routing-table.js';
import type { PipelineStep } from '../errors.js';
import type { EventDelivery } from '../events/event-delivery.js';
import type { DecodeBudget } from '../imaging/decode-budget.js';
import type { StepTimer } from '../observability/step-timer.js';
import type {
  BlobStore,
  GenerationTracer,
  Logger,
  ModelProvider,
  PromptSource,
  Recommender,
  ResultStore,
} from '../ports.js';
import type { InferenceRecord, SourceObject, Trigger } from '../record.js';
import type { AssessmentSettings } from './assess.js';

export interface PipelineDeps {
  blobStore: BlobStore;
  resultStore: ResultStore;
  models: ModelProvider;
  routingTable: RoutingTable;
  promptSource: PromptSource;
  /** The configured recommender (the knowledge base itself, or an LLM). */
  recommender: Recommender;
  /** The offline knowledge base: always consulted, and the fallback when an LLM fails. */
  knowledgeRecommender: Recommender;
  codeTable: Icd10CmTable;
  cptMapping: CptMapping | null;
  /** The assessment's thresholds (models/assessment.json) and the labels the knowledge base covers. */
  assessment: AssessmentSettings;
  /**
   * Record events: written with the record, sent right after it is stored (events/). Absent, or
   * without sinks, when no webhook, bus or FHIR server is configured.
   */
  events?: EventDelivery;
  /** Optional tracing of LLM generations (Langfuse); flushed by the entry point. */
  generationTracer?: GenerationTracer;
  logger: Logger;
  /** `minImageSide`: 32 when absent; `dicomModalities`: the DICOM modalities accepted (fetch-image.ts). */
  limits: {
    maxImageBytes: number;
    maxImagePixels: number;
    minImageSide?: number;
    dicomModalities?: readonly string[];
    /** Time, memory and scan limits of each decode (imaging/decode-budget.ts); its defaults when absent. */
    decodeBudget?: DecodeBudget;
    /** Longest side a photo is decoded at (1280 when absent); crops keep full resolution (fetch-image.ts). */
    workingMaxSide?: number;
  };
  /** Fraction of the detection box added on each side of a crop, for context. */
  cropPadding: number;
  /** Where crops go; the trigger ignores this prefix so the service never triggers itself. */
  derivedPrefix: string;
  /** Used when the job brings no deadline of its own. */
  jobTimeoutMs: number;
  /** A step that would start with less time left than this ends the job retriably (500 ms by default). */
  minStepTimeMs?: number;
  now?: () => Date;
}

export interface Job {
  source: Omit<SourceObject, 'bucket'> & { bucket?: string };
  requestId: string;
  trigger: Trigger;
  /** Epoch milliseconds by which the job must have finished (in Lambda: remaining time minus a margin). */
  deadline?: number;
  /**
   * Epoch milliseconds by which the record must be stored: after `deadline`, the time kept back
   * to write (in Lambda: just before the platform ends the invocation). `deadline` plus 30 s when
   * absent.
   */
  writeDeadline?: number;
}

export interface InferenceOutcome {
  record: InferenceRecord;
  /** True when a finished record for the same object already existed and no work was done. */
  reused: boolean;
}

/** What every step gets: the job's abort signal (deadline) and its logger. */
export interface StepContext {
  signal: AbortSignal;
  logger: Logger;
}

/** What the analysis gets from the job's session (record-session.ts) once the record is claimed. */
export interface JobContext extends StepContext {
  recordId: string;
  /** The decoded key of the object analysed. */
  sourceKey: string;
  /** Sub-step durations (`localize.inference`) for the record's timings. */
  timer: StepTimer;
  /** Runs one step: refused when too little time is left, timed, logged with its outcome. */
  step<T>(name: PipelineStep, work: () => Promise<T>): Promise<T>;
}
