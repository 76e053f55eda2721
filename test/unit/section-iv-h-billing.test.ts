/**
 * Billing under the ICD-10-CM Official Guidelines for outpatient encounters, Section IV.H (issue
 * 10 item 5), and codes that cannot overreach: a suspected diagnosis is not coded, differentials
 * are for reference only, an LLM's code for a condition nobody found is dropped with its reason,
 * and a code outside the table is removed from the recommendation itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadIcd10CmTable } from '../../src/clinical/icd10cm-table.js';
import { packageRoot } from '../../src/config.js';
import { withCodesInTable } from '../../src/pipeline/recommendation-codes.js';
import { suggestBilling } from '../../src/pipeline/suggest-billing.js';
import type { Assessment, Classification, RecommendationRecord } from '../../src/record.js';
import { classifierCard } from '../support/pipeline-fixture.js';

const codeTable = await loadIcd10CmTable(`${packageRoot}/data/icd10cm-codes.tsv`);

const classification: Classification = {
  model: { id: 'fake-classifier', version: '0.2.0', status: 'demo' },
  input: 'crop',
  labels: [
    { label: 'melanoma', probability: 0.7, rawProbability: 0.9 },
    { label: 'melanocytic-nevus', probability: 0.3, rawProbability: 0.1 },
  ],
  calibration: { method: 'temperature', temperature: 2 },
  modelNotice: null,
};
const confident: Assessment = { verdict: 'confident', reasons: [], scores: {} };
const uncertain: Assessment = {
  verdict: 'uncertain',
  reasons: [{ code: 'LOW_PROBABILITY', message: 'weak' }],
  scores: {},
};

function recommendation(
  provider: string,
  differentials: RecommendationRecord['differentials'],
): RecommendationRecord {
  return {
    systemStatements: [],
    differentials,
    followUpTests: [],
    treatmentConsiderations: [],
    redFlags: [],
    uncertainty: null,
    disclaimer: 'd',
    provider,
    model: 'm',
    prompt: { name: 'p', version: 1, label: null, isFallback: false },
    usage: null,
    latencyMs: null,
  };
}

const knowledgeBase = recommendation('knowledge-base', [
  { condition: 'Cutaneous melanoma', likelihood: 'high', rationale: 'r', icd10cm: ['C43.59'] },
  { condition: 'Melanocytic nevus', likelihood: 'moderate', rationale: 'r', icd10cm: ['D22.5'] },
  { condition: 'Seborrheic keratosis', likelihood: 'low', rationale: 'r', icd10cm: ['L82.1'] },
]);
const languageModel = recommendation('openai:gpt', [
  { condition: 'Melanoma', likelihood: 'high', rationale: 'r', icd10cm: ['C43.9'] },
  { condition: 'Plaque psoriasis', likelihood: 'moderate', rationale: 'r', icd10cm: ['L40.0'] },
  { condition: 'Melanocytic nevus', likelihood: 'low', rationale: 'r', icd10cm: ['Q99.999'] },
]);

const billingFor = (
  assessment: Assessment,
  recommendations: RecommendationRecord[],
  extent: 'localized' | 'widespread' = 'localized',
) =>
  suggestBilling({
    classification,
    card: classifierCard,
    assessment,
    extent,
    recommendations,
    codeTable,
    cptMapping: null,
  });

describe('ICD-10-CM Section IV.H billing', () => {
  it('codes the top finding, site-specific first, only when the assessment is confident', () => {
    const billing = billingFor(confident, [knowledgeBase]);
    assert.deepEqual(
      billing.suggestions.map((item) => [item.code, item.sources]),
      [['C43.59', ['knowledge-base', 'model-card:fake-classifier']]],
    );
    assert.match(billing.basis ?? '', /confident/);
  });

  it('codes the sign, not a suspected diagnosis, when the findings are uncertain', () => {
    const billing = billingFor(uncertain, [knowledgeBase]);
    assert.deepEqual(
      billing.suggestions.map((item) => item.code),
      ['R23.8'],
    );
    assert.ok(!billing.suggestions.some((item) => item.code.startsWith('C43')));
    assert.deepEqual(
      billingFor(uncertain, [knowledgeBase], 'widespread').suggestions.map((item) => item.code),
      ['R21'],
    );
  });

  it('lists the differentials for reference, not for billing', () => {
    const billing = billingFor(uncertain, [knowledgeBase]);
    assert.deepEqual(
      billing.reference?.map((item) => item.code),
      ['C43.59', 'D22.5', 'L82.1'],
    );
    assert.ok(billing.reference?.every((item) => item.reason.startsWith('for reference, not for billing')));
  });

  it('drops an LLM code for a condition that is neither a finding nor a knowledge-base differential', () => {
    const billing = billingFor(confident, [knowledgeBase, languageModel]);
    const lichen = billing.dropped.find((item) => item.code === 'L40.0');
    assert.equal(lichen?.source, 'openai:gpt');
    assert.match(lichen?.reason ?? '', /"Plaque psoriasis", which is neither a finding/);
    assert.ok(![...billing.suggestions, ...(billing.reference ?? [])].some((item) => item.code === 'L40.0'));
  });

  it('keeps a code outside the table only in billing.dropped, never in the recommendation', () => {
    const billing = billingFor(confident, [knowledgeBase, languageModel]);
    assert.ok(
      billing.dropped.some(
        (item) => item.code === 'Q99.999' && /not in the ICD-10-CM code table/.test(item.reason),
      ),
    );
    const shown = withCodesInTable(languageModel, codeTable);
    const codes = shown.differentials.flatMap((item) => item.icd10cm);
    assert.ok(!codes.includes('Q99.999'));
    assert.deepEqual(codes, ['C43.9', 'L40.0']);
  });

  it('suggests CPT codes only for a confident top finding, from the practice mapping', () => {
    const cptMapping = {
      version: 'practice-1',
      labels: { melanoma: [{ code: '11102', description: 'user-supplied descriptor' }] },
    };
    const withMapping = (assessment: Assessment) =>
      suggestBilling({
        classification,
        card: classifierCard,
        assessment,
        extent: 'localized',
        recommendations: [],
        codeTable,
        cptMapping,
      });
    assert.ok(
      withMapping(confident).suggestions.some((item) => item.system === 'CPT' && item.code === '11102'),
    );
    assert.ok(!withMapping(uncertain).suggestions.some((item) => item.system === 'CPT'));
  });
});
