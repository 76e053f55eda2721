import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClinicalMetadata } from '../../src/clinical/clinical-context.js';
import { BadInputError } from '../../src/errors.js';
import { clinicalContext } from '../support/unit-helpers.js';

const patientName = 'Jane Q. Public';

/** Parses, expects INVALID_METADATA from load-context, and returns the message. */
function invalidMetadataMessage(metadata: Record<string, unknown>): string {
  let caught: unknown;
  try {
    parseClinicalMetadata(metadata);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof BadInputError, `expected BadInputError, got ${String(caught)}`);
  assert.equal(caught.code, 'INVALID_METADATA');
  assert.equal(caught.step, 'load-context');
  assert.equal(caught.retriable, false);
  return caught.message;
}

describe('parseClinicalMetadata: keys', () => {
  for (const key of ['body-site', 'body_site', 'bodySite', 'bodysite', 'Body Site', 'BODY-SITE']) {
    it(`reads the body site from "${key}"`, () => {
      const { context } = parseClinicalMetadata({ [key]: 'Upper Back' });
      assert.equal(context.bodySite, 'upper back');
    });
  }

  it('reads S3-style lower-cased keys', () => {
    const { context, patient } = parseClinicalMetadata({
      extent: 'localized',
      anatomicsite: 'forearm',
      ageyears: '54',
      durationdays: '14',
      clinicalnotes: 'itchy for two weeks',
      imagetype: 'Dermoscopic',
      patientname: patientName,
      dateofbirth: '1970-01-01',
    });
    assert.deepEqual(context, {
      extent: 'localized',
      bodySite: 'forearm',
      ageYears: 54,
      sex: null,
      specialty: null,
      durationDays: 14,
      notes: 'itchy for two weeks',
      imageType: 'dermoscopy',
    });
    assert.deepEqual(patient, { name: patientName, dateOfBirth: '1970-01-01' });
  });

  it('returns an all-null unspecified context for empty metadata', () => {
    assert.deepEqual(parseClinicalMetadata({}), { context: clinicalContext(), patient: {} });
  });

  it('ignores unknown keys, even wrongly typed ones', () => {
    const { context, patient } = parseClinicalMetadata({
      extent: 'focal',
      insurer: 'ACME Health',
      ssn: 123456789,
      nested: { any: 'thing' },
    });
    assert.equal(context.extent, 'localized');
    assert.deepEqual(patient, {});
    assert.ok(!JSON.stringify({ context, patient }).includes('ACME'));
  });

  it('ignores keys every JavaScript object inherits', () => {
    const metadata = JSON.parse('{"constructor": "x", "__proto__": {"extent": "widespread"}, "toString": 1}');
    const { context } = parseClinicalMetadata(metadata);
    assert.equal(context.extent, 'unspecified');
  });

  it('treats null and empty-string values as absent', () => {
    const { context } = parseClinicalMetadata({ age: '', sex: null, bodySite: '' });
    assert.equal(context.ageYears, null);
    assert.equal(context.sex, null);
    assert.equal(context.bodySite, null);
  });
});

describe('parseClinicalMetadata: values', () => {
  it('accepts an age written as digits', () => {
    assert.equal(parseClinicalMetadata({ age: '54' }).context.ageYears, 54);
    assert.equal(parseClinicalMetadata({ age: ' 7 ' }).context.ageYears, 7);
  });

  it('accepts a numeric age at both ends of the range', () => {
    assert.equal(parseClinicalMetadata({ age: 0 }).context.ageYears, 0);
    assert.equal(parseClinicalMetadata({ age: 130 }).context.ageYears, 130);
  });

  it('maps extent synonyms: generalized -> widespread, focal -> localized', () => {
    assert.equal(parseClinicalMetadata({ extent: 'generalized' }).context.extent, 'widespread');
    assert.equal(parseClinicalMetadata({ extent: 'Generalised' }).context.extent, 'widespread');
    assert.equal(parseClinicalMetadata({ extent: 'diffuse' }).context.extent, 'widespread');
    assert.equal(parseClinicalMetadata({ distribution: ' Focal ' }).context.extent, 'localized');
    assert.equal(parseClinicalMetadata({ extent: 'localised' }).context.extent, 'localized');
    assert.equal(parseClinicalMetadata({ extent: 'unknown' }).context.extent, 'unspecified');
  });

  it('reads how the image was taken, and refuses a word it does not know', () => {
    assert.equal(parseClinicalMetadata({ imageType: 'dermatoscopy' }).context.imageType, 'dermoscopy');
    assert.equal(parseClinicalMetadata({ 'capture-type': 'photo' }).context.imageType, 'clinical');
    assert.equal(parseClinicalMetadata({}).context.imageType, null);
    assert.throws(
      () => parseClinicalMetadata({ imageType: 'ultrasound' }),
      (error: unknown) => error instanceof BadInputError && /imageType: expected one of/.test(error.message),
    );
  });

  it('defaults a missing extent to unspecified', () => {
    assert.equal(parseClinicalMetadata({ bodySite: 'back' }).context.extent, 'unspecified');
  });

  it('maps sex words and letters', () => {
    assert.equal(parseClinicalMetadata({ sex: 'F' }).context.sex, 'female');
    assert.equal(parseClinicalMetadata({ gender: 'male' }).context.sex, 'male');
  });

  it('lower-cases the specialty and trims the notes', () => {
    const { context } = parseClinicalMetadata({ specialty: ' Dermatology ', notes: '  new lesion  ' });
    assert.equal(context.specialty, 'dermatology');
    assert.equal(context.notes, 'new lesion');
  });

  it('treats whitespace-only notes as no notes', () => {
    assert.equal(parseClinicalMetadata({ notes: '   ' }).context.notes, null);
  });

  it('accepts notes of exactly 4000 characters', () => {
    assert.equal(parseClinicalMetadata({ notes: 'a'.repeat(4000) }).context.notes?.length, 4000);
  });
});

