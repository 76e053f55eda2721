/**
 * Fills the gaps of an upload's clinical context and patient identifiers with what its DICOM tags
 * say. The sidecar (or S3 metadata) is what the clinic meant to send, so it wins: a DICOM value is
 * used only where the metadata gave none.
 *
 * Identifiers are never mixed: when the header names another patient than the sidecar (a
 * different name, id or date of birth), the sidecar's identifiers are kept alone, the header's
 * are held apart (`otherIdentifiers`: scrubbed from the notes, never stored) and the conflict is
 * flagged by code (PATIENT_NAME_CONFLICT...). Otherwise the header fills what the sidecar lacks.
 *
 * @example
 * const merged = mergeDicomContext(loaded, image.dicom);
 * // loaded.context.bodySite null, DICOM "THORAX" -> merged.context.bodySite 'thorax'
 */

import type { ClinicalContext, ContextWarningCode, PatientIdentifiers } from '../domain.js';
import type { DicomClinicalFacts } from '../imaging/dicom/dicom-clinical-context.js';
import { ContextWarning, mergeWarnings } from './context-warnings.js';

export interface ContextAndPatient {
  context: ClinicalContext;
  patient: PatientIdentifiers;
  /** Identifiers of a conflicting source (the DICOM header): scrubbed from notes, never stored. */
  otherIdentifiers?: PatientIdentifiers;
}

export function mergeDicomContext(
  fromMetadata: ContextAndPatient,
  fromDicom: DicomClinicalFacts | undefined,
): ContextAndPatient {
  if (!fromDicom) return fromMetadata;
  const { context, patient } = fromMetadata;
  const conflicts = identifierConflicts(patient, fromDicom.patient);
  const warnings = mergeWarnings(context.warnings, fromDicom.warnings, conflicts);
  const merged: ContextAndPatient = {
    context: {
      ...context,
      bodySite: context.bodySite ?? fromDicom.context.bodySite ?? null,
      ageYears: context.ageYears ?? fromDicom.context.ageYears ?? null,
      sex: context.sex ?? fromDicom.context.sex ?? null,
      ...(warnings.length > 0 ? { warnings } : {}),
    },
    patient: conflicts.length > 0 ? patient : { ...fromDicom.patient, ...patient },
  };
  if (conflicts.length > 0) merged.otherIdentifiers = fromDicom.patient;
  return merged;
}

/** Which identifiers both sources give and disagree on. */
function identifierConflicts(sidecar: PatientIdentifiers, header: PatientIdentifiers): ContextWarningCode[] {
  const conflicts: ContextWarningCode[] = [];
  if (sidecar.name && header.name && !sameName(sidecar.name, header.name)) {
    conflicts.push(ContextWarning.patientNameConflict);
  }
  if (sidecar.patientId && header.patientId && compact(sidecar.patientId) !== compact(header.patientId)) {
    conflicts.push(ContextWarning.patientIdConflict);
  }
  if (
    sidecar.dateOfBirth &&
    header.dateOfBirth &&
    compact(sidecar.dateOfBirth) !== compact(header.dateOfBirth)
  ) {
    conflicts.push(ContextWarning.dateOfBirthConflict);
  }
  return conflicts;
}

/** Letters and digits only, case and accents folded: "12-345" is "12345", "José" is "jose". */
function compact(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * The same person when every word of the shorter name is in the longer one ("Jane Doe" and
 * "Jane Q Doe", "DOE^JANE" read as "Jane Doe"), or one gives just an initial for a word.
 */
function sameName(first: string, second: string): boolean {
  const words = (name: string) =>
    name
      .split(/[\s^,]+/)
      .map(compact)
      .filter(Boolean);
  const [shorter, longer] = [words(first), words(second)].sort((a, b) => a.length - b.length);
  if (!shorter || !longer || shorter.length === 0) return false;
  return shorter.every((word) =>
    longer.some((other) => other === word || (word.length === 1 && other.startsWith(word))),
  );
}
