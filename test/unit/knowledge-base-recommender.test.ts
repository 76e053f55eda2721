import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createKnowledgeBaseRecommender,
  decisionSupportDisclaimer,
  likelihoodOf,
  recommendFromKnowledge,
} from '../../src/adapters/recommender/knowledge-base.js';
import type { LabelScore, Prompt, RecommendationRequest } from '../../src/domain.js';
import { smallKnowledgeBase } from '../support/unit-knowledge-base.js';

const promptConfig = {
  temperature: 0.2,
  lowConfidenceThreshold: 0.5,
  closeCallMargin: 0.15,
  minDifferentialProbability: 0.05,
  maxDifferentials: 5,
};

function prompt(config: Record<string, unknown> = promptConfig): Prompt {
  return {
    name: 'ddx-recommendations',
    version: 3,
    type: 'chat',
    prompt: [{ role: 'system', content: 'unused by the knowledge-base recommender' }],
    config,
    labels: ['production'],
    isFallback: false,
  };
}

function request(
  labels: LabelScore[],
  options: {
    bodySite?: string | null;
    lesionFound?: boolean | null;
    input?: 'crop' | 'whole-image';
    config?: Record<string, unknown>;
  } = {},
): RecommendationRequest {
  return {
    findings: {
      classifier: { id: 'lesion-classifier', version: '2.1.0' },
      input: options.input ?? 'crop',
      labels,
      lesionFound: options.lesionFound === undefined ? true : options.lesionFound,
    },
    context: {
      extent: 'localized',
      bodySite: options.bodySite === undefined ? 'left forearm' : options.bodySite,
      age: '54',
      sex: 'female',
      specialty: null,
      durationDays: null,
      imageType: null,
    },
    notes: null,
    prompt: prompt(options.config),
  };
}

const confident: LabelScore[] = [
  { label: 'melanoma', probability: 0.7 },
  { label: 'nevus', probability: 0.26 },
  { label: 'keratosis', probability: 0.04 },
];

describe('likelihoodOf', () => {
  const cases: [number, string][] = [
    [1, 'high'],
    [0.6, 'high'],
    [0.5999, 'moderate'],
    [0.25, 'moderate'],
    [0.2499, 'low'],
    [0, 'low'],
  ];
  for (const [probability, likelihood] of cases) {
    it(`calls ${probability} ${likelihood}`, () => {
      assert.equal(likelihoodOf(probability), likelihood);
    });
  }
});

