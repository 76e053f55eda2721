/** A recommendation request for the bundled prompt, shared by the recommender tests. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createFilePromptSource } from '../../src/adapters/prompt-source/files.js';
import { packageRoot } from '../../src/config.js';
import type { RecommendationRequest } from '../../src/domain.js';
import { DdxError } from '../../src/errors.js';
import type { Recommender } from '../../src/ports.js';
import { sampleContext } from './records.js';
import { failureOf } from './unit-helpers.js';

/** A request for the bundled recommendation prompt: a confident melanoma finding on a crop. */
export async function sampleRecommendationRequest(
  changes: Partial<RecommendationRequest> = {},
): Promise<RecommendationRequest> {
  return {
    findings: {
      classifier: { id: 'lesion-classifier', version: '1.0.0' },
      input: 'crop',
      labels: [
        { label: 'melanoma', probability: 0.81 },
        { label: 'nevus', probability: 0.15 },
        { label: 'seborrheic-keratosis', probability: 0.04 },
      ],
      lesionFound: true,
    },
    context: sampleContext,
    notes: 'Lesion has grown over two months.',
    prompt: await createFilePromptSource({ directory: join(packageRoot, 'prompts') }).get(
      'ddx-recommendations',
    ),
    ...changes,
  };
}

/** The typed error `recommender` fails the sample request with (the test fails if it succeeds). */
export async function recommendationFailure(recommender: Recommender): Promise<DdxError> {
  const error = await failureOf(async () => recommender.recommend(await sampleRecommendationRequest()));
  assert.ok(error instanceof DdxError, String(error));
  return error;
}
