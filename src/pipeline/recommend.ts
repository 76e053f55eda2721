/**
 * Step 6: clinical recommendations from the findings and the de-identified context. The offline
 * knowledge base always answers too (it is cheap and deterministic): its codes are merged into the
 * billing suggestions, and when the configured recommender (an LLM) fails after its retries, or its
 * reply stays invalid, its answer is what the clinician gets, with the record marked degraded.
 */

import type { Prompt, RecommendationRequest } from '../domain.js';
import { asDdxError, type DdxError, PipelineStep, ServiceErrorCode } from '../errors.js';
import type { Recommender } from '../ports.js';
import type { RecommendationRecord } from '../record.js';
import type { StepContext } from './pipeline-deps.js';

export interface RecommendOutcome {
  /** What the clinician reads: the configured recommender's answer, or the knowledge base's. */
  recommendation: RecommendationRecord;
  /** The knowledge base's answer when it is not already `recommendation`. */
  knowledgeBase: RecommendationRecord | null;
  /** Why the configured recommender's answer is missing, when it is. */
  failure: DdxError | null;
}

export async function recommend(
  recommender: Recommender,
  request: RecommendationRequest,
  step: StepContext,
): Promise<RecommendationRecord> {
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
  if (primary === knowledgeBase) return { recommendation: offline, knowledgeBase: null, failure: null };
  try {
    const answer = await recommend(primary, request, step);
    // Low confidence or a close call must be stated, whatever the LLM chose to say.
    const uncertainty = answer.uncertainty ?? offline.uncertainty;
    return { recommendation: { ...answer, uncertainty }, knowledgeBase: offline, failure: null };
  } catch (error) {
    const failure = asDdxError(error, PipelineStep.recommend);
    // The job is out of time: it fails retriably rather than settle for less (run-inference.ts).
    if (failure.code === ServiceErrorCode.deadlineExceeded) throw failure;
    step.logger.warn('recommender failed: serving the knowledge base', {
      step: PipelineStep.recommend,
      recommender: primary.name,
      code: failure.code,
      retriable: failure.retriable,
    });
    return { recommendation: offline, knowledgeBase: null, failure };
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
