import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import {
  checkReplyText,
  checkReplyValue,
  type JsonSchema,
  languageModelDisclaimer,
  type ReplyCheck,
  recommendationJsonSchema,
  repairInstruction,
  strictJsonSchema,
} from '../../src/adapters/shared/llm/llm-reply.js';
import { recommendationSchema } from '../../src/clinical/recommendation-schema.js';
import type { Recommendation } from '../../src/domain.js';

const valid: Recommendation = {
  differentials: [
    { condition: 'Melanoma', likelihood: 'high', rationale: 'Classifier gave 81%.', icd10cm: ['C43.59'] },
  ],
  followUpTests: [{ test: 'Excisional biopsy', rationale: 'Histology confirms or excludes melanoma.' }],
  treatmentConsiderations: [],
  redFlags: [{ flag: 'Bleeding or ulceration', rationale: 'Suggests invasive disease.' }],
  uncertainty: null,
  disclaimer: 'This is definitely melanoma.',
};

function problemOf(check: ReplyCheck): string {
  assert.equal(check.ok, false, 'the reply is rejected');
  return check.ok ? '' : check.problem;
}

describe('checkReplyText', () => {
  it('accepts a valid recommendation and sets the fixed disclaimer', () => {
    const check = checkReplyText(JSON.stringify(valid));
    assert.ok(check.ok);
    assert.deepEqual(check.recommendation, { ...valid, disclaimer: languageModelDisclaimer });
  });

  it('strips a Markdown fence, with or without a language and surrounding prose', () => {
    for (const text of [
      `\`\`\`json\n${JSON.stringify(valid)}\n\`\`\``,
      `\`\`\`\n${JSON.stringify(valid)}\n\`\`\`\n`,
      `Here is the JSON:\n\`\`\`JSON\n${JSON.stringify(valid, null, 2)}\n\`\`\``,
    ]) {
      assert.ok(checkReplyText(text).ok, text);
    }
  });

  it('says when the reply is not JSON', () => {
    assert.match(problemOf(checkReplyText('{"differentials": [')), /^the reply is not valid JSON \(/);
    assert.match(problemOf(checkReplyText('Melanoma, probably.')), /not valid JSON/);
  });

  it('says when the reply is empty', () => {
    assert.match(problemOf(checkReplyText('')), /empty/);
    assert.match(problemOf(checkReplyText(null)), /empty/);
    assert.match(problemOf(checkReplyText('```json\n```')), /empty/);
  });

  it('names each schema violation by its path', () => {
    const reply = {
      ...valid,
      differentials: [{ ...valid.differentials[0], likelihood: 'certain' }],
      uncertainty: 7,
      disclaimer: undefined,
    };
    const problem = problemOf(checkReplyText(JSON.stringify(reply)));
    assert.match(problem, /^the JSON does not match the schema: /);
    assert.match(problem, /differentials\[0\]\.likelihood: /);
    assert.match(problem, /uncertainty: /);
    assert.match(problem, /disclaimer: /);
  });

  it('reports at most twenty issues and counts the rest', () => {
    const reply = {
      ...valid,
      followUpTests: Array.from({ length: 10 }, () => ({ test: '', rationale: '' })),
      redFlags: Array.from({ length: 10 }, () => ({ flag: '', rationale: '' })),
    };
    const problem = problemOf(checkReplyValue(reply));
    assert.match(problem, /; and 20 more$/);
  });

  it('rejects a top-level value that is not an object', () => {
    assert.match(problemOf(checkReplyValue([valid])), /\(top level\): /);
  });
});

describe('repairInstruction', () => {
  it('quotes the problem and asks for corrected JSON only', () => {
    const instruction = repairInstruction('the reply is not valid JSON (Unexpected end)');
    assert.match(instruction, /the reply is not valid JSON \(Unexpected end\)/);
    assert.match(instruction, /corrected JSON object only/);
  });
});

/** Every object node of a JSON Schema, nested ones included. */
function objectNodes(node: unknown): JsonSchema[] {
  if (Array.isArray(node)) return node.flatMap(objectNodes);
  if (typeof node !== 'object' || node === null) return [];
  const schema = node as JsonSchema;
  const children = Object.entries(schema).flatMap(([key, value]) =>
    key === 'properties' && typeof value === 'object' && value !== null
      ? Object.values(value).flatMap(objectNodes)
      : objectNodes(value),
  );
  return 'properties' in schema ? [schema, ...children] : children;
}

describe('recommendationJsonSchema', () => {
  it('fits OpenAI strict mode: all properties required, no extra properties, no string lengths', () => {
    const text = JSON.stringify(recommendationJsonSchema);
    assert.equal(recommendationJsonSchema.$schema, undefined);
    assert.doesNotMatch(text, /"minLength"|"maxLength"/);
    const objects = objectNodes(recommendationJsonSchema);
    assert.equal(objects.length, 5, 'the recommendation and its four item kinds');
    for (const object of objects) {
      assert.equal(object.additionalProperties, false);
      assert.deepEqual(object.required, Object.keys(object.properties as object));
    }
    assert.deepEqual((recommendationJsonSchema.properties as Record<string, JsonSchema>).uncertainty?.anyOf, [
      { type: 'string' },
      { type: 'null' },
    ]);
  });

  it('needs no optional-to-nullable rewrite, so a nullable field can never meet an .optional()', () => {
    for (const object of objectNodes(z.toJSONSchema(recommendationSchema))) {
      assert.deepEqual(object.required, Object.keys(object.properties as object));
    }
  });
});

describe('strictJsonSchema', () => {
  it('makes optional properties required and nullable, at every depth', () => {
    const schema = z.object({
      name: z.string().min(1),
      note: z.string().optional(),
      items: z.array(z.object({ size: z.number().nullable().optional() })),
    });
    assert.deepEqual(strictJsonSchema(z.toJSONSchema(schema)), {
      type: 'object',
      properties: {
        name: { type: 'string' },
        note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        items: {
          type: 'array',
          items: {
            type: 'object',
            properties: { size: { type: ['number', 'null'] } },
            required: ['size'],
            additionalProperties: false,
          },
        },
      },
      required: ['name', 'note', 'items'],
      additionalProperties: false,
    });
  });

  it('keeps a property that is named like a keyword', () => {
    const strict = strictJsonSchema(
      z.toJSONSchema(z.object({ maxLength: z.number(), required: z.string() })),
    );
    assert.deepEqual(Object.keys(strict.properties as object), ['maxLength', 'required']);
  });
});
