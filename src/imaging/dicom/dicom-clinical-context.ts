/**
 * The clinical facts a DICOM data set carries about its patient: Body Part Examined (allow-listed
 * onto the body-site vocabulary), Patient's Age and Patient's Sex become context; Patient's Name, Patient ID and Birth Date are identifiers and
 * are returned apart, for the pipeline to keep away from models and logs as it does the sidecar's.
 * Values that do not read cleanly are left out rather than guessed.
 *
 * @example
 * const { context, patient } = dicomClinicalContext(dicomParser.parseDicom(bytes));
 * // context: { bodySite: 'thorax', ageYears: 61, sex: 'female' }
 */
import type { DataSet } from 'dicom-parser';
import { canonicalBodySite } from '../../clinical/body-site-vocabulary.js';
import { ContextWarning } from '../../clinical/context-warnings.js';
import type { ContextWarningCode, PatientIdentifiers, Sex } from '../../domain.js';

export interface DicomClinicalContext {
  bodySite?: string;
  ageYears?: number;
  sex?: Sex;
}

export interface DicomClinicalFacts {
  context: DicomClinicalContext;
  patient: PatientIdentifiers;
  /** Body Part Examined that maps onto no body site of the vocabulary: dropped, by code. */
  warnings?: ContextWarningCode[];
}

const DicomTag = {
  bodyPartExamined: 'x00180015',
  patientAge: 'x00101010',
  patientSex: 'x00100040',
  patientName: 'x00100010',
  patientId: 'x00100020',
  patientBirthDate: 'x00100030',
} as const;

const sexes: Record<string, Sex> = { M: 'male', F: 'female', O: 'other' };

/** A text attribute, trimmed, if it is there and within `max` characters. */
function text(dataSet: DataSet, tag: string, max: number): string | undefined {
  let value: string | undefined;
  try {
    value = dataSet.string(tag)?.trim();
  } catch {
    return undefined;
  }
  return value && value.length <= max ? value : undefined;
}

export function dicomClinicalContext(dataSet: DataSet): DicomClinicalFacts {
  const context: DicomClinicalContext = {};
  const warnings: ContextWarningCode[] = [];
  const bodyPart = text(dataSet, DicomTag.bodyPartExamined, 80);
  if (bodyPart) {
    // A CS value like "UPPER_ARM"; a free-text one is allow-listed the same way as the sidecar's.
    const mapped = canonicalBodySite(bodyPart);
    if ('site' in mapped) context.bodySite = mapped.site;
    else warnings.push(ContextWarning.dicomBodyPartNotInVocabulary);
  }
  // Age String: nnnD, nnnW, nnnM or nnnY; only years map to ageYears.
  const age = /^(\d{1,3})Y$/.exec(text(dataSet, DicomTag.patientAge, 4) ?? '');
  const years = age ? Number(age[1]) : Number.NaN;
  if (years >= 0 && years <= 130) context.ageYears = years;
  const sex = text(dataSet, DicomTag.patientSex, 16)?.toUpperCase();
  if (sex && Object.hasOwn(sexes, sex)) context.sex = sexes[sex];

  const patient: PatientIdentifiers = {};
  const name = personName(text(dataSet, DicomTag.patientName, 200));
  if (name) patient.name = name;
  const patientId = text(dataSet, DicomTag.patientId, 100);
  if (patientId) patient.patientId = patientId;
  const dateOfBirth = isoDate(text(dataSet, DicomTag.patientBirthDate, 40));
  if (dateOfBirth) patient.dateOfBirth = dateOfBirth;
  return warnings.length > 0 ? { context, patient, warnings } : { context, patient };
}

/** "Doe^Jane^Q" -> "Jane Q Doe": the form a clinician writes in notes, where it is scrubbed. */
function personName(value: string | undefined): string | undefined {
  if (!value) return undefined;
  // Only the alphabetic group: ideographic and phonetic forms follow "=".
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = (value.split('=')[0] ?? '')
    .split('^')
    .map((part) => part.trim());
  const name = [prefix, given, middle, family, suffix].filter(Boolean).join(' ');
  return name || undefined;
}

/** "19520314" -> "1952-03-14"; anything else as written. */
function isoDate(value: string | undefined): string | undefined {
  const date = /^(\d{4})(\d{2})(\d{2})$/.exec(value ?? '');
  return date ? `${date[1]}-${date[2]}-${date[3]}` : value;
}
