/**
 * A record of a DICOM input as a DICOM Comprehensive SR (Part 10 bytes) holding a TID 1500
 * Measurement Report (see dicom-sr/measurement-report.ts): it references the analysed SOP Instance,
 * names the detector and classifier (TID 4019), carries the ROI as SCOORD and the findings as coded
 * concepts with their probabilities. Encoded with dcmjs.
 *
 * The SR joins the source's study (its Study Instance UID) in a series of its own. UIDs identify
 * objects, not people, and are copied; Patient's Name, ID and Birth Date are copied only from the
 * identifier store when the caller passes them (`patient`), and are otherwise left empty (Type 2),
 * as are the study's date, time, ID, accession number and referring physician (they may identify).
 *
 * @example
 * const bytes = dicomSr(record, { source: { sopClassUid, sopInstanceUid, studyInstanceUid, seriesInstanceUid, frames: 1 } });
 * await writeFile('sr.dcm', bytes);
 */
import { createHash } from 'node:crypto';
import dcmjs from 'dcmjs';
import type { DicomInstanceReference, PatientIdentifiers } from '../domain.js';
import { measurementReport } from './dicom-sr/measurement-report.js';
import { privateScheme } from './dicom-sr/sr-codes.js';
import { type ReportableRecord, reviewStateOf } from './reportable-record.js';

export const comprehensiveSrSopClass = '1.2.840.10008.5.1.4.1.1.88.33';
const explicitVrLittleEndian = '1.2.840.10008.1.2.1';
const softwareName = 'DDx Assist';

export interface DicomSrOptions {
  /** The analysed instance, from its own tags (the record's `dicom` reference). */
  source: DicomInstanceReference;
  /** Only from the identifier store, only when the clinic gave them. */
  patient?: PatientIdentifiers;
  seriesNumber?: number;
}

/** Why no SR can be made for a record: not a DICOM input, or no result to report. */
export class DicomSrNotApplicableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DicomSrNotApplicableError';
  }
}

/** A UID under the 2.25 root (PS3.5 B.2): the decimal form of 128 bits of a digest of `text`. */
export function uidFromText(text: string): string {
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 32);
  return `2.25.${BigInt(`0x${digest}`).toString(10)}`;
}

/** DICOM DA and TM of an ISO instant, in UTC (the data set says so with TimezoneOffsetFromUTC). */
function dicomDateTime(iso: string): { date: string; time: string } {
  const [date = '', time = ''] = new Date(iso).toISOString().split('T');
  return { date: date.replace(/-/g, ''), time: time.replace(/:/g, '').replace('Z', '').slice(0, 10) };
}

/**
 * The store keeps a name as written ("Jane Q Doe"); DICOM wants family^given: the last word is
 * taken as the family name, the rest as given names. Delimiters in the name are dropped.
 */
function personName(name: string): string {
  const words = name
    .replace(/[\\^=]/g, ' ')
    .trim()
    .split(/\s+/);
  const family = words.pop() ?? '';
  return (words.length > 0 ? `${family}^${words.join(' ')}` : family).slice(0, 64);
}

const dicomSex: Record<string, string> = { female: 'F', male: 'M', other: 'O' };

function patientModule(record: ReportableRecord, patient: PatientIdentifiers | undefined) {
  const birthDate = /^(\d{4})-(\d{2})-(\d{2})$/.exec(patient?.dateOfBirth ?? '');
  return {
    PatientName: patient?.name ? personName(patient.name) : '',
    PatientID: patient?.patientId?.slice(0, 64) ?? '',
    PatientBirthDate: birthDate ? `${birthDate[1]}${birthDate[2]}${birthDate[3]}` : '',
    PatientSex: dicomSex[record.context?.sex ?? ''] ?? '',
  };
}

export function dicomSr(record: ReportableRecord, options: DicomSrOptions): Uint8Array {
  if (record.image?.format !== 'dicom') {
    throw new DicomSrNotApplicableError(
      `record ${record.id} is not of a DICOM input: no DICOM SR is made for it`,
    );
  }
  if (record.status === 'failed' || !record.classification) {
    throw new DicomSrNotApplicableError(`record ${record.id} has no result to report`);
  }
  const { source } = options;
  const reviewState = reviewStateOf(record);
  // One series per record; a new instance whenever the record or its review changes.
  const seriesUid = uidFromText(`${record.id}\nsr-series`);
  const instanceUid = uidFromText(`${record.id}\nsr\n${record.updatedAt}\n${record.review?.at ?? ''}`);
  const content = dicomDateTime(record.review?.at ?? record.updatedAt);
  const image = {
    sopClassUid: source.sopClassUid,
    sopInstanceUid: source.sopInstanceUid,
    ...(source.frames > 1 ? { frame: 1 } : {}),
  };
  const root = measurementReport(record, {
    image,
    deviceUid: uidFromText('ddx-assist device observer'),
    trackingUid: uidFromText(`${record.id}\ntracking`),
    softwareName,
  });

  const dataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    InstanceCreationDate: content.date,
    InstanceCreationTime: content.time,
    TimezoneOffsetFromUTC: '+0000',
    SOPClassUID: comprehensiveSrSopClass,
    SOPInstanceUID: instanceUid,
    CodingSchemeIdentificationSequence: [privateScheme],
    // Patient (Type 2 attributes, empty unless the identifier store supplied them)
    ...patientModule(record, options.patient),
    // General Study: the source's study; what may identify a visit is left empty
    StudyInstanceUID: source.studyInstanceUid,
    StudyDate: '',
    StudyTime: '',
    ReferringPhysicianName: '',
    StudyID: '',
    AccessionNumber: '',
    // SR Document Series
    Modality: 'SR',
    SeriesInstanceUID: seriesUid,
    SeriesNumber: String(options.seriesNumber ?? 9001),
    SeriesDescription: 'DDx Assist AI findings',
    ReferencedPerformedProcedureStepSequence: [],
    // General Equipment
    Manufacturer: 'DDx Assist project',
    ManufacturerModelName: softwareName,
    SoftwareVersions: softwareName,
    // SR Document General
    InstanceNumber: '1',
    PreliminaryFlag: reviewState === 'final' ? 'FINAL' : 'PRELIMINARY',
    CompletionFlag: 'COMPLETE',
    VerificationFlag: 'UNVERIFIED',
    ContentDate: content.date,
    ContentTime: content.time,
    PerformedProcedureCodeSequence: [],
    PertinentOtherEvidenceSequence: [
      {
        StudyInstanceUID: source.studyInstanceUid,
        ReferencedSeriesSequence: [
          {
            SeriesInstanceUID: source.seriesInstanceUid,
            ReferencedSOPSequence: [
              { ReferencedSOPClassUID: source.sopClassUid, ReferencedSOPInstanceUID: source.sopInstanceUid },
            ],
          },
        ],
      },
    ],
    // SR Document Content: the root container's attributes live in the data set itself
    ...root,
  };

  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: comprehensiveSrSopClass,
    MediaStorageSOPInstanceUID: instanceUid,
    TransferSyntaxUID: explicitVrLittleEndian,
    ImplementationClassUID: uidFromText('ddx-assist implementation'),
    ImplementationVersionName: 'DDX_ASSIST',
  };
  const file = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  file.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(file.write());
}
