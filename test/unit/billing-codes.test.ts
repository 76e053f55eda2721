import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { checkBillingCodes } from '../../src/clinical/billing-codes.js';
import { loadIcd10CmTable, parseIcd10CmTable } from '../../src/clinical/icd10cm-table.js';
import { smallIcd10CmTsv } from '../support/unit-icd10cm.js';

const table = parseIcd10CmTable(smallIcd10CmTsv, 'small@test');
const knowledgeBase = 'knowledge-base';
const modelCard = 'model-card:lesion-classifier';

describe('checkBillingCodes', () => {
  it('keeps a billable code with its description, source and reason', () => {
    const billing = checkBillingCodes(
      [{ code: 'C43.59', source: knowledgeBase, reason: 'melanoma of the back' }],
      table,
    );
    assert.deepEqual(billing, {
      suggestions: [
        {
          system: 'ICD-10-CM',
          code: 'C43.59',
          description: 'Malignant melanoma of other part of trunk',
          billable: true,
          sources: [knowledgeBase],
          reason: 'melanoma of the back',
        },
      ],
      dropped: [],
      codeTableVersion: 'small@test',
    });
  });

  it('normalises a code before checking it', () => {
    const billing = checkBillingCodes([{ code: 'l400', source: knowledgeBase, reason: 'psoriasis' }], table);
    assert.equal(billing.suggestions[0]?.code, 'L40.0');
  });

  it('drops and reports a well-formed code that is not in the table', () => {
    const billing = checkBillingCodes([{ code: 'c44.99', source: 'llm:gpt', reason: 'made up' }], table);
    assert.deepEqual(billing.suggestions, []);
    assert.deepEqual(billing.dropped, [
      { code: 'C44.99', source: 'llm:gpt', reason: 'not in the ICD-10-CM code table' },
    ]);
  });

  it('drops and reports a malformed code as it was given', () => {
    const billing = checkBillingCodes([{ code: 'melanoma', source: 'llm:gpt', reason: 'not a code' }], table);
    assert.deepEqual(billing.suggestions, []);
    assert.deepEqual(billing.dropped, [
      { code: 'melanoma', source: 'llm:gpt', reason: 'not a well-formed ICD-10-CM code' },
    ]);
  });

  it('replaces a category by its single "unspecified" child and says so', () => {
    const billing = checkBillingCodes(
      [{ code: 'D22.6', source: modelCard, reason: 'nevus on the arm' }],
      table,
    );
    assert.deepEqual(billing.suggestions, [
      {
        system: 'ICD-10-CM',
        code: 'D22.60',
        description: 'Melanocytic nevi of unspecified upper limb, including shoulder',
        billable: true,
        sources: [modelCard],
        reason: 'nevus on the arm (D22.6 is a category; its unspecified code is suggested)',
      },
    ]);
  });

  it('replaces a three-character category by its unspecified code', () => {
    const billing = checkBillingCodes([{ code: 'L40', source: modelCard, reason: 'psoriasis' }], table);
    assert.equal(billing.suggestions[0]?.code, 'L40.9');
    assert.equal(billing.suggestions[0]?.billable, true);
  });

  it('replaces C43 by C43.9 although a non-billable child says "other and unspecified"', () => {
    // C43.3 "... other and unspecified parts of face" is a subcategory, not a code to bill.
    const billing = checkBillingCodes([{ code: 'C43', source: modelCard, reason: 'melanoma' }], table);
    assert.equal(billing.suggestions[0]?.code, 'C43.9');
    assert.equal(billing.suggestions[0]?.billable, true);
  });

  it('keeps a category without an unspecified child, flagged not billable', () => {
    const billing = checkBillingCodes(
      [{ code: 'C43.5', source: modelCard, reason: 'melanoma of the trunk' }],
      table,
    );
    assert.deepEqual(
      billing.suggestions.map((suggestion) => [suggestion.code, suggestion.billable, suggestion.reason]),
      [['C43.5', false, 'melanoma of the trunk']],
    );
    assert.deepEqual(billing.dropped, []);
  });

  it('merges the sources of a code suggested twice, without repeating a source', () => {
    const billing = checkBillingCodes(
      [
        { code: 'L82.1', source: knowledgeBase, reason: 'seborrheic keratosis' },
        { code: 'L82.1', source: modelCard, reason: 'classifier finding' },
        { code: 'l82.1', source: knowledgeBase, reason: 'again' },
      ],
      table,
    );
    assert.equal(billing.suggestions.length, 1);
    assert.deepEqual(billing.suggestions[0]?.sources, [knowledgeBase, modelCard]);
    assert.equal(billing.suggestions[0]?.reason, 'seborrheic keratosis');
  });

  it('keeps one suggestion per three-character category: the first, with later sources merged', () => {
    const billing = checkBillingCodes(
      [
        { code: 'D22.5', source: knowledgeBase, reason: 'nevus on the back' },
        { code: 'D22.9', source: modelCard, reason: 'classifier finding: nevus' },
        { code: 'C43.59', source: 'llm:gpt', reason: 'melanoma of the back' },
        { code: 'C43.9', source: modelCard, reason: 'classifier finding: melanoma' },
      ],
      table,
    );
    assert.deepEqual(
      billing.suggestions.map((suggestion) => [suggestion.code, suggestion.sources, suggestion.reason]),
      [
        ['D22.5', [knowledgeBase, modelCard], 'nevus on the back'],
        ['C43.59', ['llm:gpt', modelCard], 'melanoma of the back'],
      ],
    );
  });

  it('keeps suggestions of different categories in candidate order', () => {
    const billing = checkBillingCodes(
      [
        { code: 'R21', source: 'llm:gpt', reason: 'rash' },
        { code: 'B07.9', source: 'llm:gpt', reason: 'wart' },
        { code: 'L40.0', source: 'llm:gpt', reason: 'psoriasis' },
      ],
      table,
    );
    assert.deepEqual(
      billing.suggestions.map((suggestion) => suggestion.code),
      ['R21', 'B07.9', 'L40.0'],
    );
  });

  it('reports dropped codes while keeping the valid ones', () => {
    const billing = checkBillingCodes(
      [
        { code: 'X', source: 'llm:gpt', reason: 'junk' },
        { code: 'D22.5', source: knowledgeBase, reason: 'nevus' },
        { code: 'Q82.9', source: 'llm:gpt', reason: 'not in this table' },
      ],
      table,
    );
    assert.deepEqual(
      billing.suggestions.map((suggestion) => suggestion.code),
      ['D22.5'],
    );
    assert.deepEqual(
      billing.dropped.map((entry) => [entry.code, entry.reason]),
      [
        ['X', 'not a well-formed ICD-10-CM code'],
        ['Q82.9', 'not in the ICD-10-CM code table'],
      ],
    );
  });

  it('returns nothing for no candidates', () => {
    assert.deepEqual(checkBillingCodes([], table), {
      suggestions: [],
      dropped: [],
      codeTableVersion: 'small@test',
    });
  });
});

describe('checkBillingCodes on the project code table', () => {
  it('replaces the categories C43 and D22 by C43.9 and D22.9', async (t) => {
    const path = resolve('data/icd10cm-codes.tsv');
    if (!existsSync(path)) {
      t.skip('data/icd10cm-codes.tsv is missing');
      return;
    }
    const projectTable = await loadIcd10CmTable(path);
    const billing = checkBillingCodes(
      [
        { code: 'C43', source: modelCard, reason: 'melanoma' },
        { code: 'D22', source: modelCard, reason: 'nevus' },
      ],
      projectTable,
    );
    assert.deepEqual(
      billing.suggestions.map((suggestion) => [suggestion.code, suggestion.billable]),
      [
        ['C43.9', true],
        ['D22.9', true],
      ],
    );
  });
});
