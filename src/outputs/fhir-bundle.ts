/**
 * A record as a FHIR R4 Bundle (type `collection`): one DiagnosticReport, one Observation per
 * ranked label, one Observation for the assessment, a Device per model and the image and crop as
 * Media, content by reference. A pure function of the record: the patient reference comes from
 * the identifier store, passed in by the caller, and is the only way a patient enters the bundle.
 *
 * @example
 * const bundle = fhirBundle(record, { links: { apiBaseUrl: 'https://ddx.example.org' } });
 * const withPatient = fhirBundle(record, {
 *   links: { apiBaseUrl: 'https://ddx.example.org' },
 *   patient: { identifier: { system: 'urn:oid:1.2.36.146.595.217.0.1', value: 'MRN-12345' } },
 * });
 */
import type { Bundle, BundleEntry, Device, Patient, Reference, Resource } from '@medplum/fhirtypes';
import { assessmentObservation } from './fhir/assessment-observation.js';
import { CodeSystem } from './fhir/code-systems.js';
import { diagnosticReport } from './fhir/diagnostic-report.js';
import { findingObservations } from './fhir/finding-observation.js';
import { recordMedia } from './fhir/image-media.js';
import { modelDevice } from './fhir/model-device.js';
import { fhirResultStatus } from './fhir/report-status.js';
import { type IdentifiedResource, referenceTo } from './fhir/resource-identity.js';
import { type LinkSettings, recordLinks } from './record-links.js';
import type { ReportableRecord } from './reportable-record.js';

/** How the bundle refers to the patient: a logical reference by the clinic's identifier, or a resource URL. */
export type PatientReference =
  | { identifier: { system?: string; value: string }; reference?: never }
  | { reference: string; identifier?: never };

export interface FhirBundleOptions {
  links: LinkSettings;
  /** Only from the identifier store, and only when the clinic gave one: no subject otherwise. */
  patient?: PatientReference;
}

function subjectOf(patient: PatientReference | undefined): Reference<Patient> | undefined {
  if (!patient) return undefined;
  if (patient.reference) return { reference: patient.reference, type: 'Patient' };
  if (patient.identifier) {
    const { system, value } = patient.identifier;
    return { type: 'Patient', identifier: system ? { system, value } : { value } };
  }
  return undefined;
}

function entryOf(item: IdentifiedResource): BundleEntry {
  return { fullUrl: item.identity.fullUrl, resource: { ...item.resource, id: item.identity.id } as Resource };
}

export function fhirBundle(record: ReportableRecord, options: FhirBundleOptions): Bundle {
  const links = recordLinks(record.id, options.links);
  const subject = subjectOf(options.patient);
  const status = fhirResultStatus(record);
  const media = recordMedia(record, links, subject);

  const devices: IdentifiedResource<Device>[] = [];
  if (record.localization)
    devices.push(modelDevice(record.id, record.localization.detector, 'detector', options.links));
  const classifierDevice = record.classification
    ? modelDevice(record.id, record.classification.model, 'classifier', options.links)
    : null;
  if (classifierDevice) devices.push(classifierDevice);

  const classifiedMedia = record.classification?.input === 'crop' ? (media.crop ?? media.image) : media.image;
  const showFindings = record.status !== 'failed' && record.assessment?.verdict !== 'out-of-scope';
  const findings =
    showFindings && record.classification && classifierDevice
      ? findingObservations({
          recordId: record.id,
          status,
          issued: record.updatedAt,
          classification: record.classification,
          device: referenceTo(
            classifierDevice,
            `${record.classification.model.id} ${record.classification.model.version}`,
          ),
          derivedFrom: classifiedMedia ? referenceTo(classifiedMedia) : null,
          subject,
          bodySite: record.context?.bodySite ?? null,
        })
      : [];
  const assessment = assessmentObservation(record.id, record.assessment, status, record.updatedAt, subject);
  const mediaEntries = [
    ...(media.image ? [{ entry: media.image, comment: 'Uploaded image' }] : []),
    ...(media.crop ? [{ entry: media.crop, comment: 'Region of interest (padded crop)' }] : []),
  ];
  const report = diagnosticReport(record, {
    status,
    subject,
    results: [...findings, assessment],
    media: mediaEntries,
  });

  const entries: IdentifiedResource[] = [report, ...findings, assessment, ...devices];
  if (media.image) entries.push(media.image);
  if (media.crop) entries.push(media.crop);
  return {
    resourceType: 'Bundle',
    identifier: { system: CodeSystem.recordId, value: record.id },
    type: 'collection',
    timestamp: record.updatedAt,
    entry: entries.map(entryOf),
  };
}

/**
 * The same resources as a `transaction` for a FHIR server: each one PUT by its stable id, so
 * pushing a record again updates its resources instead of creating duplicates.
 */
export function fhirTransaction(bundle: Bundle): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    ...(bundle.identifier ? { identifier: bundle.identifier } : {}),
    ...(bundle.timestamp ? { timestamp: bundle.timestamp } : {}),
    entry: (bundle.entry ?? []).map((entry) => ({
      ...entry,
      request: { method: 'PUT', url: `${entry.resource?.resourceType}/${entry.resource?.id}` },
    })),
  };
}
