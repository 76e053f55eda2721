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

  it('keeps every value the metadata gave, and fills identifiers that agree', () => {
    const context = { ...empty, bodySite: 'back', ageYears: 54, sex: 'male' as const };
    const merged = mergeDicomContext({ context, patient: { patientId: 'mrn 1', name: 'DOE, Jane' } }, dicom);
    assert.deepEqual(merged.context, context);
    assert.deepEqual(merged.patient, { name: 'DOE, Jane', patientId: 'mrn 1', dateOfBirth: '1952-03-14' });
    assert.equal(merged.otherIdentifiers, undefined);
  });

  it('never mixes two patients: a conflicting header is kept apart and flagged by code', () => {
    const sidecar = { name: 'John Roe', patientId: 'SIDE-9' };
    const merged = mergeDicomContext({ context: empty, patient: sidecar }, dicom);
    assert.deepEqual(merged.patient, sidecar, "the sidecar's identifiers alone, none of the header's");
    assert.deepEqual(merged.otherIdentifiers, dicom.patient, 'held apart, for the notes scrubber');
    assert.deepEqual(merged.context.warnings, ['PATIENT_ID_CONFLICT', 'PATIENT_NAME_CONFLICT']);
  });

  it('flags a conflicting date of birth alone', () => {
    const merged = mergeDicomContext(
      { context: empty, patient: { name: 'Jane Doe', dateOfBirth: '1960-01-01' } },
      dicom,
    );
    assert.deepEqual(merged.context.warnings, ['DATE_OF_BIRTH_CONFLICT']);
    assert.deepEqual(merged.patient, { name: 'Jane Doe', dateOfBirth: '1960-01-01' });
  });

  it('carries the header body part warning into the context', () => {
    const merged = mergeDicomContext(
      { context: empty, patient: {} },
      { context: {}, patient: {}, warnings: ['DICOM_BODY_PART_NOT_IN_VOCABULARY'] },
    );
    assert.deepEqual(merged.context.warnings, ['DICOM_BODY_PART_NOT_IN_VOCABULARY']);
    assert.equal(merged.context.bodySite, null);
  });

  it('returns the metadata as it is for an image that is not DICOM', () => {
    const loaded = { context: empty, patient: {} };
    assert.equal(mergeDicomContext(loaded, undefined), loaded);
  });
});
