/** The CLI's record summary shows probabilities with one decimal and never claims 100% or 0%. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRecordSummary } from '../../src/cli/format-record.js';
import { sampleRecord } from '../support/records.js';

describe('formatRecordSummary probabilities', () => {
  it('reads a saturated softmax as >99.9% and <0.1%, the rest with one decimal', () => {
    const summary = formatRecordSummary(
      sampleRecord({
        classification: {
          model: { id: 'm', version: '1', status: 'demo' },
          input: 'crop',
          labels: [
            { label: 'melanoma', probability: 0.99995, rawProbability: 0.9991 },
            { label: 'melanocytic-nevus', probability: 0.6234, rawProbability: 0.5 },
            { label: 'vascular-lesion', probability: 0, rawProbability: 0.0004 },
          ],
          calibration: { method: 'temperature', temperature: 0.5 },
          modelNotice: null,
        },
      }),
      false,
    );
    assert.match(summary, /melanoma\s+>99\.9% \(>99\.9%\)/);
    assert.match(summary, /melanocytic-nevus\s+62\.3% \(50\.0%\)/);
    assert.match(summary, /vascular-lesion\s+<0\.1% \(<0\.1%\)/);
    assert.doesNotMatch(summary, /100\.0%|\b0\.0%/);
  });
});
