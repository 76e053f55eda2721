/**
 * `ddx eval`'s Done-when checks (issue 10) are each judged on the images they are about: a folder
 * of real lesions gets the answer checks only, non-skin rows the refusal check, the project's
 * synthetic held-out set the coverage check.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EvalItem } from '../../src/evaluation/eval-item.js';
import { doneWhenChecks } from '../../src/evaluation/eval-report.js';

const item = (overrides: Partial<EvalItem>): EvalItem => ({
  file: 'x.jpg',
  dx: 'nv',
  expected: 'melanocytic-nevus',
  malignant: false,
  metadata: {},
  status: 'succeeded',
  errorCode: null,
  verdict: 'confident',
  reasons: [],
  top: [{ label: 'melanocytic-nevus', probability: 0.9, rawProbability: 0.8 }],
  classifier: 'lesion-classifier',
  roiIoU: null,
  roiExpected: false,
  scores: {},
  latencyMs: 10,
  ...overrides,
});
const names = (items: EvalItem[]) => doneWhenChecks(items, ['melanoma']).map((check) => check.name);

describe('doneWhenChecks', () => {
  it('judges a folder of real lesions by the answer checks alone', () => {
    const checks = names([item({}), item({ dx: 'mel', expected: 'melanoma', malignant: true })]);
    assert.equal(checks.length, 5);
    assert.ok(checks.includes('dangerous misses (malignant called benign, confident)'));
    assert.ok(!checks.some((name) => name.includes('non-skin') || name.includes('synthetic')));
  });

  it('judges non-skin rows by how many were refused', () => {
    const refused = item({ dx: 'not-skin', expected: null, verdict: 'out-of-scope', top: [] });
    const answered = item({ dx: 'not-skin', expected: null, verdict: 'confident' });
    const checks = doneWhenChecks([refused, refused, refused, answered], ['melanoma']);
    assert.deepEqual(
      checks.map(({ name, value, met }) => ({ name, value, met })),
      [{ name: 'out of scope or refused (non-skin images)', value: '75.0%', met: false }],
    );
  });

  it('judges the synthetic held-out set by its confident share, degraded copies left out', () => {
    const synthetic = { set: 'synthetic', quality: 'good' };
    const checks = doneWhenChecks(
      [
        item({ metadata: synthetic }),
        item({ metadata: synthetic }),
        item({ metadata: { set: 'synthetic', quality: 'blurred' }, verdict: 'out-of-scope' }),
      ],
      ['melanoma'],
    );
    assert.deepEqual(
      checks.map(({ name, value, met }) => ({ name, value, met })),
      [{ name: 'answered confident (synthetic held-out)', value: '100.0%', met: true }],
    );
  });
});