describe('recommendFromKnowledge: differentials', () => {
  it('ranks findings with likelihood bands, site-specific codes, then knowledge-base differentials as low', () => {
    const recommendation = recommendFromKnowledge(smallKnowledgeBase, request(confident));
    assert.deepEqual(recommendation.differentials, [
      {
        condition: 'Cutaneous melanoma',
        likelihood: 'high',
        rationale: 'lesion-classifier 2.1.0 gave 70% on the detected lesion. A malignant melanocytic tumour.',
        icd10cm: ['C43.60'],
      },
      {
        condition: 'Melanocytic nevus (common mole)',
        likelihood: 'moderate',
        rationale:
          'lesion-classifier 2.1.0 gave 26% on the detected lesion. A benign melanocytic proliferation.',
        icd10cm: ['D22.60'],
      },
      // The melanoma entry's own nevus differential is already listed: not repeated.
      {
        condition: 'Pigmented basal cell carcinoma',
        likelihood: 'low',
        rationale: 'Pigmented BCC mimics melanoma.',
        icd10cm: ['C44.91'],
      },
      {
        condition: 'Seborrheic keratosis',
        likelihood: 'low',
        rationale: 'Waxy stuck-on lesion.',
        icd10cm: ['L82.1'],
      },
    ]);
  });

  it('leaves out findings below minDifferentialProbability', () => {
    const recommendation = recommendFromKnowledge(smallKnowledgeBase, request(confident));
    const rationales = recommendation.differentials.map((differential) => differential.rationale);
    assert.ok(!rationales.some((rationale) => rationale.includes('gave 4%')), rationales.join('\n'));
  });

  it('respects maxDifferentials from the prompt config', () => {
    const recommendation = recommendFromKnowledge(
      smallKnowledgeBase,
      request(confident, { config: { ...promptConfig, maxDifferentials: 2 } }),
    );
    assert.deepEqual(
      recommendation.differentials.map((differential) => differential.condition),
      ['Cutaneous melanoma', 'Melanocytic nevus (common mole)'],
    );
  });

  it('chooses codes from the body site: trunk for "upper back"', () => {
    const recommendation = recommendFromKnowledge(
      smallKnowledgeBase,
      request(confident, { bodySite: 'upper back' }),
    );
    assert.deepEqual(recommendation.differentials[0]?.icd10cm, ['C43.59']);
    assert.deepEqual(recommendation.differentials[1]?.icd10cm, ['D22.5']);
  });

  it('uses the general codes when the body site is unknown or missing', () => {
    for (const bodySite of ['elsewhere', null]) {
      const recommendation = recommendFromKnowledge(smallKnowledgeBase, request(confident, { bodySite }));
      assert.deepEqual(recommendation.differentials[0]?.icd10cm, ['C43.9'], String(bodySite));
      assert.deepEqual(recommendation.differentials[1]?.icd10cm, ['D22.9'], String(bodySite));
    }
  });

  it('says "the whole image" when no crop was classified', () => {
    const recommendation = recommendFromKnowledge(
      smallKnowledgeBase,
      request(confident, { input: 'whole-image', lesionFound: false }),
    );
    assert.match(recommendation.differentials[0]?.rationale ?? '', /gave 70% on the whole image\./);
  });

  it('lists an unknown label by its name with no codes and no tests or treatments', () => {
    const recommendation = recommendFromKnowledge(
      smallKnowledgeBase,
      request([
        { label: 'angioma', probability: 0.9 },
        { label: 'nevus', probability: 0.1 },
      ]),
    );
    assert.deepEqual(recommendation.differentials[0], {
      condition: 'angioma',
      likelihood: 'high',
      rationale: 'lesion-classifier 2.1.0 gave 90% on the detected lesion.',
      icd10cm: [],
    });
    assert.deepEqual(recommendation.followUpTests, []);
    assert.deepEqual(recommendation.treatmentConsiderations, []);
  });
});

describe('recommendFromKnowledge: tests, treatments and red flags', () => {
  it('takes follow-up tests and treatments from the top finding when it is clear', () => {
    const recommendation = recommendFromKnowledge(smallKnowledgeBase, request(confident));
    assert.deepEqual(
      recommendation.followUpTests.map((item) => item.test),
      ['Dermoscopy', 'Excision biopsy'],
    );
    assert.deepEqual(
      recommendation.treatmentConsiderations.map((item) => item.consideration),
      ['Urgent referral'],
    );
  });

  it('merges the follow-up tests of both conditions in a close call, without duplicates', () => {
    const recommendation = recommendFromKnowledge(
      smallKnowledgeBase,
      request([
        { label: 'melanoma', probability: 0.55 },
        { label: 'nevus', probability: 0.45 },
      ]),
    );
    assert.deepEqual(
      recommendation.followUpTests.map((item) => item.test),
      ['Dermoscopy', 'Excision biopsy', 'Sequential digital monitoring'],
    );
  });

  it('collects the red flags of the plausible findings once each', () => {
    const recommendation = recommendFromKnowledge(smallKnowledgeBase, request(confident));
    assert.deepEqual(
      recommendation.redFlags.map((item) => item.flag),
      ['Bleeding or ulceration', 'Recent change'],
    );
  });
});

