/** Builds valid records for store tests. */
import type { DeidentifiedContext } from '../../src/domain.js';
import { type InferenceRecord, recordIdFor } from '../../src/record.js';

/** The de-identified context of a localized lesion on a 54-year-old woman's back. */
export const sampleContext: DeidentifiedContext = {
  extent: 'localized',
  bodySite: 'back',
  age: '54',
  sex: 'female',
  specialty: 'dermatology',
  durationDays: 30,
  imageType: 'clinical',
};

export function sampleRecord(overrides: Partial<InferenceRecord> & { key?: string } = {}): InferenceRecord {
  const { key = 'uploads/sample.jpg', ...rest } = overrides;
  const source = { bucket: 'test-bucket', key, etag: '"abc"' };
  return {
    id: recordIdFor(source),
    schemaVersion: 1,
    status: 'succeeded',
    source,
    requestId: 'request-1',
    trigger: 'cli',
    inputSha256: 'a'.repeat(64),
    image: { format: 'jpeg', width: 640, height: 480, bytes: 12345 },
    context: { ...sampleContext, notesProvided: true, notesRedactions: { name: 1 } },
    route: null,
    localization: null,
    classification: {
      model: { id: 'm', version: '1', status: 'demo' },
      input: 'crop',
      labels: [{ label: 'a', probability: 1, rawProbability: 1 }],
      calibration: null,
      modelNotice: null,
    },
    recommendation: null,
    billing: null,
    error: null,
    timings: { total: 12.5 },
    createdAt: '2026-11-28T10:00:00.000Z',
    updatedAt: '2026-11-28T10:00:00.000Z',
    ...rest,
  };
}
