import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bundle, DiagnosticReport, Media, Observation, Resource } from '@medplum/fhirtypes';
import { fhirBundle, fhirTransaction } from '../../src/outputs/fhir-bundle.js';
import { fhirValidationIssues } from '../support/fhir-validator.js';
import {
  everyRecordShape,
  failedRecord,
  localizedFinalRecord,
  outOfScopeRecord,
  rejectedRecord,
  wholeImageUncertainRecord,
  widespreadUnassessedRecord,
} from '../support/reportable-records.js';

const links = { apiBaseUrl: 'https://ddx.example.org/' };

function resourcesOf<T extends Resource>(bundle: Bundle, type: T['resourceType']): T[] {
  return (bundle.entry ?? [])
    .map((entry) => entry.resource)
    .filter((resource) => resource?.resourceType === type) as T[];
}

function reportOf(bundle: Bundle): DiagnosticReport {
  const [report] = resourcesOf<DiagnosticReport>(bundle, 'DiagnosticReport');
  assert.ok(report, 'the bundle has a DiagnosticReport');
  return report;
}

function resolve(bundle: Bundle, reference: string | undefined): Resource | undefined {
  return bundle.entry?.find((entry) => entry.fullUrl === reference)?.resource;
}

describe('FHIR R4 bundle', () => {
  for (const [shape, build] of Object.entries(everyRecordShape)) {
    it(`validates against the R4 definitions: ${shape}`, () => {
      for (const patient of [
        undefined,
        { identifier: { system: 'urn:oid:2.16.840.1.113883.19.5', value: 'MRN-7' } },
      ]) {
        const bundle = fhirBundle(build(), { links, patient });
        assert.deepEqual(fhirValidationIssues(bundle), []);
        assert.deepEqual(fhirValidationIssues(fhirTransaction(bundle)), []);
        // Every reference inside the bundle resolves to an entry of the type the element allows.
        const report = reportOf(bundle);
        for (const result of report.result ?? []) {
          assert.equal(resolve(bundle, result.reference)?.resourceType, 'Observation');
        }
        for (const media of report.media ?? [])
          assert.equal(resolve(bundle, media.link.reference)?.resourceType, 'Media');
        for (const observation of resourcesOf<Observation>(bundle, 'Observation')) {
          if (observation.device)
            assert.equal(resolve(bundle, observation.device.reference)?.resourceType, 'Device');
          for (const source of observation.derivedFrom ?? []) {
            assert.equal(resolve(bundle, source.reference)?.resourceType, 'Media');
          }
        }
        const references = JSON.stringify(bundle).match(/"reference":"urn:uuid:[^"]+"/g) ?? [];
        for (const match of references) {
          const url = match.slice('"reference":"'.length, -1);
          assert.ok(resolve(bundle, url), `${url} resolves`);
        }
      }
    });
  }

  it('reports a final review as a final report with the reviewer and their codes', () => {
    const bundle = fhirBundle(localizedFinalRecord(), { links });
    const report = reportOf(bundle);
    assert.equal(report.status, 'final');
    assert.deepEqual(report.resultsInterpreter, [{ display: 'Dr. A. Reviewer' }]);
    assert.deepEqual(
      report.conclusionCode?.map((concept) => concept.coding?.[0]?.code),
      ['C43.59'],
    );
    assert.match(report.conclusion ?? '', /Most likely finding: Melanoma \(72%, calibrated\)/);
    assert.match(report.conclusion ?? '', /Clinician review \(final\): Melanoma, refer for excision/);
    assert.match(report.conclusion ?? '', /not a diagnosis/);
    for (const observation of resourcesOf<Observation>(bundle, 'Observation')) {
      assert.equal(observation.status, 'final');
    }
  });

  it('is preliminary before review, with the top label and the card-mapped ICD-10-CM codes as conclusion codes', () => {
    const bundle = fhirBundle(wholeImageUncertainRecord(), { links });
    const report = reportOf(bundle);
    assert.equal(report.status, 'preliminary');
    assert.deepEqual(
      report.conclusionCode?.map((concept) => `${concept.coding?.[0]?.system}|${concept.coding?.[0]?.code}`),
      [
        'https://ddx-assist.org/fhir/CodeSystem/model-label|melanoma',
        'http://hl7.org/fhir/sid/icd-10-cm|C43.59',
      ],
    );
    assert.match(
      report.conclusion ?? '',
      /Assessment: uncertain \(the two most likely labels are within 10 points\)/,
    );
    assert.match(report.conclusion ?? '', /whole image was classified/);
  });

  it('is cancelled when the review rejected the result, and when the job failed', () => {
    assert.equal(reportOf(fhirBundle(rejectedRecord(), { links })).status, 'cancelled');
    const failed = fhirBundle(failedRecord(), { links });
    assert.equal(reportOf(failed).status, 'cancelled');
    assert.match(reportOf(failed).conclusion ?? '', /failed at step fetch-image \(CORRUPT_IMAGE\)/);
    assert.equal(resourcesOf(failed, 'Media').length, 0);
  });

  it('gives one Observation per ranked label, with the calibrated and raw probabilities as components', () => {
    const record = localizedFinalRecord();
    const bundle = fhirBundle(record, { links });
    const findings = resourcesOf<Observation>(bundle, 'Observation').filter(
      (observation) => observation.code.coding?.[0]?.code === 'classifier-finding',
    );
    assert.equal(findings.length, record.classification?.labels.length);
    const [melanoma] = findings;
    assert.equal(melanoma?.valueCodeableConcept?.coding?.[0]?.code, 'melanoma');
    assert.equal(melanoma?.valueCodeableConcept?.coding?.[0]?.version, 'lesion-classifier@1.0.0');
    const component = (code: string) =>
      melanoma?.component?.find((entry) => entry.code.coding?.[0]?.code === code);
    assert.deepEqual(component('calibrated-probability')?.valueQuantity, {
      value: 0.72,
      unit: 'probability',
      system: 'http://unitsofmeasure.org',
      code: '1',
    });
    assert.equal(component('model-probability')?.valueQuantity?.value, 0.97);
    assert.equal(component('rank')?.valueInteger, 1);
    assert.match(
      melanoma?.method?.text ?? '',
      /lesion-classifier 1\.0\.0 on the cropped region of interest; probabilities calibrated by temperature scaling \(T=1\.8\)/,
    );
    // The finding names its model and the crop it was read from.
    const device = resolve(bundle, melanoma?.device?.reference);
    assert.equal(device?.resourceType, 'Device');
    const source = resolve(bundle, melanoma?.derivedFrom?.[0]?.reference) as Media | undefined;
    assert.equal(source?.content.url, `https://ddx.example.org/v1/records/${record.id}/crop`);
  });

  it('says when probabilities are not calibrated and when the record was not assessed', () => {
    const bundle = fhirBundle(widespreadUnassessedRecord(), { links });
    const observations = resourcesOf<Observation>(bundle, 'Observation');
    const finding = observations.find(
      (observation) => observation.code.coding?.[0]?.code === 'classifier-finding',
    );
    assert.equal(finding?.component?.[0]?.code.coding?.[0]?.code, 'uncalibrated-probability');
    const assessment = observations.find(
      (observation) => observation.code.coding?.[0]?.code === 'result-assessment',
    );
    assert.equal(assessment?.dataAbsentReason?.coding?.[0]?.code, 'not-performed');
    assert.equal(assessment?.valueCodeableConcept, undefined);
  });

  it('reports the verdict and its reasons, and no finding when out of scope', () => {
    const bundle = fhirBundle(outOfScopeRecord(), { links });
    const observations = resourcesOf<Observation>(bundle, 'Observation');
    assert.deepEqual(
      observations.map((observation) => observation.code.coding?.[0]?.code),
      ['result-assessment'],
    );
    const [assessment] = observations;
    assert.equal(assessment?.valueCodeableConcept?.coding?.[0]?.code, 'out-of-scope');
    assert.equal(assessment?.component?.[0]?.valueCodeableConcept?.coding?.[0]?.code, 'NOT_SKIN');
    assert.equal(reportOf(bundle).conclusionCode, undefined);
  });

  it('describes each model as a Device with version, card link and demo status', () => {
    const bundle = fhirBundle(localizedFinalRecord(), {
      links: { ...links, modelCardBaseUrl: 'https://cards.example.org' },
    });
    const devices = resourcesOf<import('@medplum/fhirtypes').Device>(bundle, 'Device');
    assert.deepEqual(
      devices.map((device) => [
        device.deviceName?.[0]?.name,
        device.version?.[0]?.value,
        device.contact?.[0]?.value,
      ]),
      [
        ['lesion-detector', '1.0.0', 'https://cards.example.org/lesion-detector/card'],
        ['lesion-classifier', '1.0.0', 'https://cards.example.org/lesion-classifier/card'],
      ],
    );
    for (const device of devices) {
      assert.equal(device.property?.[0]?.valueCode?.[0]?.coding?.[0]?.code, 'demo');
      assert.match(device.note?.[0]?.text ?? '', /Demo model: not validated for clinical use/);
    }
    const unstated = resourcesOf<import('@medplum/fhirtypes').Device>(
      fhirBundle(widespreadUnassessedRecord(), { links }),
      'Device',
    );
    assert.match(unstated[0]?.note?.[0]?.text ?? '', /Validation status not stated/);
  });

  it('links the image and the crop by reference, by record id only', () => {
    const record = localizedFinalRecord();
    const bundle = fhirBundle(record, { links });
    const media = resourcesOf<Media>(bundle, 'Media');
    assert.deepEqual(
      media.map((item) => [
        item.content.url,
        item.content.contentType,
        item.width,
        item.height,
        item.content.data,
      ]),
      [
        [`https://ddx.example.org/v1/records/${record.id}/image`, 'image/jpeg', 720, 540, undefined],
        [`https://ddx.example.org/v1/records/${record.id}/crop`, 'image/jpeg', 251, 202, undefined],
      ],
    );
    // The object key carries a name ("Jane Doe back.jpg"): it is in no resource.
    assert.doesNotMatch(JSON.stringify(bundle), /Jane|uploads\//);
  });

  it('has a subject only when a patient identifier is given, and carries no other identifier', () => {
    const record = localizedFinalRecord();
    const anonymous = fhirBundle(record, { links });
    assert.doesNotMatch(JSON.stringify(anonymous), /"subject"/);
    const identified = fhirBundle(record, {
      links,
      patient: { identifier: { system: 'urn:mrn', value: 'MRN-7' } },
    });
    const report = reportOf(identified);
    assert.deepEqual(report.subject, { type: 'Patient', identifier: { system: 'urn:mrn', value: 'MRN-7' } });
    for (const entry of identified.entry ?? []) {
      if (entry.resource?.resourceType === 'Device') continue;
      assert.ok('subject' in (entry.resource ?? {}), `${entry.resource?.resourceType} has the subject`);
    }
  });

  it('gives the same ids and full URLs every time, and PUTs each resource by id in a transaction', () => {
    const first = fhirBundle(localizedFinalRecord(), { links });
    const second = fhirBundle(localizedFinalRecord(), { links });
    assert.deepEqual(first, second);
    const transaction = fhirTransaction(first);
    assert.equal(transaction.type, 'transaction');
    for (const entry of transaction.entry ?? []) {
      assert.equal(entry.request?.method, 'PUT');
      assert.equal(entry.request?.url, `${entry.resource?.resourceType}/${entry.resource?.id}`);
      assert.match(entry.resource?.id ?? '', /^[A-Za-z0-9\-.]{1,64}$/);
      assert.match(
        entry.fullUrl ?? '',
        /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });

  it('the validator rejects a broken bundle (it is not a rubber stamp)', () => {
    const bundle = fhirBundle(localizedFinalRecord(), { links });
    const report = bundle.entry?.[0]?.resource as DiagnosticReport;
    const { code: _code, ...withoutCode } = report;
    const broken = {
      ...bundle,
      entry: [{ ...bundle.entry?.[0], resource: { ...withoutCode, issued: 'yesterday' } }],
    };
    const issues = fhirValidationIssues(broken as Bundle);
    assert.ok(
      issues.some(
        (issue) => /Missing required property/.test(issue) && /entry\[0\]\.resource\.code/.test(issue),
      ),
      issues.join('\n'),
    );
    assert.ok(
      issues.some((issue) => /issued/.test(issue)),
      issues.join('\n'),
    );
  });
});
