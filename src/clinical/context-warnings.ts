/**
 * The reasons a context field is dropped or kept apart, as codes: the record and the logs carry
 * the code, never the text that was dropped (it may be an identifier). Body sites and specialties
 * are allow-listed (body-site-vocabulary.ts, specialty-list.ts); conflicting patient identifiers
 * from the sidecar and the DICOM header are kept apart (merge-dicom-context.ts).
 */
import type { ContextWarningCode } from '../domain.js';
import type { BodySiteDropReason } from './body-site-vocabulary.js';

export const ContextWarning = {
  bodySiteNotInVocabulary: 'BODY_SITE_NOT_IN_VOCABULARY',
  bodySiteWithoutSiteWord: 'BODY_SITE_WITHOUT_SITE_WORD',
  specialtyNotListed: 'SPECIALTY_NOT_LISTED',
  dicomBodyPartNotInVocabulary: 'DICOM_BODY_PART_NOT_IN_VOCABULARY',
  patientNameConflict: 'PATIENT_NAME_CONFLICT',
  patientIdConflict: 'PATIENT_ID_CONFLICT',
  dateOfBirthConflict: 'DATE_OF_BIRTH_CONFLICT',
} as const satisfies Record<string, ContextWarningCode>;

export function bodySiteWarning(reason: BodySiteDropReason): ContextWarningCode {
  return reason === 'no-site-word'
    ? ContextWarning.bodySiteWithoutSiteWord
    : ContextWarning.bodySiteNotInVocabulary;
}

/** Warnings of both sources, each once, in a stable order. */
export function mergeWarnings(...lists: (readonly ContextWarningCode[] | undefined)[]): ContextWarningCode[] {
  return [...new Set(lists.flatMap((list) => list ?? []))].sort();
}
