/**
 * Step 6: clinical recommendations from the findings and the de-identified context. The offline
 * knowledge base always answers too (it is cheap and deterministic): its codes are merged into the
 * billing suggestions, and when the configured recommender (an LLM) fails after its retries, or its
 * reply stays invalid, its answer is what the clinician gets, with the record marked degraded.
 */
import { deidentify } from '../clinical/deidentify.js';
import type { ClinicalContext, Prompt, RecommendationRequest } from '../domain.js';
import { asDdxError, type DdxError, PipelineStep, ServiceErrorCode } from '../errors.js';
import type { GenerationTracer, Recommender } from '../ports.js';
import type { Classification, RecommendationRecord } from '../record.js';
import type { JobContext, PipelineDeps, StepContext } from './pipeline-deps.js';
import { keepSystemStatements } from './system-statements.js';

/** A recommender's answer as the record keeps it, before the system's statements are added. */
type Answer = Omit<RecommendationRecord, 'systemStatements'>;

/** Who answered: what the clinician reads, and what else may add codes to billing. */
export type RecommendOutcome =
  /** The knowledge base is the configured recommender. */
  | { kind: 'knowledge-base'; recommendation: Answer }
  /** A language model answered; the knowledge base's answer stands beside it for billing. */
  | { kind: 'language-model'; recommendation: Answer; knowledgeBase: Answer }
  /** The language model failed after its retries: the knowledge base's answer stands in. */
  | { kind: 'fallback'; recommendation: Answer; failure: DdxError };

/** What step 6 leaves for the record. */
export interface Recommended {
  /** Null only when even the knowledge base failed. */
  recommendation: RecommendationRecord | null;
  /** The recommendations whose codes billing considers, most trusted (the knowledge base) first. */
  forBilling: RecommendationRecord[];
  /** Why the configured recommender's answer is missing, when it is: the record is degraded. */
  failure: DdxError | null;
}

export interface RecommendInputs {
  classification: Classification;
  /** Null when the route has no detector. */
  lesionFound: boolean | null;
  context: ClinicalContext;
  /** The notes scrubbed of identifiers (load-context.ts). */
  notes: string | null;
  /** The route's prompt, fetched since step 3. */
  prompt: Promise<Prompt>;
  /** What the system states (system-statements.ts): kept in the recommendation whoever writes it. */
  systemStatements: readonly string[];
}

export async function recommendFromFindings(
  inputs: RecommendInputs,
  deps: PipelineDeps,
  job: JobContext,
): Promise<Recommended> {
  try {
    const { classification } = inputs;
    const request: RecommendationRequest = {
      findings: {
        classifier: classification.model,
        input: classification.input,
        labels: classification.labels,
        lesionFound: inputs.lesionFound,
      },
      context: deidentify(inputs.context),
      notes: inputs.notes,
      prompt: await inputs.prompt,
    };
    const outcome = await job.step(PipelineStep.recommend, () =>
      recommendWithFallback(deps.recommender, deps.knowledgeRecommender, request, job),
    );
    const kept = (answer: Answer) => keepSystemStatements(answer, inputs.systemStatements);
    switch (outcome.kind) {
      case 'knowledge-base': {
        const recommendation = kept(outcome.recommendation);
        return { recommendation, forBilling: [recommendation], failure: null };
      }
      case 'language-model': {
        const recommendation = kept(outcome.recommendation);
        traceGeneration(deps.generationTracer, job.recordId, request, recommendation);
        return {
          recommendation,
          forBilling: [kept(outcome.knowledgeBase), recommendation],
          failure: null,
        };
      }
      case 'fallback': {
        const recommendation = kept(outcome.recommendation);
        return { recommendation, forBilling: [recommendation], failure: outcome.failure };
      }
    }
  } catch (error) {
    // Out of time: a retriable failure, so a redelivery gets the whole recommendation.
    const failure = asDdxError(error, PipelineStep.recommend);
    if (failure.code === ServiceErrorCode.deadlineExceeded) throw failure;
    // Even the offline recommendations failed: the findings stand alone, and the record says why.
    return { recommendation: null, forBilling: [], failure };
  }
}

export async function recommend(
  recommender: Recommender,
  request: RecommendationRequest,
  step: StepContext,
): Promise<Answer> {
  const result = await recommender.recommend(request, { signal: step.signal });
  return {
    ...result.recommendation,
    provider: result.provider,
    model: result.model,
    prompt: promptReference(request.prompt),
    usage: result.usage ?? null,
    latencyMs: result.latencyMs ?? null,
  };
}

export async function recommendWithFallback(
  primary: Recommender,
  knowledgeBase: Recommender,
  request: RecommendationRequest,
  step: StepContext,
): Promise<RecommendOutcome> {
  const offline = await recommend(knowledgeBase, request, step);
  if (primary === knowledgeBase) return { kind: 'knowledge-base', recommendation: offline };
  try {
    const answer = await recommend(primary, request, step);
    // Low confidence or a close call must be stated, whatever the LLM chose to say (the system's
    // own statements are added after, by keepSystemStatements).
    const uncertainty = answer.uncertainty ?? offline.uncertainty;
    return { kind: 'language-model', recommendation: { ...answer, uncertainty }, knowledgeBase: offline };
  } catch (error) {
    const failure = asDdxError(error, PipelineStep.recommend);
    // The job is out of time: it fails retriably rather than settle for less.
    if (failure.code === ServiceErrorCode.deadlineExceeded) throw failure;
    step.logger.warn('recommender failed: serving the knowledge base', {
      step: PipelineStep.recommend,
      recommender: primary.name,
      code: failure.code,
      retriable: failure.retriable,
    });
    return { kind: 'fallback', recommendation: offline, failure };
  }
}

export function promptReference(prompt: Prompt): RecommendationRecord['prompt'] {
  return {
    name: prompt.name,
    version: prompt.version,
    label: prompt.label ?? null,
    isFallback: prompt.isFallback,
  };
}

/** Hands a language model's generation to the tracer (the offline knowledge base is not traced). */
function traceGeneration(
  tracer: GenerationTracer | undefined,
  recordId: string,
  request: RecommendationRequest,
  recommendation: RecommendationRecord,
): void {
  if (!tracer) return;
  const endTime = new Date();
  const { provider, model, prompt, usage, latencyMs, ...answer } = recommendation;
  tracer.record({
    recordId,
    provider,
    model,
    prompt,
    input: { findings: request.findings, context: request.context, notes: request.notes },
    output: answer,
    usage,
    startTime: new Date(endTime.getTime() - (latencyMs ?? 0)),
    endTime,
  });
}
