import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudEvent } from 'cloudevents';
import { RecordEventType, recordEvent } from '../../src/events/record-event.js';
import { everyRecordShape, failedRecord, localizedFinalRecord } from '../support/reportable-records.js';

const settings = { source: '/ddx-assist/test', links: { apiBaseUrl: 'https://ddx.example.org' } };

describe('record events (CloudEvents 1.0)', () => {
  for (const [shape, build] of Object.entries(everyRecordShape)) {
    it(`is a valid CloudEvent with only allow-listed data: ${shape}`, () => {
      const record = build();
      for (const type of Object.values(RecordEventType)) {
        const event = recordEvent(record, type, settings);
        // The CloudEvents SDK's own validation (spec version, required attributes, formats).
        assert.doesNotThrow(() => new CloudEvent({ ...event }, true).validate());
        assert.equal(event.subject, record.id);
        assert.deepEqual(Object.keys(event.data).sort(), [
          'errorCode',
          'links',
          'recordId',
          'reviewState',
          'status',
          'verdict',
        ]);
        // Nothing from the upload's key, context or review text leaks into an event.
        const text = JSON.stringify(event);
        for (const forbidden of [
          'uploads/',
          'Jane',
          'Dr. A. Reviewer',
          'refer for excision',
          'image out of focus',
          'back',
        ]) {
          assert.ok(!text.includes(forbidden), `${forbidden} is not in the event`);
        }
      }
    });
  }

  it('carries status, verdict, review state and links by record id', () => {
    const record = localizedFinalRecord();
    const event = recordEvent(record, RecordEventType.completed, settings);
    assert.deepEqual(event.data, {
      recordId: record.id,
      status: 'succeeded',
      verdict: 'confident',
      reviewState: 'final',
      errorCode: null,
      links: {
        record: `https://ddx.example.org/v1/records/${record.id}`,
        fhir: `https://ddx.example.org/v1/records/${record.id}/fhir`,
        pdf: `https://ddx.example.org/v1/records/${record.id}/report.pdf`,
        dicomSr: null,
      },
    });
    assert.equal(
      recordEvent(failedRecord(), RecordEventType.completed, settings).data.errorCode,
      'CORRUPT_IMAGE',
    );
  });

  it('has one id per record version and type: rebuilt events keep their id, new versions get a new one', () => {
    const record = localizedFinalRecord();
    const completed = recordEvent(record, RecordEventType.completed, settings);
    assert.equal(recordEvent(record, RecordEventType.completed, settings).id, completed.id);
    assert.notEqual(recordEvent(record, RecordEventType.reviewed, settings).id, completed.id);
    const later = { ...record, updatedAt: '2026-11-29T00:00:00.000Z' };
    assert.notEqual(recordEvent(later, RecordEventType.completed, settings).id, completed.id);
    const reviewedAgain = {
      ...record,
      review: record.review && { ...record.review, at: '2026-11-30T00:00:00.000Z' },
    };
    assert.notEqual(
      recordEvent(reviewedAgain, RecordEventType.reviewed, settings).id,
      recordEvent(record, RecordEventType.reviewed, settings).id,
    );
  });

  it('links the DICOM SR only for DICOM inputs', () => {
    const record = {
      ...localizedFinalRecord(),
      image: { format: 'dicom', width: 720, height: 540, bytes: 400_000 },
    };
    assert.match(
      recordEvent(record, RecordEventType.completed, settings).data.links.dicomSr ?? '',
      /\/dicom-sr$/,
    );
  });
});
