/** A recommendation request for the bundled prompt, shared by the recommender tests. */
import { join } from 'node:path';
import { createFilePromptSource } from '../../src/adapters/prompt-source/files.js';
import { packageRoot } from '../../src/config.js';
import type { RecommendationRequest } from '../../src/ports.js';

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
    context: {
      extent: 'localized',
      bodySite: 'back',
      age: '54',
      sex: 'female',
      specialty: 'dermatology',
      durationDays: 30,
    },
    notes: 'Lesion has grown over two months.',
    prompt: await createFilePromptSource({ directory: join(packageRoot, 'prompts') }).get(
      'ddx-recommendations',
    ),
    ...changes,
  };
}
