import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeDicomContext } from '../../src/clinical/merge-dicom-context.js';
import { clinicalContext } from '../support/unit-helpers.js';

const empty = clinicalContext();
const dicom = {
  context: { bodySite: 'thorax', ageYears: 61, sex: 'female' as const },
  patient: { name: 'Jane Doe', patientId: 'MRN-1', dateOfBirth: '1952-03-14' },
};

describe('mergeDicomContext', () => {
  it('fills what the metadata left empty from the DICOM tags', () => {
    const merged = mergeDicomContext({ context: empty, patient: {} }, dicom);
    assert.deepEqual(merged.context, { ...empty, bodySite: 'thorax', ageYears: 61, sex: 'female' });
    assert.deepEqual(merged.patient, dicom.patient);
  });

  it('keeps every value the metadata gave', () => {
    const context = { ...empty, bodySite: 'back', ageYears: 54, sex: 'male' as const };
    const merged = mergeDicomContext({ context, patient: { patientId: 'SIDE-9' } }, dicom);
    assert.deepEqual(merged.context, context);
    assert.deepEqual(merged.patient, { name: 'Jane Doe', patientId: 'SIDE-9', dateOfBirth: '1952-03-14' });
  });

  it('returns the metadata as it is for an image that is not DICOM', () => {
    const loaded = { context: empty, patient: {} };
    assert.equal(mergeDicomContext(loaded, undefined), loaded);
  });
});
