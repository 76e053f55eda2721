import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rankLabels, softmax } from '../../src/models/rank-labels.js';

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

function assertClose(actual: number | undefined, expected: number, tolerance = 1e-12): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= tolerance,
    `${actual} is not within ${tolerance} of ${expected}`,
  );
}

describe('softmax', () => {
  it('sums to 1', () => {
    assertClose(sum(softmax([0.3, -1.2, 2.5, 0])), 1);
  });

  it('gives equal probabilities for equal logits', () => {
    assert.deepEqual(softmax([2, 2, 2, 2]), [0.25, 0.25, 0.25, 0.25]);
  });

  it('gives e / (1 + e) for logits 1 and 0', () => {
    const [first, second] = softmax([1, 0]);
    assertClose(first, Math.E / (1 + Math.E));
    assertClose(second, 1 / (1 + Math.E));
  });

  it('stays finite for large logits 1000 and 1001', () => {
    const probabilities = softmax([1000, 1001]);
    assert.ok(probabilities.every(Number.isFinite), JSON.stringify(probabilities));
    assertClose(probabilities[0], 1 / (1 + Math.E));
    assertClose(probabilities[1], Math.E / (1 + Math.E));
    assertClose(sum(probabilities), 1);
  });

  it('stays finite for very negative logits', () => {
    const probabilities = softmax([-1000, -1001]);
    assertClose(probabilities[0], Math.E / (1 + Math.E));
    assertClose(sum(probabilities), 1);
  });

  it('accepts a Float32Array', () => {
    const probabilities = softmax(new Float32Array([0, 0]));
    assert.deepEqual(probabilities, [0.5, 0.5]);
  });
});

describe('rankLabels', () => {
  const labels = ['nevus', 'melanoma', 'keratosis'];

  it('ranks labels by probability, highest first', () => {
    const ranked = rankLabels([0.1, 2.0, 1.0], labels, 'logits');
    assert.deepEqual(
      ranked.map((score) => score.label),
      ['melanoma', 'keratosis', 'nevus'],
    );
    assertClose(sum(ranked.map((score) => score.probability)), 1);
    assertClose(ranked[0]?.probability, Math.exp(2) / (Math.exp(0.1) + Math.exp(2) + Math.exp(1)));
  });

  it('keeps the label order for tied scores', () => {
    const ranked = rankLabels([0.5, 0.5, 0], labels, 'logits');
    assert.deepEqual(
      ranked.map((score) => score.label),
      ['nevus', 'melanoma', 'keratosis'],
    );
  });

  it('passes probabilities through unchanged', () => {
    const ranked = rankLabels([0.2, 0.5, 0.3], labels, 'probabilities');
    assert.deepEqual(ranked, [
      { label: 'melanoma', probability: 0.5 },
      { label: 'keratosis', probability: 0.3 },
      { label: 'nevus', probability: 0.2 },
    ]);
  });

  it('passes float32 probabilities through as their float32 values', () => {
    const ranked = rankLabels(new Float32Array([0.7, 0.2, 0.1]), labels, 'probabilities');
    assert.deepEqual(
      ranked.map((score) => score.probability),
      [Math.fround(0.7), Math.fround(0.2), Math.fround(0.1)],
    );
  });

  it('ranks large logits without overflow', () => {
    const ranked = rankLabels([1000, 1001, 999], labels, 'logits');
    assert.equal(ranked[0]?.label, 'melanoma');
    assert.ok(ranked.every((score) => Number.isFinite(score.probability)));
  });

  it('throws when there are more scores than labels', () => {
    assert.throws(() => rankLabels([0.1, 0.2, 0.3, 0.4], labels, 'logits'), {
      message: 'the model returned 4 scores for 3 labels',
    });
  });

  it('throws when there are fewer scores than labels', () => {
    assert.throws(() => rankLabels([0.1], labels, 'probabilities'), {
      message: 'the model returned 1 scores for 3 labels',
    });
  });

  it('throws for a NaN logit', () => {
    assert.throws(() => rankLabels([0.1, Number.NaN, 0.3], labels, 'logits'), {
      message: 'the model returned a non-finite score',
    });
  });

  it('throws for a NaN probability', () => {
    assert.throws(() => rankLabels([0.1, Number.NaN, 0.3], labels, 'probabilities'), {
      message: 'the model returned a non-finite score',
    });
  });

  it('throws for an infinite logit', () => {
    assert.throws(() => rankLabels([0.1, Number.POSITIVE_INFINITY, 0.3], labels, 'logits'), {
      message: 'the model returned a non-finite score',
    });
  });
});