describe('recommendFromKnowledge: uncertainty and disclaimer', () => {
  it('states no uncertainty for a confident, clear finding on a detected lesion', () => {
    assert.equal(recommendFromKnowledge(smallKnowledgeBase, request(confident)).uncertainty, null);
  });

  it('states low confidence below lowConfidenceThreshold', () => {
    const recommendation = recommendFromKnowledge(
      smallKnowledgeBase,
      request([
        { label: 'melanoma', probability: 0.45 },
        { label: 'nevus', probability: 0.25 },
        { label: 'keratosis', probability: 0.25 },
      ]),
    );
    assert.equal(
      recommendation.uncertainty,
      'The top finding (melanoma, 45%) is below the 50% confidence threshold: treat the ranking as weak evidence.',
    );
  });

  it('states a close call when the top two are within closeCallMargin', () => {
    const recommendation = recommendFromKnowledge(
      smallKnowledgeBase,
      request([
        { label: 'melanoma', probability: 0.55 },
        { label: 'nevus', probability: 0.45 },
      ]),
    );
    assert.equal(
      recommendation.uncertainty,
      'melanoma and nevus are close (55% vs 45%): both are considered.',
    );
  });

  it('states that no lesion was found', () => {
    const recommendation = recommendFromKnowledge(
      smallKnowledgeBase,
      request(confident, { input: 'whole-image', lesionFound: false }),
    );
    assert.equal(
      recommendation.uncertainty,
      'No lesion was detected, so the whole image was classified; check the image framing.',
    );
  });

  it('states no uncertainty about the lesion for a widespread route (lesionFound null)', () => {
    const recommendation = recommendFromKnowledge(
      smallKnowledgeBase,
      request(confident, { input: 'whole-image', lesionFound: null }),
    );
    assert.equal(recommendation.uncertainty, null);
  });

  it('states that an unknown top label has no knowledge-base entry', () => {
    const recommendation = recommendFromKnowledge(
      smallKnowledgeBase,
      request([
        { label: 'angioma', probability: 0.9 },
        { label: 'nevus', probability: 0.1 },
      ]),
    );
    assert.equal(
      recommendation.uncertainty,
      'The knowledge base has no entry for "angioma": no tests or treatments are suggested for it.',
    );
  });

  it('joins several uncertainty statements in order', () => {
    const recommendation = recommendFromKnowledge(
      smallKnowledgeBase,
      request(
        [
          { label: 'melanoma', probability: 0.4 },
          { label: 'nevus', probability: 0.35 },
        ],
        { input: 'whole-image', lesionFound: false },
      ),
    );
    assert.equal(
      recommendation.uncertainty,
      'No lesion was detected, so the whole image was classified; check the image framing. ' +
        'The top finding (melanoma, 40%) is below the 50% confidence threshold: treat the ranking as weak evidence. ' +
        'melanoma and nevus are close (40% vs 35%): both are considered.',
    );
  });

  it('always carries the decision-support disclaimer', () => {
    const recommendation = recommendFromKnowledge(smallKnowledgeBase, request(confident));
    assert.equal(recommendation.disclaimer, decisionSupportDisclaimer);
    assert.match(recommendation.disclaimer, /not a diagnosis/);
  });
});

describe('recommendFromKnowledge: thresholds from the prompt config', () => {
  it('reads lowConfidenceThreshold and closeCallMargin from the config', () => {
    const recommendation = recommendFromKnowledge(
      smallKnowledgeBase,
      request(confident, { config: { ...promptConfig, lowConfidenceThreshold: 0.8, closeCallMargin: 0.5 } }),
    );
    assert.equal(
      recommendation.uncertainty,
      'The top finding (melanoma, 70%) is below the 80% confidence threshold: treat the ranking as weak evidence. ' +
        'melanoma and nevus are close (70% vs 26%): both are considered.',
    );
  });

  it('reads minDifferentialProbability from the config', () => {
    const recommendation = recommendFromKnowledge(
      smallKnowledgeBase,
      request(confident, { config: { ...promptConfig, minDifferentialProbability: 0.3 } }),
    );
    // The nevus finding (26%) is no longer a finding; it comes back only as melanoma's low differential.
    assert.deepEqual(
      recommendation.differentials.map((differential) => [differential.condition, differential.likelihood]),
      [
        ['Cutaneous melanoma', 'high'],
        ['Melanocytic nevus (common mole)', 'low'],
        ['Pigmented basal cell carcinoma', 'low'],
        ['Seborrheic keratosis', 'low'],
      ],
    );
  });

  it('uses the documented defaults when the config has no thresholds', () => {
    const withDefaults = recommendFromKnowledge(smallKnowledgeBase, request(confident, { config: {} }));
    const explicit = recommendFromKnowledge(smallKnowledgeBase, request(confident));
    assert.deepEqual(withDefaults, explicit);
  });
});

describe('createKnowledgeBaseRecommender', () => {
  it('names itself and the knowledge-base version', async () => {
    const recommender = createKnowledgeBaseRecommender(smallKnowledgeBase);
    assert.equal(recommender.name, 'knowledge-base');
    const result = await recommender.recommend(request(confident));
    assert.equal(result.provider, 'knowledge-base');
    assert.equal(result.model, 'ddx-knowledge-base@test-1');
    assert.deepEqual(result.recommendation, recommendFromKnowledge(smallKnowledgeBase, request(confident)));
  });
});
