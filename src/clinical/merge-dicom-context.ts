/**
 * Fills the gaps of an upload's clinical context and patient identifiers with what its DICOM tags
 * say. The sidecar (or S3 metadata) is what the clinic meant to send, so it wins: a DICOM value is
 * used only where the metadata gave none.
 *
 * @example
 * const merged = mergeDicomContext(loaded, image.dicom);
 * // loaded.context.bodySite null, DICOM "THORAX" -> merged.context.bodySite 'thorax'
 */

import type { ClinicalContext, PatientIdentifiers } from '../domain.js';
import type { DicomClinicalFacts } from '../imaging/dicom/dicom-clinical-context.js';

export interface ContextAndPatient {
  context: ClinicalContext;
  patient: PatientIdentifiers;
}

export function mergeDicomContext(
  fromMetadata: ContextAndPatient,
  fromDicom: DicomClinicalFacts | undefined,
): ContextAndPatient {
  if (!fromDicom) return fromMetadata;
  const { context, patient } = fromMetadata;
  return {
    context: {
      ...context,
      bodySite: context.bodySite ?? fromDicom.context.bodySite ?? null,
      ageYears: context.ageYears ?? fromDicom.context.ageYears ?? null,
      sex: context.sex ?? fromDicom.context.sex ?? null,
    },
    patient: { ...fromDicom.patient, ...patient },
  };
}