describe('parseClinicalMetadata: patient identifiers', () => {
  it('puts patientName, mrn and dob in patient and nowhere in context', () => {
    const { context, patient } = parseClinicalMetadata({
      patientName,
      mrn: 'MRN-0048213',
      dob: '1971-03-09',
      extent: 'localized',
      bodySite: 'left forearm',
    });
    assert.deepEqual(patient, { name: patientName, patientId: 'MRN-0048213', dateOfBirth: '1971-03-09' });
    assert.deepEqual(Object.keys(context).sort(), [
      'ageYears',
      'bodySite',
      'durationDays',
      'extent',
      'imageType',
      'notes',
      'sex',
      'specialty',
    ]);
    const serialised = JSON.stringify(context);
    for (const identifier of [patientName, 'MRN-0048213', '1971-03-09']) {
      assert.ok(!serialised.includes(identifier), `${identifier} leaked into the context`);
    }
  });

  it('reads the other identifier aliases', () => {
    const { patient } = parseClinicalMetadata({
      name: patientName,
      'patient-id': 'P-1',
      birthdate: '2001-02-03',
    });
    assert.deepEqual(patient, { name: patientName, patientId: 'P-1', dateOfBirth: '2001-02-03' });
  });
});

describe('parseClinicalMetadata: invalid values name the key, never the value', () => {
  const cases: { title: string; metadata: Record<string, unknown>; key: RegExp; value: string }[] = [
    { title: 'age "fifty"', metadata: { age: 'fifty' }, key: /age/i, value: 'fifty' },
    { title: 'age 54.5', metadata: { age: 54.5 }, key: /age/i, value: '54.5' },
    { title: 'age true', metadata: { age: true }, key: /age/i, value: 'true' },
    { title: 'age 200', metadata: { age: 200 }, key: /age/i, value: '200' },
    { title: 'age "200"', metadata: { age: '200' }, key: /age/i, value: '200' },
    { title: 'age -3', metadata: { age: -3 }, key: /age/i, value: '-3' },
    { title: 'extent "everywhere"', metadata: { extent: 'everywhere' }, key: /extent/, value: 'everywhere' },
    {
      title: 'oversized notes',
      metadata: { notes: `${patientName} ${'x'.repeat(4001)}` },
      key: /notes/,
      value: patientName,
    },
    { title: 'numeric specialty', metadata: { specialty: 4711 }, key: /specialty/, value: '4711' },
    { title: 'a name in the age field', metadata: { age: patientName }, key: /age/i, value: patientName },
    {
      title: 'a name in the extent field',
      metadata: { extent: patientName },
      key: /extent/,
      value: patientName,
    },
    { title: 'a name in the sex field', metadata: { sex: patientName }, key: /sex/, value: patientName },
    {
      title: 'a name in the duration field',
      metadata: { duration: patientName },
      key: /duration/i,
      value: patientName,
    },
    {
      title: 'a name as an array body site',
      metadata: { bodySite: [patientName] },
      key: /bodySite/,
      value: patientName,
    },
    {
      title: 'an object patient name',
      metadata: { patientName: { first: patientName } },
      key: /name/,
      value: patientName,
    },
  ];
  // Found by the bad-input corpus: `in` accepted these, and the extent became a function.
  for (const inherited of ['constructor', '__proto__', 'hasOwnProperty']) {
    it(`refuses "${inherited}" as an extent or a sex`, () => {
      assert.match(invalidMetadataMessage({ extent: inherited }), /extent/);
      assert.match(invalidMetadataMessage({ sex: inherited }), /sex/);
    });
  }

  for (const { title, metadata, key, value } of cases) {
    it(`refuses ${title}`, () => {
      const message = invalidMetadataMessage(metadata);
      assert.match(message, key);
      assert.ok(!message.includes(value), `the message "${message}" contains the value ${value}`);
    });
  }

  it('names every invalid key in one message', () => {
    const message = invalidMetadataMessage({ age: 'old', extent: 'everywhere', specialty: 12 });
    assert.match(message, /ageYears/);
    assert.match(message, /extent/);
    assert.match(message, /specialty/);
  });
});
