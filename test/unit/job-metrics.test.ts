import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobMetrics, type MetricPoint } from '../../src/observability/job-metrics.js';
import { sampleRecord } from '../support/records.js';

const byName = (points: MetricPoint[]) =>
  points.map(({ name, value, dimensions }) => [name, value, dimensions] as const);

describe('jobMetrics', () => {
  it('counts a success, its ROI and the duration of every step, not of sub-steps', () => {
    const box = { x: 1, y: 2, width: 3, height: 4 };
    const record = sampleRecord({
      localization: {
        detector: { id: 'd', version: '1', status: 'demo' },
        detections: [],
        roi: { box, paddedBox: box, label: 'lesion', confidence: 0.9 },
        cropKey: 'derived/crops/x.jpg',
        note: '',
      },
      timings: { 'load-context': 3, 'fetch-image': 10, 'fetch-image.decode': 7, classify: 20, total: 40 },
    });
    assert.deepEqual(byName(jobMetrics({ record, reused: false })), [
      ['RecordsProcessed', 1, {}],
      ['RecordsSucceeded', 1, {}],
      ['RoiFound', 1, {}],
      ['StepDuration', 3, { step: 'load-context' }],
      ['StepDuration', 10, { step: 'fetch-image' }],
      ['StepDuration', 20, { step: 'classify' }],
      ['JobDuration', 40, {}],
    ]);
  });

  it('counts a failure by code and by the step it came from', () => {
    const record = sampleRecord({
      status: 'failed',
      error: { code: 'CORRUPT_IMAGE', step: 'fetch-image', message: 'truncated', retriable: false },
      timings: { total: 5 },
    });
    assert.deepEqual(byName(jobMetrics({ record, reused: false })), [
      ['RecordsProcessed', 1, {}],
      ['RecordsFailed', 1, { code: 'CORRUPT_IMAGE' }],
      ['StepErrors', 1, { step: 'fetch-image', code: 'CORRUPT_IMAGE' }],
      ['JobDuration', 5, {}],
    ]);
  });

  it('counts a retriable failure as transient: the platform retries it', () => {
    const record = sampleRecord({
      status: 'failed',
      error: { code: 'DEADLINE_EXCEEDED', step: 'classify', message: 'late', retriable: true },
    });
    const names = jobMetrics({ record, reused: false }).map((point) => point.name);
    assert.ok(names.includes('TransientFailures'));
  });

  it('counts a degraded record and the recommender failure behind it', () => {
    const record = sampleRecord({
      status: 'degraded',
      error: { code: 'DEPENDENCY_TIMEOUT', step: 'recommend', message: 'LLM timed out', retriable: true },
      timings: { recommend: 900, total: 1000 },
    });
    const names = byName(jobMetrics({ record, reused: false }));
    assert.ok(names.some(([name]) => name === 'DegradedRecords'));
    assert.ok(names.some(([name, , dims]) => name === 'StepErrors' && dims.code === 'DEPENDENCY_TIMEOUT'));
    assert.ok(!names.some(([name]) => name === 'RecordsFailed'));
  });

  it('counts a run that could not store its record as failed with the code it met', () => {
    assert.deepEqual(byName(jobMetrics({ record: null, reused: false, failureCode: 'STORAGE_ERROR' })), [
      ['RecordsProcessed', 1, {}],
      ['RecordsFailed', 1, { code: 'STORAGE_ERROR' }],
      ['TransientFailures', 1, {}],
      ['StepErrors', 1, { step: 'persist', code: 'STORAGE_ERROR' }],
    ]);
  });

  it('counts a redelivery answered from its record as reused only', () => {
    assert.deepEqual(byName(jobMetrics({ record: sampleRecord(), reused: true })), [
      ['RecordsReused', 1, {}],
    ]);
  });

  it('records no localization metric on routes without a detector', () => {
    const names = jobMetrics({ record: sampleRecord(), reused: false }).map((point) => point.name);
    assert.ok(!names.includes('RoiFound'));
  });
});
