/**
 * The statements the system makes (the assessment's reasons, the demo model) are kept whatever a
 * language model replies (issue 10 item 5): an LLM can add, never remove. Out-of-scope records
 * ask no recommender at all and suggest no code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadIcd10CmTable } from '../../src/clinical/icd10cm-table.js';
import { packageRoot } from '../../src/config.js';
import type { RecommendationRequest } from '../../src/domain.js';
import { runInference } from '../../src/pipeline/run-inference.js';
import type { Recommender } from '../../src/ports.js';
import { createPipelineFixture, sampleJpeg, upload } from '../support/pipeline-fixture.js';

const job = (key: string) => ({ source: { key }, requestId: 'request-1', trigger: 'cli' as const });
const localized = { extent: 'localized', bodySite: 'back' };

/** An LLM that denies any doubt: the reply a system statement must survive. */
function overconfidentLanguageModel(requests: RecommendationRequest[]): Recommender {
  return {
    name: 'openai-compatible',
    async recommend(request) {
      requests.push(request);
      return {
        provider: 'openai-compatible',
        model: 'test-model',
        recommendation: {
          differentials: [
            {
              condition: 'Cutaneous melanoma',
              likelihood: 'high',
              rationale: 'Certain.',
              icd10cm: ['C43.9'],
            },
          ],
          followUpTests: [],
          treatmentConsiderations: [],
          redFlags: [],
          uncertainty: 'No uncertainty: 100% certain.',
          disclaimer: 'LLM disclaimer.',
        },
      };
    },
  };
}

describe('system statements', () => {
  it('survive an LLM reply that claims certainty', async () => {
    const requests: RecommendationRequest[] = [];
    const { deps, blobStore, models } = createPipelineFixture({
      recommender: overconfidentLanguageModel(requests),
      codeTable: await loadIcd10CmTable(`${packageRoot}/data/icd10cm-codes.tsv`),
    });
    // A close call: the assessment is uncertain and says why.
    models.labels = [
      { label: 'melanoma', probability: 0.52 },
      { label: 'melanocytic-nevus', probability: 0.48 },
    ];
    models.detections = [];
    await upload(blobStore, 'uploads/close.jpg', await sampleJpeg(), localized);

    const { record } = await runInference(job('uploads/close.jpg'), deps);

    assert.equal(requests.length, 1);
    assert.equal(record.assessment?.verdict, 'uncertain');
    const codes = record.assessment?.reasons.map((reason) => reason.code) ?? [];
    assert.ok(codes.includes('NO_LESION_FOUND'));
    assert.ok(codes.includes('CLOSE_CALL'));
    const statements = record.recommendation?.systemStatements ?? [];
    for (const reason of record.assessment?.reasons ?? []) assert.ok(statements.includes(reason.message));
    assert.ok(statements.some((statement) => statement.startsWith('Demo model (fake-classifier')));
    const uncertainty = record.recommendation?.uncertainty ?? '';
    assert.ok(uncertainty.startsWith(statements[0] ?? '-'), 'the system statements lead');
    assert.match(uncertainty, /No lesion was detected/);
    // What the LLM said is kept after them: it adds, it does not replace.
    assert.match(uncertainty, /No uncertainty: 100% certain\.$/);
    // Uncertain: the sign is billed, not the LLM's melanoma.
    assert.deepEqual(
      record.billing?.suggestions.map((item) => item.code),
      ['R23.8'],
    );
  });

  it('ask no recommender and suggest no code when the image is out of scope', async () => {
    const requests: RecommendationRequest[] = [];
    const { deps, blobStore } = createPipelineFixture({ recommender: overconfidentLanguageModel(requests) });
    const sharp = (await import('sharp')).default;
    const blue = await sharp({
      create: { width: 120, height: 90, channels: 3, background: { r: 30, g: 80, b: 220 } },
    })
      .jpeg()
      .toBuffer();
    await upload(blobStore, 'uploads/blue.jpg', blue, localized);

    const { record } = await runInference(job('uploads/blue.jpg'), deps);

    assert.equal(record.status, 'succeeded');
    assert.equal(record.assessment?.verdict, 'out-of-scope');
    assert.ok(record.assessment?.reasons.some((reason) => reason.code === 'NOT_SKIN'));
    assert.match(record.assessment?.action ?? '', /No diagnosis is given/);
    assert.equal(requests.length, 0);
    assert.equal(record.recommendation, null);
    assert.equal(record.billing, null);
  });
});
