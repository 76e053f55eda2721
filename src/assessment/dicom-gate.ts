/**
 * A DICOM input must be a photograph of skin: a modality that photographs skin (XC, DMS), and no
 * body part that no skin photograph shows. A generic capture (OT, GM: an endoscopy frame, a
 * scanned document) is never confirmed as skin by its header: the answer is at best uncertain.
 */
import type { GateFinding } from './gate-finding.js';

export interface DicomHeader {
  modality?: string;
  bodyPartExamined?: string;
}

export function dicomGate(
  header: DicomHeader | null,
  rules: { skinModalities: readonly string[]; internalBodyParts: readonly string[] },
): GateFinding | null {
  if (!header) return null;
  const bodyPart = header.bodyPartExamined?.trim().toUpperCase();
  if (bodyPart && rules.internalBodyParts.includes(bodyPart)) {
    return {
      severity: 'out-of-scope',
      code: 'DICOM_BODY_PART',
      message: `The DICOM body part is ${bodyPart}, which no skin photograph shows: refer to the specialty that reads this imaging.`,
    };
  }
  const modality = header.modality;
  if (modality && rules.skinModalities.includes(modality)) return null;
  if (modality === 'OT' || modality === 'GM' || modality === undefined) {
    return {
      severity: 'uncertain',
      code: 'DICOM_NOT_SKIN_MODALITY',
      message: `The DICOM modality is ${modality ?? 'not stated'}, not a skin photograph (${rules.skinModalities.join(', ')}): nothing in the header confirms the image shows skin.`,
    };
  }
  return {
    severity: 'out-of-scope',
    code: 'DICOM_MODALITY',
    message: `DICOM modality ${modality} is not a photograph of skin: refer to the specialty that reads this imaging.`,
  };
}
