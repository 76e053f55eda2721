import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClinicalMetadata } from '../../src/clinical/clinical-context.js';
import { deidentify } from '../../src/clinical/deidentify.js';
import type { ClinicalContext } from '../../src/domain.js';

function context(overrides: Partial<ClinicalContext>): ClinicalContext {
  return {
    extent: 'localized',
    bodySite: 'left forearm',
    ageYears: 54,
    sex: 'female',
    specialty: 'dermatology',
    durationDays: 30,
    notes: 'Jane Q. Public, MRN 0048213, says it bleeds',
    imageType: 'dermoscopy',
    ...overrides,
  };
}

describe('deidentify', () => {
  it('reports an age of 89 as "89"', () => {
    assert.equal(deidentify(context({ ageYears: 89 })).age, '89');
  });

  it('reports ages of 90 and over as "90+"', () => {
    assert.equal(deidentify(context({ ageYears: 90 })).age, '90+');
    assert.equal(deidentify(context({ ageYears: 104 })).age, '90+');
  });

  it('reports age 0 as "0"', () => {
    assert.equal(deidentify(context({ ageYears: 0 })).age, '0');
  });

  it('keeps an unknown age null', () => {
    assert.equal(deidentify(context({ ageYears: null })).age, null);
  });

  it('returns exactly the allow-listed fields, without the notes', () => {
    assert.deepEqual(deidentify(context({})), {
      extent: 'localized',
      bodySite: 'left forearm',
      age: '54',
      sex: 'female',
      specialty: 'dermatology',
      durationDays: 30,
      imageType: 'dermoscopy',
    });
  });

  it('carries no identifier from the uploaded metadata', () => {
    const { context: parsed } = parseClinicalMetadata({
      patientName: 'Jane Q. Public',
      mrn: 'MRN-0048213',
      dob: '1931-05-06',
      age: '93',
      notes: 'Jane Q. Public reports bleeding',
      bodySite: 'scalp',
    });
    const deidentified = deidentify(parsed);
    assert.deepEqual(Object.keys(deidentified).sort(), [
      'age',
      'bodySite',
      'durationDays',
      'extent',
      'imageType',
      'sex',
      'specialty',
    ]);
    assert.equal(deidentified.age, '90+');
    const serialised = JSON.stringify(deidentified);
    for (const identifier of ['Jane', 'MRN-0048213', '1931', 'bleeding', '93']) {
      assert.ok(!serialised.includes(identifier), `${identifier} must not leave the service`);
    }
  });
});
