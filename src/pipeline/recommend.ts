/**
 * Step 6: clinical recommendations from the findings and the de-identified context.
 */
import type { Prompt, RecommendationRequest, Recommender } from '../ports.js';
import type { RecommendationRecord } from '../record.js';
import type { StepContext } from './pipeline-deps.js';

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
  };
}

export function promptReference(prompt: Prompt): RecommendationRecord['prompt'] {
  return { name: prompt.name, version: prompt.version, isFallback: prompt.isFallback };
}
