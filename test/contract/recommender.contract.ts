/**
 * The Recommender contract: every recommender answers every label the demo models know with a
 * recommendation that satisfies the one schema, grounded in the findings it was given.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { recommendationSchema } from '../../src/clinical/recommendation-schema.js';
import { packageRoot } from '../../src/config.js';
import type { RecommendationRequest } from '../../src/domain.js';
import type { Recommender } from '../../src/ports.js';
import { sampleRecommendationRequest } from '../support/recommendation-request.js';

async function demoLabels(): Promise<string[]> {
  const cards = ['lesion-classifier', 'rash-classifier'].map((id) =>
    join(packageRoot, 'models', `${id}.card.json`),
  );
  const labels = await Promise.all(
    cards.map(async (path) => JSON.parse(await readFile(path, 'utf8')).labels as string[]),
  );
  return labels.flat();
}

export function recommenderContract(
  adapterName: string,
  create: () => Promise<Recommender>,
  skip: Partial<Record<'deterministic', string>> = {},
): void {
  describe(`Recommender contract: ${adapterName}`, () => {
    const request = (label: string, probability = 0.8): Promise<RecommendationRequest> =>
      sampleRecommendationRequest({
        findings: {
          classifier: { id: 'lesion-classifier', version: '1.0.0' },
          input: 'crop',
          labels: [
            { label, probability },
            { label: 'other-finding', probability: 1 - probability },
          ],
          lesionFound: true,
        },
        notes: null,
      });

    it('answers every demo label with a schema-valid recommendation', async () => {
      const recommender = await create();
      for (const label of await demoLabels()) {
        const result = await recommender.recommend(await request(label));
        const parsed = recommendationSchema.safeParse(result.recommendation);
        assert.ok(parsed.success, `${label}: ${parsed.error?.message}`);
        assert.ok(result.provider.length > 0 && result.model.length > 0);
        assert.ok(result.recommendation.followUpTests.length > 0, `${label} has follow-up tests`);
      }
    });

    it('states uncertainty when the top findings are close', async () => {
      const recommender = await create();
      const close = await recommender.recommend(await request('melanoma', 0.52));
      assert.ok(close.recommendation.uncertainty, 'close call is stated');
      const confident = await recommender.recommend(await request('melanoma', 0.97));
      assert.equal(confident.recommendation.uncertainty, null);
    });

    it('gives the same answer to the same request', { skip: skip.deterministic }, async () => {
      const recommender = await create();
      const input = await request('urticaria');
      assert.deepEqual(await recommender.recommend(input), await recommender.recommend(input));
    });
  });
}
